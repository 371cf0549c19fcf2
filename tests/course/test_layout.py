"""grader.course.layout: the paths it builds are where the checkout keeps the course's files."""

import nbformat
import pytest

from grader.course import layout
from grader.learner import manifest


def test_the_manifest_is_where_layout_says():
    assert layout.manifest_path() == manifest.MANIFEST


@pytest.mark.parametrize("entry", manifest.load(), ids=lambda e: e.id)
def test_every_notebook_has_its_release_and_its_solution_where_layout_says(entry):
    for path in (layout.release_path(entry), layout.solution_path(entry)):
        nb = nbformat.read(path, as_version=4)
        assert path.name == entry.filename and path.parent.name == entry.id
        assert any(c.metadata.get("nbgrader", {}).get("grade_id") == entry.items[0].id for c in nb.cells)
