"""`python -m grader autograde`: every bad input and cheat graded through the real pipeline, with
its exact score and status; good submissions keep full marks; re-running gives identical CSVs;
feedback never shows hidden tests."""

import csv
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import with_answers

from grader.grading import launchers
from grader.grading.autograde import autograde
from grader.grading.workers import SANDBOX_CACHED, SANDBOX_WARM_UP
from grader.learner import manifest

NB = manifest.load()[0]  # 01_chain_rule: quick to run
ITEMS = [item.id for item in NB.items]


def released(root):
    return nbformat.read(root / "notebooks" / NB.id / NB.filename, as_version=4)


def solved(root):
    return with_answers(released(root), nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4))


def edit(nb, grade_id, source=None, delete=False, duplicate=False):
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            if delete:
                del nb.cells[i]
            elif duplicate:
                nb.cells.insert(i + 1, nbformat.from_dict(json.loads(json.dumps(cell))))
            else:
                cell.source = source
            return nb
    raise KeyError(grade_id)


CHEAT = """
import numpy as np
np.allclose = lambda *a, **k: True
import grader.learner.checks
grader.learner.checks.close = grader.learner.checks.difference = lambda *a, **k: None
try:                                   # the judge is not where the learner's code runs
    import grader.course.judge
    grader.course.judge.check = lambda *a, **k: None
except ImportError:
    pass

def sigmoid(z):
    return np.zeros_like(np.asarray(z, dtype=float))
"""

LOOP = """import signal
def sigmoid_prime(z):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
"""


def write(folder, student, nb, name=NB.filename):
    (folder / student).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / student / name)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, root):
    """A class of 01_chain_rule submissions, graded once: {(student, item): (score, status, message)}."""
    folder = tmp_path_factory.mktemp("class")
    write(folder, "full", solved(root))
    write(folder, "blank", released(root))
    noisy = solved(root)
    edit(
        noisy,
        "sigmoid",
        "import sys, warnings\nprint('hello', file=sys.stderr)\nwarnings.warn('careful')\n"
        "def _helper(t):\n    return 0.5 * (1 + np.tanh(t / 2))\n"  # another route, with no overflow
        "def sigmoid(z):\n    print(z)\n    return _helper(np.asarray(z, dtype=float))\n",
    )
    write(folder, "noisy", noisy)
    (folder / "broken").mkdir()
    (folder / "broken" / NB.filename).write_text('{"cells": [', encoding="utf-8")
    (folder / "empty").mkdir()
    (folder / "empty" / NB.filename).write_text("", encoding="utf-8")
    (folder / "old").mkdir()  # correct work saved in the old notebook format 3
    (folder / "old" / NB.filename).write_text(nbformat.writes(solved(root), version=3), encoding="utf-8")
    write(folder, "renamed", solved(root), name="01_chain_rule (1).ipynb")
    tampered = solved(root)
    edit(tampered, "test_sigmoid", delete=True)
    edit(tampered, "test_sigmoid_prime", "pass")
    edit(tampered, "test_chain_forward", duplicate=True)
    write(folder, "tampered", tampered)
    retyped = solved(root)
    for i, cell in enumerate(retyped.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid_prime":
            markdown = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
            markdown["id"] = cell["id"]
            retyped.cells[i] = markdown
    write(folder, "retyped", retyped)
    write(folder, "cheat", edit(solved(root), "sigmoid", CHEAT))
    write(folder, "loop", edit(solved(root), "sigmoid_prime", LOOP))
    write(
        folder,
        "exits",
        edit(
            solved(root),
            "numerical_derivative",
            "import os\ndef numerical_derivative(f, x, h=1e-5):\n    os._exit(3)\n",
        ),
    )
    out = tmp_path_factory.mktemp("results")
    rows, review = autograde(folder, out, jobs=2, timeout=4, notebook_timeout=40, progress=False)
    table = {(r.student, r.item): (r.score, r.status, r.message) for r in rows if r.notebook == NB.id}
    return table, review, out, folder


def scores(table, student):
    return [table[student, item][0] for item in ITEMS]


def statuses(table, student):
    return {table[student, item][1] for item in ITEMS}


def test_full_marks_and_noise_cost_nothing(graded):
    table, review, _, _ = graded
    for student in ("full", "noisy"):
        assert scores(table, student) == [item.points for item in NB.items]
        assert statuses(table, student) == {"ok"}
        assert (student, NB.id) not in review


def test_an_old_format_notebook_is_upgraded_and_graded(graded, tmp_path):
    table, review, _, folder = graded
    assert json.loads((folder / "old" / NB.filename).read_text())["nbformat"] == 3
    assert scores(table, "old") == [item.points for item in NB.items]
    assert review["old", NB.id] == ["saved in the old notebook format 3; upgraded to 4 and graded"]


def test_an_answer_cell_turned_into_markdown_is_graded_on_its_code(graded):
    table, review, _, _ = graded
    assert scores(table, "retyped") == [item.points for item in NB.items]
    score, status, message = table["retyped", "sigmoid_prime"]
    assert status == "tampered" and "changed to a markdown cell; changed back to code" in message
    assert ("retyped", NB.id) in review


def test_blank_scores_zero_with_reasons(graded):
    table, _, _, _ = graded
    assert scores(table, "blank") == [0] * len(ITEMS)
    assert all(table["blank", item] == (0, "failed", f"{item} is not written yet") for item in ITEMS)


@pytest.mark.parametrize(
    "student, words",
    [
        ("broken", "not valid notebook JSON"),
        ("empty", "the file is empty"),
    ],
)
def test_unreadable_files_are_errors_with_the_reason(graded, student, words):
    table, review, _, _ = graded
    assert statuses(table, student) == {"error"}
    assert all(words in table[student, item][2] for item in ITEMS)
    assert (student, NB.id) in review


def test_a_wrong_file_name_is_reported_and_the_notebook_missing(graded):
    table, review, _, _ = graded
    assert statuses(table, "renamed") == {"missing"}
    assert any("Rename it to 01_chain_rule.ipynb" in note for note in review["renamed", "01_chain_rule (1).ipynb"])


def test_tampered_tests_are_restored_and_answers_still_graded(graded):
    table, review, _, _ = graded
    assert scores(table, "tampered") == [item.points for item in NB.items]
    assert table["tampered", "sigmoid"][1:] == (
        "tampered",
        "its test cell was deleted; the course's test was put back; graded on your answer: correct",
    )
    assert table["tampered", "sigmoid_prime"][1].startswith("tampered")
    assert "appears 2 times" in table["tampered", "chain_forward"][2]
    assert table["tampered", "chain_backward"][1] == "ok"
    assert (("tampered", NB.id)) in review


def test_monkeypatching_earns_nothing_and_is_flagged(graded):
    table, review, _, _ = graded
    assert table["cheat", "sigmoid"][:2] == (0, "failed")
    assert "own test passed, but the grader's check did not" in table["cheat", "sigmoid"][2]
    assert any("the notebook's own test gave 1 points, the trusted check 0" in note for note in review["cheat", NB.id])


def test_an_endless_loop_and_os_exit_cost_only_their_items(graded):
    table, review, _, _ = graded
    assert table["loop", "sigmoid_prime"][:2] == (0, "timeout")
    assert table["loop", "sigmoid"][:2] == (1, "ok") and table["loop", "chain_backward"][:2] == (3, "ok")
    assert table["exits", "numerical_derivative"][:2] == (0, "error")
    assert table["exits", "chain_backward"][:2] == (3, "ok")
    assert any(note.startswith("sigmoid_prime: timeout") for note in review["loop", NB.id])
    assert not any("nbgrader could not grade" in note for note in review["loop", NB.id])


def hidden_lines(root):
    """Every line of the course's hidden tests for this notebook (from the solutions)."""
    lines = set()
    for cell in nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4).cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            lines |= {line.strip() for line in hidden.splitlines() if line.strip()}
    assert lines
    return lines


def test_csvs_and_feedback(graded, root):
    table, _, out, _ = graded
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "student",
        "notebook",
        "item",
        "score",
        "max_score",
        "status",
        "message",
        "kind",
        "mistake",
    ]
    assert {(r["kind"], r["mistake"]) for r in rows if r["student"] == "blank" and r["status"] == "failed"} == {
        ("not written", "")
    }
    assert {(r["status"], r["kind"]) for r in rows if r["student"] == "full" and r["notebook"] == NB.id} == {("ok", "")}
    with open(out / "summary.csv", newline="") as f:
        summary = {r["student"]: r for r in csv.DictReader(f)}
    assert summary["full"][NB.id] == f"{NB.points:g}" and summary["blank"]["total"] == "0"
    pages = list((out / "feedback").rglob("*.html"))
    assert len(pages) >= 8
    hidden = hidden_lines(root)
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))  # as displayed
        assert "HIDDEN TESTS" not in text, page
        assert not [line for line in hidden if line in text], page
    shown = html.unescape(re.sub(r"<[^>]+>", "", (out / "feedback" / "full" / f"{NB.id}.html").read_text()))
    assert "checks.call(" in shown  # visible tests are shown, and the search can find code
    assert "Submissions that need a human look" in (out / "report.md").read_text()


def test_rerunning_gives_identical_csvs(tmp_path, root):
    folder = tmp_path / "class"
    write(folder, "a", solved(root))
    write(folder, "b", edit(solved(root), "sigmoid_prime", "def sigmoid_prime(z):\n    return sigmoid(z)\n"))
    out = tmp_path / "results"
    autograde(folder, out, jobs=1, timeout=10, progress=False)
    first = [(out / name).read_bytes() for name in ("grades.csv", "summary.csv")]
    autograde(folder, out, jobs=2, timeout=10, progress=False)
    assert [(out / name).read_bytes() for name in ("grades.csv", "summary.csv")] == first


def test_an_lms_zip_is_graded_and_cannot_write_outside(tmp_path, root):
    """A zip of <student>/<file> entries in one wrapper folder, with junk, a path that tries to
    climb out of the unpacking folder, and a hostile s_bad whose upload holds
    x/s_good1/01_chain_rule.ipynb: the innocent s_good1 keeps full marks, the forged copy is s_bad's
    second copy, the climbing entry is refused and is no student (tests/grading/test_submissions.py has
    the rules)."""
    import csv
    import zipfile

    archive = tmp_path / "downloads.zip"
    solved_text = nbformat.writes(solved(root))
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"course-2026/s_good1/{NB.filename}", solved_text)
        zf.writestr(f"course-2026/s_bad/{NB.filename}", nbformat.writes(released(root)))
        zf.writestr(f"course-2026/s_bad/x/s_good1/{NB.filename}", solved_text)
        zf.writestr(f"__MACOSX/course-2026/s_good1/._{NB.filename}", "junk")
        zf.writestr(f"../../escaped/{NB.filename}", nbformat.writes(released(root)))
        zf.writestr("course-2026/readme.txt", "not a notebook")
    out = tmp_path / "results"
    rows, review = autograde(archive, out, jobs=1, timeout=10, progress=False)
    mine = {(r.student, r.item): (r.score, r.status) for r in rows if r.notebook == NB.id}
    assert [mine["s_good1", item] for item in ITEMS] == [(item.points, "ok") for item in NB.items]
    assert {mine["s_bad", item] for item in ITEMS} == {(0, "failed")}
    assert review["s_bad", NB.filename] == [
        f"{NB.filename} was handed in more than once: {NB.filename} was graded, x/s_good1/{NB.filename} was not"
    ]
    refused = [r for r in rows if r.student == ""]
    assert len(refused) == 1 and "climbs out of its folder" in refused[0].message
    assert not (tmp_path.parent / "escaped").exists() and not (tmp_path / "escaped").exists()
    assert {r.student for r in rows} == {"s_good1", "s_bad", ""}
    with open(out / "summary.csv", newline="") as f:
        assert sorted(line["student"] for line in csv.DictReader(f)) == ["s_bad", "s_good1"]


def test_a_gradebook_write_that_sqlite_refuses_at_once_is_tried_again(tmp_path):
    """Two transactions that have both read and both want to write: SQLite refuses the second at
    once, whatever its busy timeout (waiting could deadlock). gradebook_retries starts it again
    once the first has committed; other errors are not retried."""
    import sqlite3
    import threading

    from grader.grading.gradebook import gradebook_retries

    db = tmp_path / "gradebook.db"
    with sqlite3.connect(db) as setup:
        setup.execute("CREATE TABLE grade (name TEXT, score REAL)")
        setup.execute("INSERT INTO grade VALUES ('a', 0), ('b', 0)")
    first = sqlite3.connect(db, timeout=60, isolation_level=None, check_same_thread=False)
    first.execute("BEGIN")
    first.execute("SELECT * FROM grade").fetchall()
    first.execute("UPDATE grade SET score = 1 WHERE name = 'a'")  # holds the write lock ...
    threading.Timer(0.5, lambda: first.execute("COMMIT")).start()  # ... for half a second
    tries = []

    def second():
        tries.append(1)
        conn = sqlite3.connect(db, timeout=60, isolation_level=None)
        try:
            conn.execute("BEGIN")
            conn.execute("SELECT * FROM grade").fetchall()
            conn.execute("UPDATE grade SET score = 2 WHERE name = 'b'")
            conn.execute("COMMIT")
        finally:
            conn.close()
        return "written"

    assert gradebook_retries(second) == "written"
    assert len(tries) >= 2  # refused at once, then done
    with sqlite3.connect(db) as check:
        assert dict(check.execute("SELECT name, score FROM grade").fetchall()) == {"a": 1, "b": 2}

    def broken():
        tries.append(1)
        raise ValueError("not a lock")

    tries.clear()
    with pytest.raises(ValueError):
        gradebook_retries(broken)
    assert len(tries) == 1
    failed = {"success": False, "error": "sqlite3.OperationalError: database is locked"}
    assert gradebook_retries(lambda: failed, tries=2) is failed  # given up after the last try


def test_without_isolation_grades_the_same_and_says_so(tmp_path, root):
    """--unsafe-no-isolation (a machine without bubblewrap, trusted submissions): the same scores,
    and report.md and the summary state that the code ran unisolated."""
    from grader.grading.results import summary_text

    folder = tmp_path / "class"
    write(folder, "a", solved(root))
    write(folder, "b", edit(solved(root), "sigmoid_prime", "def sigmoid_prime(z):\n    return sigmoid(z)\n"))
    out = tmp_path / "results"
    rows, review = autograde(folder, out, jobs=1, timeout=10, progress=False, isolated=False)
    got = {(r.student, r.item): r.score for r in rows}
    assert [got["a", item] for item in ITEMS] == [item.points for item in NB.items]
    assert got["b", "sigmoid_prime"] == 0 and got["b", "sigmoid"] == 1
    assert "Graded without isolation" in (out / "report.md").read_text()
    assert "WITHOUT ISOLATION" in summary_text(rows, review, out, 1.0, isolated=False)
    assert "WITHOUT ISOLATION" not in summary_text(rows, review, out, 1.0)


def test_a_partly_blank_submission_raises_no_false_review_flag(tmp_path, root):
    """Notebook 03 solved except one_hidden_loop, left as released: the loop scores 0 and
    one_hidden_vectorised full marks from both verdicts (its test does not use the loop), so no
    disagreement between nbgrader and the judge is flagged."""
    nb03 = next(nb for nb in manifest.load() if nb.id == "03_multi_output")
    read = lambda folder: nbformat.read(root / folder / nb03.id / nb03.filename, as_version=4)  # noqa: E731
    nb = with_answers(read("notebooks"), read("solutions"))
    blank = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in read("notebooks").cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }["one_hidden_loop"]
    write(tmp_path / "in", "half", edit(nb, "one_hidden_loop", blank), nb03.filename)
    rows, review = autograde(tmp_path / "in", tmp_path / "out", jobs=1, timeout=10, progress=False)
    got = {r.item: (r.status, r.message) for r in rows}
    assert got["one_hidden_loop"] == ("failed", "one_hidden_loop is not written yet")
    assert got["one_hidden_vectorised"] == ("ok", "") and got["perceptron_grad"] == ("ok", "")
    assert not [note for notes in review.values() for note in notes if "own test" in note], review


def test_an_nbgrader_course_folder_is_read_in_its_submitted_layout(tmp_path, root):
    """JupyterHub's exchange collects into <course>/submitted/<student>/<assignment>/<notebook>:
    autograde takes the course folder itself; a notebook handed in twice is graded once and said."""
    from grader.grading.autograde import collect

    course = tmp_path / "course"
    for student, where in (("alice", "01_chain_rule"), ("bob", "01_chain_rule"), ("bob", "old-copy")):
        write(course / "submitted" / student, where, solved(root) if student == "alice" else released(root))
        (course / "submitted" / student / where / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    (course / "source").mkdir()  # the rest of a course folder is not read
    (course / "nbgrader_config.py").write_text("c = get_config()\n")  # what makes it a course folder
    found, rows = collect(course, manifest.load())
    assert found == {
        "alice": {NB.id: course / "submitted" / "alice" / NB.id / NB.filename},
        "bob": {NB.id: course / "submitted" / "bob" / NB.id / NB.filename},
    }
    assert [(r.student, r.status) for r in rows] == [("bob", "error")]
    assert (
        f"handed in more than once: 01_chain_rule/{NB.filename} was graded, old-copy/{NB.filename} was not"
        in rows[0].message
    )
    out = tmp_path / "results"
    graded, _ = autograde(course, out, jobs=2, timeout=10, notebook_timeout=60, progress=False)
    totals = {}
    for r in graded:
        if r.notebook == NB.id:
            totals[r.student] = totals.get(r.student, 0) + r.score
    assert totals == {"alice": NB.auto_points, "bob": 0}


def test_a_gradebook_of_another_course_version_is_migrated_or_refused(tmp_path, root):
    """A gradebook filled when an item had other points (course.toml changed since) is brought up to
    date; one filled for other graded items stops with a message, rather than scoring on the old
    cells or deleting the old grades (tests/grading/test_ledger.py: a points change mid-term)."""
    from nbgrader.api import Gradebook

    from grader.grading.autograde import Settings
    from grader.grading.gradebook import COURSE_ID, GradebookMismatch, prepare_course

    out = tmp_path / "results"
    settings = Settings(
        out=out, db_url=f"sqlite:///{out / 'gradebook.db'}", timeout=10, notebook_timeout=60, root=root, isolated=False
    )
    prepare_course(settings, [NB])
    prepare_course(settings, [NB])  # the same course again: nothing to refuse
    with Gradebook(settings.db_url, COURSE_ID) as gb:
        gb.find_grade_cell("test_sigmoid", NB.id, NB.id).max_score = 5
        gb.db.commit()
    prepare_course(settings, [NB])
    with Gradebook(settings.db_url, COURSE_ID) as gb:
        assert gb.find_grade_cell("test_sigmoid", NB.id, NB.id).max_score == NB.item("sigmoid").points
        gb.update_or_create_grade_cell("test_extra", NB.id, NB.id, max_score=1, cell_type="code")
    with pytest.raises(
        GradebookMismatch, match="holds another version of 01_chain_rule .other graded items: test_extra"
    ):
        prepare_course(settings, [NB])


def test_the_sandbox_warm_up_compiles_what_sandboxes_import(tmp_path):
    """autograde compiles what every sandbox imports by running SANDBOX_WARM_UP once (sandboxes
    see the environment read-only). If its cell fails, the imports after the failure are never
    compiled, the warm-up runs again at every autograde, and every sandbox compiles those modules
    again: so it once was, when `%matplotlib inline` failed in a plain IPython shell. Here it
    compiles into a folder of its own (PYTHONPYCACHEPREFIX), which must then hold them all."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(MPLBACKEND="Agg", PYTHONPYCACHEPREFIX=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-c", SANDBOX_WARM_UP],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    site = Path(launchers.SITE).resolve()
    missing = [
        m
        for m in SANDBOX_CACHED
        if not list((tmp_path / site.relative_to("/") / m).parent.glob(f"{Path(m).stem}.*.pyc"))
    ]
    assert missing == []
