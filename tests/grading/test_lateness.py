"""Due dates, extensions and the late policy (grader.grading.lateness, grader.learner.manifest):
the policy's arithmetic, extensions.csv read or refused with the line, the due date shown to
learners, and through `autograde` and `export` a class of timestamped submissions (an LMS's
download): on time, late, and late but within an extension."""

import csv
from dataclasses import replace
from datetime import UTC, datetime

import nbformat
import pytest
from test_downloads import lms_zip

from grader.grading.lateness import ExtensionsRefused, duration_text, read_extensions
from grader.learner import manifest, selfcheck
from grader.learner.manifest import LatePolicy

NOTEBOOKS = manifest.load()
NB = NOTEBOOKS[0]
DAY = 86400


def test_the_policy_charges_started_days_after_the_free_ones_never_more_than_the_score():
    policy = LatePolicy(free_days=1, per_day=0.1)
    assert policy.penalty(14, 0) == 0 and policy.penalty(14, -5) == 0
    assert policy.penalty(14, 60) == 0  # a minute late: the first (free) day
    assert policy.penalty(14, DAY + 1) == pytest.approx(1.4)  # the second day started
    assert policy.penalty(14, 2.5 * DAY) == pytest.approx(2.8)
    assert policy.penalty(14, 40 * DAY) == 14 and policy.penalty(0, 40 * DAY) == 0
    assert LatePolicy().penalty(14, 9 * DAY) == 0
    assert policy.text() == (
        "the first 1 days late cost nothing, then each day late (or part of one) costs 10% of the notebook's score"
    )
    assert duration_text(2.5 * DAY) == "2 days 12 h" and duration_text(3900) == "1 h 5 min"


def test_due_dates_and_the_policy_are_read_from_the_manifest_or_refused(tmp_path):
    text = (manifest.MANIFEST.read_text(encoding="utf-8")).replace(
        'id = "01_chain_rule"\n', 'id = "01_chain_rule"\ndue = 2027-01-15T23:59:00+01:00\n', 1
    )
    path = tmp_path / "course.toml"
    path.write_text(text + "\n[late]\nfree_days = 2\nper_day = 0.25\n", encoding="utf-8")
    first = manifest.load(path)[0]
    assert first.due_text == "2027-01-15 22:59 UTC" and manifest.load(path)[1].due is None
    assert manifest.late_policy(path) == LatePolicy(2, 0.25)
    path.write_text(text.replace("+01:00", ""), encoding="utf-8")
    with pytest.raises(ValueError, match="with its time zone"):
        manifest.load(path)
    shown = selfcheck.due_line(replace(NB, due=datetime(2027, 1, 15, 23, 59, tzinfo=UTC)))
    assert shown == "  due 2027-01-15 23:59 UTC; no penalty for handing in late"


@pytest.mark.parametrize(
    "line, complaint",
    [
        ("s1,09_nothing,2,ill", "'09_nothing' is not one of"),
        ("s1,01_chain_rule,two,ill", "positive number of days"),
        ("s1,01_chain_rule,-1,ill", "positive number of days"),
        (",01_chain_rule,2,ill", "needs a student"),
    ],
)
def test_a_bad_extensions_line_is_refused_with_its_line(tmp_path, line, complaint):
    path = tmp_path / "extensions.csv"
    path.write_text(f"student,notebook,days,reason\ns0,02_worked_example.ipynb,1,flu\n{line}\n", encoding="utf-8")
    with pytest.raises(ExtensionsRefused, match=f"line 3: .*{complaint}"):
        read_extensions(path, NOTEBOOKS)


def test_extensions_are_read(tmp_path):
    path = tmp_path / "extensions.csv"
    path.write_text("student,notebook,days,reason\n1003,01_chain_rule.ipynb,3,flu\n", encoding="utf-8")
    (found,) = read_extensions(path, NOTEBOOKS).values()
    assert (found.student, found.notebook, found.days, found.reason) == ("1003", NB.id, 3.0, "flu")
    path.write_text("student,notebook\n", encoding="utf-8")
    with pytest.raises(ExtensionsRefused, match="days missing"):
        read_extensions(path, NOTEBOOKS)


def test_a_late_submission_costs_what_the_policy_says_and_an_extension_moves_the_due_date(tmp_path, root):
    """Due 2026-12-01 00:00 UTC; one free day, then 10% per day. Alice hands in the day before,
    Bob and Carol 2.5 days after; Carol has a 3-day extension. Bob loses 20% of 14 = 2.8 points in
    the gradebook (nbgrader's late penalty), grades.csv (a row "late"), summary.csv and the export;
    Alice and Carol lose nothing."""
    from conftest import with_answers
    from nbgrader.api import Gradebook

    from grader.grading.autograde import autograde
    from grader.grading.export import export
    from grader.grading.gradebook import COURSE_ID

    release = nbformat.read(root / "notebooks" / NB.id / NB.filename, as_version=4)
    solved = nbformat.writes(
        with_answers(release, nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4))
    )
    late = (2026, 12, 3, 12, 0, 0)
    archive = lms_zip(
        tmp_path / "canvas.zip",
        {
            f"archeralice_1001_1_{NB.filename}": (solved, (2026, 11, 30, 9, 0, 0)),
            f"bakerbob_LATE_1002_2_{NB.filename}": (solved, late),
            f"chencarol_LATE_1003_3_{NB.filename}": (solved, late),
        },
    )
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("student,notebook,days,reason\n1003,01_chain_rule,3,a doctor's note\n", encoding="utf-8")
    out = tmp_path / "results"
    rows, _ = autograde(
        archive,
        out,
        jobs=2,
        timeout=20,
        progress=False,
        extensions=extensions,
        due={NB.id: datetime(2026, 12, 1, tzinfo=UTC)},
        late=LatePolicy(free_days=1, per_day=0.1),
    )
    lates = [r for r in rows if r.item == "late"]
    assert [(r.student, r.score, r.status) for r in lates] == [("1002", pytest.approx(-2.8), "late")]
    assert lates[0].message.startswith(
        "handed in 2 days 12 h after the due date (2026-12-01 00:00 UTC): 2.8 points off"
    )
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        totals = {row["student"]: float(row[NB.id]) for row in csv.DictReader(f)}
    assert totals == {"1001": 14, "1002": pytest.approx(11.2), "1003": 14}
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", COURSE_ID) as gb:
        bob = gb.find_submission_notebook(NB.id, NB.id, "1002").late_submission_penalty
        carol = gb.find_submission(NB.id, "1003")
        assert bob == pytest.approx(2.8)
        assert carol.extension.days == 3 and carol.total_seconds_late == 0
    with open(export(out, "canvas", tmp_path / "canvas.csv")[0], newline="", encoding="utf-8") as f:
        exported = {row[1]: row[5] for row in list(csv.reader(f))[2:]}
    assert exported == {"1001": "14", "1002": "11.2", "1003": "14"}


def test_bad_extensions_stop_autograde_before_anything_is_written(tmp_path):
    from grader.cli import main

    (tmp_path / "class" / "s1").mkdir(parents=True)
    (tmp_path / "ext.csv").write_text("student,notebook,days\ns1,nope,1\n", encoding="utf-8")
    argv = [
        "autograde",
        str(tmp_path / "class"),
        "--out",
        str(tmp_path / "out"),
        "--extensions",
        str(tmp_path / "ext.csv"),
    ]
    assert main(argv) == 2
    assert not (tmp_path / "out").exists()
