"""grader.learner.cell_roles: one reading of a cell's nbgrader metadata for every module."""

import nbformat
import pytest

from grader.course import layout
from grader.learner import cell_roles, manifest


@pytest.mark.parametrize("entry", manifest.load(), ids=lambda e: e.id)
def test_the_solutions_cells_have_the_roles_the_manifest_gives_them(entry):
    nb = nbformat.read(layout.solution_path(entry), as_version=4)
    by_id = {cell_roles.grade_id(c): c for c in nb.cells if cell_roles.grade_id(c)}
    for item in entry.items:
        assert cell_roles.is_answer(by_id[item.id]) and not cell_roles.is_test(by_id[item.id])
        test = by_id[item.test_id]
        assert cell_roles.is_graded(test)
        assert cell_roles.is_test(test) == (not item.written)  # a written answer is graded by hand
    plain = [c for c in nb.cells if not cell_roles.nbgrader(c)]
    assert plain and not any(cell_roles.is_answer(c) or cell_roles.is_graded(c) for c in plain)


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"nbgrader": []},
        {"nbgrader": "solution"},
        {"nbgrader": None},
        {"nbgrader": {"grade_id": 7, "solution": False}},
    ],
)
def test_missing_or_malformed_metadata_makes_an_ordinary_cell(metadata):
    cell = nbformat.v4.new_code_cell("x = 1", metadata=metadata)
    assert cell_roles.grade_id(cell) is None
    assert not (cell_roles.is_answer(cell) or cell_roles.is_graded(cell) or cell_roles.is_test(cell))


def test_a_release_filled_with_the_solutions_answers_has_the_solutions_answer_cells():
    entry = manifest.load()[0]
    release = nbformat.read(layout.release_path(entry), as_version=4)
    solution = nbformat.read(layout.solution_path(entry), as_version=4)
    assert cell_roles.answers(release) != cell_roles.answers(solution)
    filled = cell_roles.fill(release, cell_roles.answers(solution))
    assert cell_roles.answers(filled) == cell_roles.answers(solution)
    assert [c.source for c in filled.cells if not cell_roles.is_answer(c)] == [
        c.source for c in nbformat.read(layout.release_path(entry), as_version=4).cells if not cell_roles.is_answer(c)
    ]


def test_a_written_answer_left_as_released_is_blank():
    nb = nbformat.v4.new_notebook()
    written = nbformat.v4.new_markdown_cell("YOUR ANSWER HERE")
    written.metadata["nbgrader"] = {"solution": True, "grade": True, "grade_id": "why_relu", "points": 3}
    nb.cells = [written]
    assert cell_roles.blank_written(nb, "why_relu")
    written.source = "  \n"
    assert cell_roles.blank_written(nb, "why_relu")
    written.source = "ReLU passes the gradient on unchanged where a unit is active."
    assert not cell_roles.blank_written(nb, "why_relu")
    assert not cell_roles.blank_written(nb, "another_item")
