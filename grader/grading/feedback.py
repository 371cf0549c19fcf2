"""A learner's feedback page, feedback/<student>/<notebook>.html: the verdicts, then the graded
notebook (inert: grader.grading.inert) with hidden tests removed (nbgrader's ClearHiddenTests) and
tracebacks cut to their last line.

The page is nbconvert's HTML of that notebook, rendered by a FeedbackExporter: a class's pages
share most of their cells (the course's text and code), so what nbconvert computes for a cell's
text is kept and reused, and the page is not parsed again as a whole (see FeedbackExporter).
"""

import functools
import re

import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters import Highlight2HTML, clean_html
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from ..learner import cell_roles
from . import inert
from .report import markdown_text
from .trusted import SKIPPED

NO_ALT = "No description has been provided for this image"
# The template's own markup for a cell's input and for an output (a learner's text reaches the
# page escaped, so it cannot match): nbconvert makes both focusable, for keyboard users.
_FOCUSABLE = re.compile(
    r'<div ((?:id="[^"<>]*" )?)class="(jp-Cell-inputWrapper|[^"<>]*\bjp-OutputArea-output\b[^"<>]*)"'
)
_IMAGE_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTMLExporter, with its page's content and markup unchanged, faster on a class:
    - code cells are highlighted (pygments), and highlighted code sanitised (nbconvert's
      clean_html), once per distinct text: each took about a sixth of a page's time, and the
      course's own cells are the same on every learner's page;
    - the rendered page is not parsed again as a whole to give its images alt text and make its
      cells' inputs and outputs focusable (nbconvert does it with BeautifulSoup: a third of a
      page's time); the same attributes are added to the template's own markup, which the tests
      compare with nbconvert's (tests/grading/test_feedback.py)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.register_filter("clean_html", functools.lru_cache(maxsize=4096)(clean_html))
        self._highlighters = {}

    def _highlight(self, lexer):
        if lexer not in self._highlighters:
            highlight = Highlight2HTML(pygments_lexer=lexer, parent=self)
            cached = functools.lru_cache(maxsize=4096)(lambda source, language: highlight(source, language))

            def highlight_code(source, language=None, metadata=None):
                if metadata and metadata.get("magics_language"):  # decided per cell: not kept
                    return highlight(source, language, metadata)
                return cached(source, language)

            self._highlighters[lexer] = highlight_code
        return self._highlighters[lexer]

    def from_notebook_node(self, nb, resources=None, **kw):
        info = nb.metadata.get("language_info", {})
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self._highlight(info.get("pygments_lexer", info.get("name"))))
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
        )
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        html = _FOCUSABLE.sub(r'<div \1tabindex="0" class="\2"', html)
        return _IMAGE_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', html), resources


@functools.cache
def exporter():
    """One exporter per worker process: loading its templates takes most of a second."""
    return FeedbackExporter()


def page(entry, student, rows, graded=None, submitted=None, release=None):
    """The HTML of a feedback page. entry: the notebook's manifest entry; rows: the submission's
    rows (grader.grading.submissions.Row); graded: the notebook as nbgrader graded it (None if it
    was not graded); submitted: the learner's notebook (inert), None if it could not be read;
    release: the course's released notebook it started from."""
    from nbgrader.preprocessors import ClearHiddenTests

    if graded is not None:
        nb = graded
        sources = {cell.get("id"): cell.source for cell in submitted.cells}
        for cell in nb.cells:  # the demonstrations' code, not run
            if cell.source == SKIPPED and cell.get("id") in sources:
                cell.source = sources[cell.get("id")]
    elif submitted is not None:
        nb = submitted
    else:  # unreadable: the verdicts alone
        nb = nbformat.v4.new_notebook()
    nb = inert.notebook(nb, release)  # whatever it came from: only inert parts
    course_tests = {item.test_id for item in entry.items}
    for cell in nb.cells:
        if cell_roles.grade_id(cell) not in course_tests and "### BEGIN HIDDEN TESTS" in cell.source:
            cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0]  # a learner's copy of the markers
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
    table = ["| item | points | result |", "|---|---|---|"]
    for r in rows:
        table.append(f"| `{r.item}` | {r.score:g} / {r.max_score:g} | **{r.status}** {markdown_text(r.message)} |")
    total = sum(r.score for r in rows)
    header = (
        f"# {entry.title}: feedback for {markdown_text(student)}\n\n"
        f"**{total:g} of {sum(r.max_score for r in rows):g} points** (written answers are added "
        "when your instructor has graded them).\n\n" + "\n".join(table)
    )
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(header))
    html, _ = exporter().from_notebook_node(nb)
    return html
