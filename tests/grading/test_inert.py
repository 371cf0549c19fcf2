"""grader.grading.inert: a hostile submission keeps its words and loses everything that could run."""

import functools
from html.parser import HTMLParser

import nbformat
import payloads
import pytest
from conftest import ROOT

from grader.grading import inert
from grader.learner import manifest

NB = manifest.load()[-1]


@pytest.fixture
def release():
    return nbformat.read(ROOT / "notebooks" / NB.id / NB.filename, as_version=4)


@pytest.fixture
def hostile(release):
    solution = nbformat.read(ROOT / "solutions" / NB.id / NB.filename, as_version=4)
    return payloads.hostile(nbformat.from_dict(dict(release)), solution, unknown_item=True)


class Active(HTMLParser):
    """What in an HTML page could run script or hide text: inline script elements, event-handler
    attributes, frames, plug-ins, SVG, style attributes that hide, and URLs other than http(s),
    anchors and PNG data."""

    def __init__(self):
        super().__init__()
        self.found, self.in_script = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.in_script = dict(attrs).get("src") or ""
        if tag in ("iframe", "object", "embed", "svg", "frame", "base"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            scheme = "" if value.startswith("#") else value.split("/")[0].partition(":")[1]  # "": relative
            if (
                name == "srcdoc"
                or name in ("href", "src", "data", "action", "xlink:href")
                and scheme
                and not value.startswith(("http://", "https://", "data:image/png;base64,"))
            ):
                self.found.append(f"{tag} {name}={value[:40]}")
            if name == "style" and ("display" in value and "none" in value or "visibility" in value):
                self.found.append(f"{tag} style={value[:40]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = None

    def handle_data(self, data):
        if self.in_script == "" and data.strip():
            self.found.append(f"inline script {data.strip()}")


def rendered(nb):
    from nbconvert import HTMLExporter

    return HTMLExporter().from_notebook_node(nb)[0]


def found(html):
    parser = Active()
    parser.feed(html)
    return parser.found


@functools.cache
def template():
    """What nbconvert's page template itself writes, whatever the notebook (MathJax's set-up...)."""
    return frozenset(found(rendered(nbformat.v4.new_notebook())))


def active(html):
    """What could run in html, beyond what the page template writes."""
    return [f for f in found(html) if f not in template()]


def test_the_check_finds_every_payload_of_a_hostile_notebook_rendered_as_it_is(hostile):
    found = " | ".join(active(rendered(hostile)))
    for sign in (
        "img onerror=",
        "<svg>",
        "<iframe>",
        "<object>",
        "a href=javascript:",
        "a href=data:text/html",
        "div style=display:none",
        "inline script",
    ):
        assert sign in found, f"{sign} not found in: {found[:2000]}"


def test_a_hostile_notebook_made_inert_renders_nothing_that_runs(hostile, release):
    html = rendered(inert.notebook(hostile, release))
    assert active(html) == []
    assert payloads.WORDS in html and "onerror" in html  # the answer's words, its markup as text


def test_only_text_png_and_errors_remain_in_outputs_and_nothing_of_the_learners_metadata(hostile, release):
    nb = inert.notebook(hostile, release)
    assert nb.metadata == release.metadata
    kinds = {
        key for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs for key in out.get("data", {})
    }
    assert kinds <= {"text/plain", "image/png"}
    assert {key for cell in nb.cells for key in cell.metadata} <= {"nbgrader"}
    assert all(cell.cell_type in ("code", "markdown") for cell in nb.cells)
    grade_ids = [cell.metadata["nbgrader"].get("grade_id") for cell in nb.cells if "nbgrader" in cell.metadata]
    assert "pwned_item" in grade_ids and not any("<" in str(g) for g in grade_ids)
    nbformat.validate(nb)


def test_the_course_text_stays_and_the_learners_text_is_shown_as_text(hostile, release):
    nb = inert.notebook(hostile, release)
    course = {c.source for c in release.cells if c.cell_type == "markdown"}
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "why_relu")
    assert inert.shown_as_text(answer.source) and payloads.WORDS in answer.source
    kept = [c.source for c in nb.cells if c.cell_type == "markdown" and c.source in course]
    assert len(kept) == len(course) - 1  # all but the written answer's placeholder
    assert inert.notebook(nb, release) == nb  # twice changes nothing


def test_only_png_attachments_with_plain_names_are_kept(release):
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    cell = nbformat.v4.new_markdown_cell("see ![a](attachment:a.png)")
    cell.attachments = {
        "a.png": {"image/png": png},
        "b.png": {"image/png": "PHN2Zz48L3N2Zz4="},
        "c.svg": {"image/svg+xml": "<svg onload='x()'/>"},
        'd".png': {"image/png": png},
    }
    nb = nbformat.v4.new_notebook(cells=[cell])
    made = inert.notebook(nb, release).cells[0]
    assert list(made.attachments) == ["a.png"]
    assert made.source.endswith("![a.png](attachment:a.png)")


@pytest.mark.parametrize(
    "source",
    [
        "```\n<b>x</b>\n```\n<i>y</i>",
        "``````\n<b>x</b>",
        "a\n````text\n<b>b</b>",
        "~~~\n<b>x</b>\n~~~",
        "    ```\n<b>x</b>",
    ],
)
def test_no_backtick_run_closes_the_block_early(source):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    html = markdown2html_mistune(inert.text_block(source)).strip()
    assert html.count("<pre>") == 1 and html.endswith("</pre></div>"), html  # one code block, all of it
    assert "<b>" not in html and "&lt;b&gt;" in html


@pytest.mark.parametrize("grade_id", ['"><img src=x onerror=y()>', "", 7, "a" * 101])
def test_a_cell_claiming_a_grade_id_that_is_not_plain_is_an_ordinary_cell(grade_id, release):
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": 1, "solution": False}
    cell["id"] = '"><b>'
    made = inert.notebook(nbformat.from_dict({"cells": [cell], "metadata": {}}), release).cells[0]
    assert made.metadata == {} and made["id"] == "learner-cell-0"


def test_nbgrader_fields_keep_their_types_only():
    assert inert.nbgrader_fields(
        {
            "grade": True,
            "points": 2,
            "grade_id": "a_b-1",
            "schema_version": 3,
            "solution": "yes",
            "extra": "<b>",
            "checksum": "<x>",
        }
    ) == {"grade": True, "points": 2, "grade_id": "a_b-1", "schema_version": 3}


def test_cells_of_the_wrong_shape_lose_what_is_wrong(release):
    odd = nbformat.from_dict(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "source": ["x = ", 1, "1"],
                    "metadata": "tags",
                    "outputs": "html",
                    "execution_count": True,
                },
                {"cell_type": "widget", "source": "<b>hi</b>", "metadata": {"nbgrader": ["grade"]}},
            ],
            "metadata": {},
        }
    )
    code, other = inert.notebook(odd, release).cells
    assert (code.source, code.metadata, code.outputs, code.execution_count) == ("x = 1", {}, [], None)
    assert other.cell_type == "markdown" and inert.shown_as_text(other.source) and other.metadata == {}
