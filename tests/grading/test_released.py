"""Releasing as you go (course.toml's `released = false`): a notebook not out yet is not graded (a
file of it handed in is reported as not released yet), and summary.csv, report.md and the export
count and show only the released ones."""

import csv

import nbformat
from conftest import with_answers

from grader.grading.autograde import autograde
from grader.grading.export import export
from grader.learner import manifest

NOTEBOOKS = manifest.load()
FIRST, SECOND = NOTEBOOKS[0], NOTEBOOKS[1]


def course_with_only_the_first_released(tmp_path, root):
    """A course root whose course.toml marks every notebook but the first `released = false`."""
    course = tmp_path / "course"
    (course / "grader" / "learner").mkdir(parents=True)
    text = manifest.MANIFEST.read_text(encoding="utf-8")
    for nb in NOTEBOOKS[1:]:
        text = text.replace(f'id = "{nb.id}"\n', f'id = "{nb.id}"\nreleased = false\n', 1)
    (course / "grader" / "learner" / "course.toml").write_text(text, encoding="utf-8")
    for folder in ("notebooks", "solutions"):
        (course / folder).symlink_to(root / folder)
    return course


def test_only_released_notebooks_are_graded_counted_and_exported(tmp_path, root):
    course = course_with_only_the_first_released(tmp_path, root)
    assert [nb.id for nb in manifest.released(course / "grader" / "learner" / "course.toml")] == [FIRST.id]
    release = nbformat.read(root / "notebooks" / FIRST.id / FIRST.filename, as_version=4)
    solved = with_answers(release, nbformat.read(root / "solutions" / FIRST.id / FIRST.filename, as_version=4))
    (tmp_path / "class" / "s1").mkdir(parents=True)
    nbformat.write(solved, tmp_path / "class" / "s1" / FIRST.filename)
    nbformat.write(
        nbformat.read(root / "notebooks" / SECOND.id / SECOND.filename, as_version=4),
        tmp_path / "class" / "s1" / SECOND.filename,
    )
    out = tmp_path / "results"
    rows, review = autograde(tmp_path / "class", out, jobs=1, timeout=20, progress=False, root=course)
    assert {r.notebook for r in rows if r.item} == {FIRST.id}
    assert review["s1", SECOND.filename] == [f"{SECOND.filename} is not released yet, so it was not graded"]
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        (line,) = list(csv.DictReader(f))
    assert list(line) == ["student", "name", FIRST.id, "total", "max_total"]
    assert (line[FIRST.id], line["total"], line["max_total"]) == ("14", "14", f"{FIRST.points:g}")
    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"| {FIRST.id} | 1 |" in report and f"| {SECOND.id} |" not in report
    path, _ = export(out, "moodle", tmp_path / "moodle.csv", root=course)
    assert path.read_text(encoding="utf-8").splitlines() == ["Username," + FIRST.id, "s1,14"]
