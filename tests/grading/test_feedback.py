"""grader.grading.feedback: a feedback page is nbconvert's page of the notebook, tag for tag and
attribute for attribute, although it is rendered without nbconvert's last pass over the page."""

import re

import nbformat
import payloads
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT
from nbconvert import HTMLExporter

from grader.grading import feedback, inert
from grader.learner import manifest

NOTEBOOKS = manifest.load()
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def shape(html):
    """Every element of a page, in order, as (tag, its attributes sorted), and the page's text.
    (A widget's output gets a new random id on every page.)"""
    soup = BeautifulSoup(html, "html.parser")
    value = lambda v: re.sub(UUID, "<uuid>", " ".join(v) if isinstance(v, list) else v)  # noqa: E731
    tags = [(tag.name, sorted((k, value(v)) for k, v in tag.attrs.items())) for tag in soup.find_all(True)]
    return tags, soup.get_text()


def pages(nb):
    """(nbconvert's page, the feedback exporter's page) of a notebook, the exporter used twice so
    that the second page comes from what it kept of the first."""
    ours = feedback.FeedbackExporter()
    ours.from_notebook_node(nb)
    return HTMLExporter().from_notebook_node(nb)[0], ours.from_notebook_node(nb)[0]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_a_solved_notebook_gives_nbconverts_page(nb):
    solution = nbformat.read(ROOT / "solutions" / nb.id / nb.filename, as_version=4)
    theirs, ours = pages(solution)
    assert 'tabindex="0"' in ours and "<img" in ours  # the attributes the last pass adds are there
    assert shape(ours) == shape(theirs)


def test_a_hostile_notebook_made_inert_gives_nbconverts_page():
    nb = NOTEBOOKS[-1]
    release = nbformat.read(ROOT / "notebooks" / nb.id / nb.filename, as_version=4)
    solution = nbformat.read(ROOT / "solutions" / nb.id / nb.filename, as_version=4)
    hostile = inert.notebook(payloads.hostile(nbformat.from_dict(dict(release)), solution, unknown_item=True), release)
    theirs, ours = pages(hostile)
    assert shape(ours) == shape(theirs)


def test_a_cell_highlighted_by_its_own_language_is_not_taken_from_another():
    """A cell's magics_language (e.g. %%bash) decides its highlighting, so it is never reused."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("%%bash\necho hi"), nbformat.v4.new_code_cell("%%bash\necho hi")]
    )
    nb.cells[0].metadata["magics_language"] = "bash"
    theirs, ours = pages(nb)
    assert shape(ours) == shape(theirs)
