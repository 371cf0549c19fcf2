"""grader.grading.export.write: the LMS files' layout, from a table of scores (the whole path,
gradebook to file, is tests/e2e/test_examples.py's export test on the graded sample class)."""

import csv

import pytest

from grader.grading import export
from grader.learner import manifest

NOTEBOOKS = manifest.load()[:2]
TABLE = {"bob": {NOTEBOOKS[0].id: 7.5}, "alice": {NOTEBOOKS[0].id: 14.0, NOTEBOOKS[1].id: 0.0}}


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_gets_points_possible_and_the_student_in_the_chosen_id_column(tmp_path):
    found = rows(export.write("canvas", TABLE, NOTEBOOKS, tmp_path / "c.csv", id_column="SIS User ID"))
    assert found[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", NOTEBOOKS[0].id, NOTEBOOKS[1].id]
    assert found[1] == ["Points Possible", "", "", "", "", f"{NOTEBOOKS[0].points:g}", f"{NOTEBOOKS[1].points:g}"]
    assert found[2:] == [["", "", "alice", "", "", "14", "0"], ["", "", "bob", "", "", "7.5", ""]]


def test_moodle_gets_one_id_column_and_a_blank_for_a_notebook_not_handed_in(tmp_path):
    found = rows(export.write("moodle", TABLE, NOTEBOOKS, tmp_path / "m.csv"))
    assert found == [["Username", NOTEBOOKS[0].id, NOTEBOOKS[1].id], ["alice", "14", "0"], ["bob", "7.5", ""]]


@pytest.mark.parametrize(
    "fmt, id_column, words",
    [("blackboard", None, "unknown format 'blackboard'"), ("canvas", "Email", "not 'Email'")],
)
def test_a_wrong_format_or_id_column_is_refused_before_anything_is_written(tmp_path, fmt, id_column, words):
    with pytest.raises(ValueError, match=words):
        export.write(fmt, TABLE, NOTEBOOKS, tmp_path / "x.csv", id_column=id_column)
    assert not (tmp_path / "x.csv").exists()


def test_no_gradebook_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `python -m grader autograde` first"):
        export.export(tmp_path, "canvas", tmp_path / "c.csv")
