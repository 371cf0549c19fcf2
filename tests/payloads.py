"""Hostile submissions of notebook 05 for the tests of grader.grading.inert: markup that would run
script where a page shows the notebook, in every place a notebook can carry it.

Every payload, if it ever ran, would set `window.__pwned`, change the page's title to PWNED and
request a URL containing `pwned-<its name>` (so a test that watches the page's requests names the
payload that got through). The written answer keeps a sentence of its own (WORDS) that the
instructor must still be able to read."""

import base64
import json

import nbformat

WORDS = "ReLU keeps a gradient of one for every positive input"
MARK = "pwned-"


def script(name):
    """The JavaScript every payload runs: the same three signs, named."""
    return (
        f"window.__pwned=(window.__pwned||[]).concat(['{name}']);document.title='PWNED';"
        f"fetch('/{MARK}{name}').catch(()=>0)"
    )


def encoded(name):
    """script(name) as an attribute value without quotes: eval(atob('...'))."""
    return f"eval(atob('{base64.b64encode(script(name).encode()).decode()}'))"


def svg(name):
    return f'<svg xmlns="http://www.w3.org/2000/svg" onload="{encoded(name)}"><script>{script(name + "-inner")}</script></svg>'


def markup(where):
    """Markdown carrying every kind of markup payload, each named after where it is."""
    return "\n\n".join(
        [
            f"<script>{script(where + '-script')}</script>",
            f'<img src="x" onerror="{encoded(where + "-img-onerror")}">',
            svg(where + "-svg"),
            f"[a javascript: link](javascript:{script(where + '-md-link')})",
            f"$\\href{{javascript:{script(where + '-mathjax-href')}}}{{a MathJax link}}$",
            f'<iframe srcdoc="<script>{script(where + "-iframe")}</script>"></iframe>',
            f'<a href="data:text/html;base64,{base64.b64encode(f"<script>{script(where)}</script>".encode()).decode()}">'
            "a data: link</a>",
            f'<div style="display:none">{MARK}{where}-hidden-by-style</div>',
            f'<object data="javascript:{script(where + "-object")}"></object>',
        ]
    )


def outputs(where):
    """Saved outputs of every mime type that can carry script."""
    js = script(where + "-javascript-output")
    return [
        nbformat.v4.new_output("display_data", data={"application/javascript": js, "text/plain": "js"}),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": f'<img src="x" onerror="{encoded(where + "-html-output")}">', "text/plain": "html"},
        ),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": svg(where + "-svg-output")}),
        nbformat.v4.new_output(
            "display_data", data={"text/markdown": f'<img src="x" onerror="{encoded(where + "-markdown-output")}">'}
        ),
        nbformat.v4.new_output(
            "execute_result",
            execution_count=1,
            data={"text/html": f"<script>{script(where + '-result-script')}</script>", "text/plain": "r"},
        ),
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {
                    "model_id": "pwned-model",
                    "version_major": 2,
                    "version_minor": 0,
                },
                "text/plain": "widget",
            },
        ),
    ]


def widget_state(where):
    """Notebook metadata: the saved state of an HTML widget whose value is a payload."""
    return {
        "application/vnd.jupyter.widget-state+json": {
            "version_major": 2,
            "version_minor": 0,
            "state": {
                "pwned-model": {
                    "model_name": "HTMLModel",
                    "model_module": "@jupyter-widgets/controls",
                    "model_module_version": "2.0.0",
                    "state": {"value": f'<img src="x" onerror="{encoded(where + "-widget-state")}">'},
                }
            },
        }
    }


def attachments(where):
    return {
        "pwned.svg": {"image/svg+xml": svg(where + "-svg-attachment")},
        "pwned.html": {"text/html": f"<script>{script(where + '-html-attachment')}</script>"},
    }


MESSAGE = (
    f'<img src=x onerror="{encoded("exception-message")}"> '
    f"$\\href{{javascript:{script('exception-mathjax')}}}{{x}}$ [link](javascript:{script('exception-link')})"
)
RAISING = f"raise ValueError({MESSAGE!r})"
DISPLAYING = (
    "from IPython.display import HTML, Javascript, SVG, display\n"
    f"display(HTML('<img src=x onerror=\"{encoded('run-html')}\">'))\n"
    f'display(Javascript("{script("run-javascript")}"))\n'
)


def hostile(released, solution, unknown_item=False):
    """Notebook 05 answered correctly (the solutions' answers), with payloads in the written
    answer (after WORDS), an extra markdown cell, a raw cell, saved outputs, attachments, cell
    and notebook metadata, and code that displays HTML and JavaScript and raises an exception whose
    message is markup. unknown_item adds a cell claiming a graded item the course does not have,
    on which nbgrader fails (the feedback page is then built from the submission itself)."""
    from conftest import with_answers

    nb = with_answers(released, solution)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "why_relu":
            cell.source = f"{WORDS}.\n\n" + markup("answer")
            cell.attachments = attachments("answer")
        elif cell.cell_type == "code" and not cell.metadata.get("nbgrader"):
            cell.outputs = outputs("output")
    extra = nbformat.v4.new_markdown_cell(markup("extra-cell"))
    extra.attachments = attachments("extra-cell")
    extra.metadata["tags"] = [f'"><script>{script("cell-tag")}</script>']
    raw = nbformat.v4.new_raw_cell(f"<script>{script('raw-cell')}</script>")
    raw.metadata["raw_mimetype"] = "text/html"
    raw.metadata["format"] = "text/html"
    code = nbformat.v4.new_code_cell(DISPLAYING + RAISING, outputs=outputs("extra-code"))
    nb.cells[2:2] = [extra, raw]
    nb.cells.append(code)
    if unknown_item:
        claim = nbformat.v4.new_code_cell("x = 1", outputs=outputs("unknown-item"))
        claim.metadata["nbgrader"] = {
            "grade": True,
            "solution": False,
            "locked": False,
            "grade_id": "pwned_item",
            "points": 5,
            "schema_version": 3,
        }
        nb.cells.append(claim)
        odd = nbformat.v4.new_code_cell("y = 2")
        odd.metadata["nbgrader"] = {
            "grade": False,
            "solution": True,
            "locked": False,
            "schema_version": 3,
            "grade_id": f'"><img src=x onerror="{encoded("grade-id")}">',
        }
        nb.cells.append(odd)
    nb.metadata["widgets"] = widget_state("notebook-metadata")
    nb.metadata["title"] = f"<script>{script('notebook-title')}</script>"
    return nb


def write(nb, path):
    """Write nb without nbformat's validation (a hostile file need not be valid)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
