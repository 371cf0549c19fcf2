"""The sample class of `make demo` (examples/): it is what examples/make_class.py writes, and the
grader gives every submission the grade examples/README.md says a correct grader gives."""

import csv
import html
import importlib.util
import re
import tempfile
import time

import nbformat
import pytest
from conftest import processes_with

from grader.grading.autograde import autograde
from grader.grading.results import STAGES
from grader.learner import manifest

NOTEBOOKS = [nb.id for nb in manifest.load()]

# Points per notebook (01..05; None: not handed in under the course's file name), from the
# "a correct grader gives" column of examples/README.md.
EXPECTED = {
    "s01": [14, 16, 12, 14, 7],
    "s02": [14, 16, 12, 14, 7],
    "s03": [13, 16, 9, 14, 5],  # a slip costs once: last_layer_grads is judged with the course's sigmoid_prime
    "s04": [11, 14, 10, 10, 6],
    "s05": [11, 0, 12, 10, None],
    "s06": [None, 0, 0, 14, None],  # renamed file, cut-off JSON, empty file, nbformat 3
    "s07": [11, 16, 12, 13, 7],  # tampered test cells, graded on the answers
    "s08": [8, 11, 4, 8, None],  # cheats that earn nothing (the points are for right functions on wrong callees)
    "s09": [11, 15, 9, 14, 7],  # endless loop, os._exit, memory bomb, huge output
    "s10": [0, 5, None, None, 7],
}


def load_make_class(root):
    spec = importlib.util.spec_from_file_location("make_class", root / "examples" / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sample_class_is_what_make_class_writes(root, tmp_path):
    make_class = load_make_class(root)
    make_class.OUT = tmp_path / "class"
    make_class.write(make_class.build())
    committed = root / "examples" / "class"
    written = sorted(p.relative_to(make_class.OUT) for p in make_class.OUT.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    for rel in written:
        assert (make_class.OUT / rel).read_bytes() == (committed / rel).read_bytes(), rel


@pytest.fixture(scope="module")
def demo(root, tmp_path_factory):
    """The sample class graded once, with every temporary file of the grading (sandboxes, zygotes,
    workers) in a folder of its own, so that its processes can be told from any others."""
    out, scratch = tmp_path_factory.mktemp("demo"), tmp_path_factory.mktemp("demo-tmp")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMPDIR", str(scratch))
        mp.setattr(tempfile, "tempdir", None)
        # 10 s a cell: twice what the slowest set-up cell has taken here with the other tests running
        rows, review = autograde(
            root / "examples" / "class", out, jobs=2, timeout=10, notebook_timeout=60, progress=False
        )
    return rows, review, out, scratch


def test_every_sample_submission_gets_its_grade(demo):
    rows, _, _, _ = demo
    got = {}
    for r in rows:
        if r.notebook in NOTEBOOKS and r.status != "missing":
            got[r.student, r.notebook] = got.get((r.student, r.notebook), 0) + r.score
    for student, points in EXPECTED.items():
        for nb_id, expected in zip(NOTEBOOKS, points):
            assert got.get((student, nb_id)) == expected, (
                student,
                nb_id,
                [(r.item, r.status, r.message[:300]) for r in rows if (r.student, r.notebook) == (student, nb_id)],
            )


def test_timings_name_every_graded_submission_and_add_up(demo):
    """timings.csv: a row per course notebook handed in; where it was graded, the stages account for
    its time (the rest is bookkeeping between them, well under a second)."""
    rows, _, out, _ = demo
    with open(out / "timings.csv", newline="", encoding="utf-8") as f:
        timings = list(csv.DictReader(f))
    handed_in = {(r.student, r.notebook) for r in rows if r.notebook in NOTEBOOKS and r.status != "missing"}
    assert {(t["student"], t["notebook"]) for t in timings} == handed_in
    graded = [t for t in timings if t["cells"]]
    assert len(graded) >= len(handed_in) // 2, "most sample notebooks are gradable"
    for t in graded:
        parts = sum(float(t[stage]) for stage in STAGES)
        assert all(float(t[stage]) >= 0 for stage in STAGES), t
        assert abs(float(t["seconds"]) - parts) < 0.5, t


def test_correct_work_passes_both_verdicts_without_the_demonstrations(demo):
    """s01 hands in the solutions' answers for all five notebooks: every item ok, and the notebook's
    own tests agree with the judge (nothing to review). The graded copy skips the course's
    demonstration cells, so this also proves that the tests need none of them."""
    rows, review, out, _ = demo
    for row in rows:
        if row.student == "s01":
            assert row.status == ("manual" if row.item == "why_relu" else "ok"), row
    assert not [key for key in review if key[0] == "s01"], review
    skipped = nbformat.read(out / "course" / "submitted" / "s01" / "04_l_layers" / "04_l_layers.ipynb", as_version=4)
    assert sum(cell.source.startswith("# A course demonstration") for cell in skipped.cells) >= 5


def test_sample_bad_inputs_and_abuse_get_their_status(demo):
    rows, review, _, _ = demo
    status = {(r.student, r.notebook, r.item): r.status for r in rows}
    by_submission = {}
    for r in rows:
        by_submission.setdefault((r.student, r.notebook), set()).add(r.status)
    assert by_submission["s06", "02_worked_example"] == {"error"}  # cut-off JSON
    assert by_submission["s06", "03_multi_output"] == {"error"}  # empty file
    assert by_submission["s06", "01_chain_rule"] == {"missing"}  # handed in as "01_chain_rule (1)"
    assert by_submission["s06", "01_chain_rule (1).ipynb"] == {"error"}
    assert status["s07", "01_chain_rule", "chain_backward"] == "tampered"  # deleted test cell
    assert by_submission["s07", "02_worked_example"] == {"tampered"}  # reordered test cells
    assert status["s07", "05_vanishing", "relu_prime"] == "tampered"  # answer cell made markdown
    assert status["s09", "01_chain_rule", "chain_backward"] == "timeout"  # loop ignoring SIGINT
    assert status["s09", "02_worked_example", "train"] == "error"  # os._exit
    for key in [
        ("s06", "02_worked_example"),
        ("s07", "03_multi_output"),
        ("s08", "02_worked_example"),
        ("s09", "01_chain_rule"),
    ]:
        assert key in review


def test_no_process_outlives_the_grading(demo):
    """Loops that ignore SIGINT, os._exit, forked children: nothing is left running afterwards
    (sandboxes, their zygotes, nbgrader's kernels for the results folder)."""
    _, _, out, scratch = demo
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = processes_with(str(scratch)) + processes_with(str(out))
        if not left:
            break
        time.sleep(0.5)
    assert not left


def test_no_feedback_page_shows_hidden_tests(demo, root):
    _, _, out, _ = demo
    hidden = set()
    for nb in manifest.load():
        for cell in nbformat.read(root / "solutions" / nb.id / nb.filename, as_version=4).cells:
            if "### BEGIN HIDDEN TESTS" in cell.source:
                block = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                hidden |= {line.strip() for line in block.splitlines() if line.strip()}
    pages = list((out / "feedback").rglob("*.html"))
    assert len(pages) >= 40 and hidden
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert "HIDDEN TESTS" not in text and not [line for line in hidden if line in text], page


def test_the_lms_files_hold_the_gradebooks_scores(demo, root, tmp_path):
    """`python -m grader export` on the graded sample class: Canvas's and Moodle's files give every
    student the scores of summary.csv for the notebooks they handed in, and blanks for the others."""
    import csv

    from grader.grading.export import export

    _, _, out, _ = demo
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        summary = {row["student"]: row for row in csv.DictReader(f)}
    from grader.learner.selfcheck import NotebookUnreadable, read_notebook

    def readable(path):
        try:
            return read_notebook(path) is not None
        except NotebookUnreadable:
            return False

    graded = set()  # what nbgrader's gradebook holds: every readable course notebook handed in
    for student, points in EXPECTED.items():
        for nb_id, expected in zip(NOTEBOOKS, points):
            path = root / "examples" / "class" / student / f"{nb_id}.ipynb"
            if expected is not None and readable(path):
                graded.add((student, nb_id))
    canvas = list(csv.reader(open(export(out, "canvas", tmp_path / "canvas.csv")[0], newline="", encoding="utf-8")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + NOTEBOOKS
    assert canvas[1] == ["Points Possible", "", "", "", ""] + [f"{nb.points:g}" for nb in manifest.load()]
    moodle = list(csv.reader(open(export(out, "moodle", tmp_path / "moodle.csv")[0], newline="", encoding="utf-8")))
    assert moodle[0] == ["Username"] + NOTEBOOKS
    assert [row[3] for row in canvas[2:]] == [row[0] for row in moodle[1:]] == sorted(summary)
    for row, mrow in zip(canvas[2:], moodle[1:]):
        student = row[3]
        for nb_id, value, mvalue in zip(NOTEBOOKS, row[5:], mrow[1:]):
            assert value == mvalue
            assert value == (summary[student][nb_id] if (student, nb_id) in graded else ""), (student, nb_id, value)
