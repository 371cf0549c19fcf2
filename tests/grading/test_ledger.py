"""One source of truth (grader.grading.ledger): the CSVs, the report and the export agree with the
gradebook after hand decisions and re-grades. A class of three graded; a score set by hand in
the gradebook (as the Formgrader does) and an overrides.csv line reach summary.csv, grades.csv and
the export (`regrade RESULTS`); re-grading one student keeps the others' lines, clears that
student's Formgrader score with a note, keeps the overrides.csv one; `regrade --compare` lists
what changed with both messages."""

import csv
import shutil

import nbformat
import pytest
from conftest import with_answers

from grader.cli import main
from grader.grading.gradebook import COURSE_ID
from grader.grading.ledger import OverridesRefused, read_overrides
from grader.learner import manifest

NOTEBOOKS = manifest.load()
NB = NOTEBOOKS[0]


def summary(out):
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: float(row[NB.id]) for row in csv.DictReader(f)}


def grades(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {(row["student"], row["item"]): row for row in csv.DictReader(f) if row["notebook"] == NB.id}


def exported(out, tmp_path):
    assert main(["export", str(out), "--format", "moodle", "--out", str(tmp_path / "m.csv")]) == 0
    with open(tmp_path / "m.csv", newline="", encoding="utf-8") as f:
        return {row["Username"]: float(row[NB.id]) for row in csv.DictReader(f)}


def test_the_csvs_follow_the_gradebook_through_hand_grades_overrides_and_a_regrade(tmp_path, root):
    from nbgrader.api import Gradebook

    release = nbformat.read(root / "notebooks" / NB.id / NB.filename, as_version=4)
    solution = nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4)
    blank = nbformat.writes(release)
    solved = with_answers(release, solution)
    wrong = nbformat.reads(nbformat.writes(solved), as_version=4)
    for cell in wrong.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid":
            cell.source = "def sigmoid(z):\n    return np.tanh(z)\n"
    classroom = tmp_path / "class"
    for student, text in (("s1", nbformat.writes(solved)), ("s2", nbformat.writes(wrong)), ("s3", blank)):
        (classroom / student).mkdir(parents=True)
        (classroom / student / NB.filename).write_text(text, encoding="utf-8")
    out = tmp_path / "results"
    run = ["--out", str(out), "--jobs", "2", "--timeout", "20"]
    assert main(["autograde", str(classroom), *run]) == 0
    first = summary(out)
    assert first["s1"] == 14 and first["s2"] < 14 and first["s3"] == 0
    shutil.copytree(out, tmp_path / "before")

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", COURSE_ID) as gb:  # as the Formgrader does
        gb.find_grade("test_sigmoid", NB.id, NB.id, "s2").manual_score = 1.0
        gb.db.commit()
    (out / "overrides.csv").write_text(
        "student,notebook,item,points,reason,who\ns3,01_chain_rule,last_layer_grads,2,right idea; a typo,TA Kim\n",
        encoding="utf-8",
    )
    assert main(["regrade", str(out)]) == 0
    now, rows = summary(out), grades(out)
    assert now == {"s1": 14, "s2": first["s2"] + 1, "s3": 2} == exported(out, tmp_path)
    assert rows["s2", "sigmoid"]["status"] == "override"
    assert rows["s2", "sigmoid"]["message"].startswith("set to 1 by hand in the Formgrader (the grader's check gave 0")
    assert rows["s3", "last_layer_grads"]["message"].startswith("set to 2 by TA Kim: right idea; a typo (the grader's")

    only_s2 = tmp_path / "again"
    shutil.copytree(classroom / "s2", only_s2 / "s2")
    assert main(["autograde", str(only_s2), *run]) == 0
    after = summary(out)
    assert after == {"s1": 14, "s2": first["s2"], "s3": 2} == exported(out, tmp_path)  # s2's hand score cleared
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "the score 1 set by hand in the Formgrader was cleared by this re-grade" in report
    assert grades(out)["s3", "last_layer_grads"]["status"] == "override"

    from grader.grading.compare import changes, text

    found = changes(tmp_path / "before", out)
    assert [(key, before[0], after_[0]) for key, before, after_ in found] == [
        (("s3", NB.id, "last_layer_grads"), 0.0, 2.0)
    ]
    assert "TA Kim" in found[0][2][2] and "not written yet" in found[0][1][2]
    assert text(found).splitlines()[:2] == ["1 scores changed:", f"s3 {NB.id} last_layer_grads"]
    assert text([]) == "No score changed."
    assert main(["regrade", "--compare", str(tmp_path / "before"), str(out)]) == 0


def test_a_bad_overrides_line_is_refused_with_its_line(tmp_path):
    path = tmp_path / "overrides.csv"
    head = "student,notebook,item,points,reason,who\n"
    for line, complaint in (
        ("s1,01_chain_rule,nope,1,r,w", "no graded item 'nope'"),
        ("s1,01_chain_rule,sigmoid,2,r,w", "between 0 and 1"),
        ("s1,01_chain_rule,sigmoid,1,,w", "a reason and who decided"),
    ):
        path.write_text(head + line + "\n", encoding="utf-8")
        with pytest.raises(OverridesRefused, match=f"line 2: .*{complaint}"):
            read_overrides(path, NOTEBOOKS)
    assert read_overrides(tmp_path / "none.csv", NOTEBOOKS) == {}


def test_the_report_lists_written_answers_waiting_for_a_hand_grade(tmp_path):
    from grader.grading.report import write_report
    from grader.grading.submissions import Row

    rows = [
        Row("s1", "05_vanishing", "why_relu", 0, 3, "manual", "a written answer: graded by hand in the formgrader"),
        Row("s2", "05_vanishing", "why_relu", 0, 3, "manual", "a written answer, left blank: nothing to grade"),
        Row("s3", "05_vanishing", "why_relu", 2, 3, "graded", "graded by hand in the Formgrader: 2 of 3"),
    ]
    write_report(tmp_path, rows, {}, NOTEBOOKS)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "1 waiting (they count 0 until graded" in report and "s1 05_vanishing `why_relu`" in report
    assert "1 left blank" in report and "s3 05" not in report.split("## Written answers")[1].split("##")[0]


def test_a_points_change_migrates_the_gradebook_and_keeps_hand_grades(tmp_path, root):
    """sigmoid goes from 1 to 2 points in course.toml mid-term: `release` writes the new points into
    the solution, the next run into the same results folder migrates the gradebook instead of
    refusing it, full marks stay full marks for a student not graded again, and a hand score stays."""
    from nbgrader.api import Gradebook

    from grader.authoring.release import sync_points
    from grader.grading.autograde import autograde

    course = tmp_path / "course"
    (course / "grader" / "learner").mkdir(parents=True)
    toml = course / "grader" / "learner" / "course.toml"
    toml.write_text(manifest.MANIFEST.read_text(encoding="utf-8"), encoding="utf-8")
    (course / "notebooks").symlink_to(root / "notebooks")
    shutil.copytree(root / "solutions" / NB.id, course / "solutions" / NB.id)
    for other in NOTEBOOKS[1:]:
        (course / "solutions" / other.id).symlink_to(root / "solutions" / other.id)
    release = nbformat.read(root / "notebooks" / NB.id / NB.filename, as_version=4)
    solved = with_answers(release, nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4))
    for student in ("s1", "s2"):
        (tmp_path / "class" / student).mkdir(parents=True)
        nbformat.write(solved, tmp_path / "class" / student / NB.filename)
    out = tmp_path / "results"
    autograde(tmp_path / "class", out, jobs=2, timeout=20, progress=False, root=course)
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", COURSE_ID) as gb:
        gb.find_grade("test_chain_forward", NB.id, NB.id, "s2").manual_score = 0.5
        gb.db.commit()

    toml.write_text(
        toml.read_text(encoding="utf-8").replace('{ id = "sigmoid", points = 1 }', '{ id = "sigmoid", points = 2 }'),
        encoding="utf-8",
    )
    entry = manifest.load(toml)[0]
    assert sync_points(course / "solutions" / NB.id / NB.filename, entry) == {"test_sigmoid": (1, 2.0)}
    shutil.rmtree(tmp_path / "class" / "s2")
    autograde(tmp_path / "class", out, jobs=1, timeout=20, progress=False, root=course)  # only s1 again
    assert summary(out) == {"s1": 15, "s2": 14.5}, (out / "grades.csv").read_text()  # s2: chain_forward by hand
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", COURSE_ID) as gb:
        assert gb.find_grade_cell("test_sigmoid", NB.id, NB.id).max_score == 2
        assert gb.find_submission_notebook(NB.id, NB.id, "s2").score == 14.5
