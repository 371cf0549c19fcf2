"""`python -m grader check`: a per-item table, and exit codes that tell pass (0), fail (1), unreadable (2)."""

import re
import subprocess
import sys

import nbformat
import pytest

from grader.learner import manifest

NOTEBOOKS = manifest.load()
NB = NOTEBOOKS[0]


def run_check(*paths):
    return subprocess.run(
        [sys.executable, "-m", "grader", "check", *map(str, paths)], capture_output=True, text=True, timeout=300
    )


def tables(stdout, paths):
    """{path: its table} from the output of one `check` run over several notebooks."""
    starts = [stdout.index(f"{path}  (ran in") for path in paths]
    return {path: stdout[a:b] for path, a, b in zip(paths, starts, starts[1:] + [len(stdout)])}


def test_solutions_pass(root, tmp_path):
    """All five notebooks in one run, as a learner checks a whole course folder. The course's
    demonstration cells are left out (training runs and plots: nbval runs them under four
    numerical back-ends, the bundle's test once more); `check` grades the answers and tests."""
    from grader.grading.autograde import without_demonstrations

    paths = []
    for nb in NOTEBOOKS:
        solution = nbformat.read(root / "solutions" / nb.id / nb.filename, as_version=4)
        release = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4)
        (tmp_path / nb.id).mkdir()
        paths.append(tmp_path / nb.id / nb.filename)
        nbformat.write(without_demonstrations(solution, release), paths[-1])
    proc = run_check(*paths)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for nb, table in zip(NOTEBOOKS, tables(proc.stdout, paths).values()):
        n = sum(not item.written for item in nb.items)
        assert f"total: {nb.auto_points:g} / {nb.auto_points:g} points; {n} of {n} items pass" in table, table


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_run_all_on_a_release_runs_every_cell_and_fails_with_reasons(root, tmp_path, nb):
    """Run All on a notebook with nothing written, as JupyterLab does it: it stops at the first
    cell that raises, so no cell may raise, and none may take more than 30 seconds. Every test
    cell reports its failure in one line on stderr (which nbgrader scores 0), every demonstration
    runs on the course's recorded results with a note, and the check's table gives 0 points,
    each item 'not written yet'."""
    from grader.learner import selfcheck

    notebook = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4)
    selfcheck.notebook_client(notebook, tmp_path, timeout=30).execute()  # raises on any error
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        err = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")
        if meta.get("grade"):
            assert err.startswith(f"✗ {meta['grade_id'][5:]} fails its test: ") and "Traceback" not in err, err
        elif "checks.test(" in cell.source:  # an ungraded check (05's network from notebook 04): a line per failure
            assert all(line.startswith("✗ ") and " fails its test: " in line for line in err.splitlines()), err
            assert "Traceback" not in err, err
        else:
            assert not err, (cell.source[:200], err)
    used = {
        name
        for cell in notebook.cells
        if cell.cell_type == "code" and "checks.test(" not in cell.source
        for name in re.findall(r"\buse\.(\w+)\(", cell.source)
    }  # a check's expected value: no note
    notes = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    assert used and all(
        re.search(rf"\(Using the course's recorded results? for {name} here: your", notes) for name in used
    ), (used, notes[:2000])
    results = selfcheck.grade(notebook, nb)
    text = selfcheck.table(nb.filename, results, 0.0)
    for item in nb.items:
        assert item.id in text
    assert all("is not written yet" in r.message for r in results if r.status == "fail"), text
    assert f"total: 0 / {nb.auto_points:g} points" in text, text


def test_a_wrong_answer_and_a_deleted_test_cell(root, tmp_path):
    nb = nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "sigmoid_prime":  # a classic: sigma'(a) where sigma'(z) belongs
            cell.source = "def sigmoid_prime(z):\n    s = sigmoid(sigmoid(z))\n    return s * (1 - s)\n"
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_chain_forward"]
    path = tmp_path / NB.filename
    nbformat.write(nb, path)
    proc = run_check(path)
    assert proc.returncode == 1
    line = next(l for l in proc.stdout.splitlines() if l.strip().startswith("sigmoid_prime "))
    assert "fail" in line and "sigmoid_prime(0) is 0.2350037122 but should be 0.25" in line
    assert "Recognised mistake: f'(a) is used where f'(z) belongs." in line  # the hidden checks' diagnosis
    assert "'test_chain_forward' is not in the notebook (deleted?)" in proc.stdout


@pytest.mark.parametrize(
    "content, words",
    [
        ("{ not json", "not valid notebook JSON"),
        ("", "the file is empty"),
        ('{"cells": [], "nbformat": 3}', "not a readable Jupyter notebook"),
    ],
)
def test_unreadable_notebooks_get_a_clear_message(tmp_path, content, words):
    path = tmp_path / "01_chain_rule.ipynb"
    path.write_text(content)
    proc = run_check(path)
    assert proc.returncode == 2 and words in proc.stderr


def test_missing_file(tmp_path):
    proc = run_check(tmp_path / "nowhere.ipynb")
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_written_answers_are_reported_as_graded_by_hand(root):
    from grader.learner.selfcheck import grade, read_notebook, table

    (entry,) = [nb for nb in manifest.load() if any(item.written for item in nb.items)]
    path = root / "solutions" / entry.id / entry.filename
    results = grade(read_notebook(path), entry)  # the solution's stored outputs
    written = [r for r in results if r.status == "manual"]
    assert [r.item for r in written] == [item.id for item in entry.items if item.written]
    assert all(r.status == "pass" for r in results if r.status != "manual")
    text = table(path, results, 1.0)
    assert f"total: {entry.auto_points:g} / {entry.auto_points:g} points" in text
    assert f"plus {entry.points - entry.auto_points:g} points for written answers" in text
    assert all(r.message == "graded by your instructor" for r in written)
    released = grade(read_notebook(root / "notebooks" / entry.id / entry.filename), entry)
    blank = [r for r in released if r.status == "manual"]
    assert blank and all(r.message.startswith("not written yet (the cell still says YOUR ANSWER HERE)") for r in blank)


def test_a_slip_in_one_function_fails_only_it_and_what_its_exercise_says_calls_it(root, tmp_path):
    """No cascades: a wrong or missing function fails its own test and the tests of the functions
    that call it by their exercise (with a note saying so), and no other test."""

    def with_answers(nb_id, answers):
        entry = next(nb for nb in NOTEBOOKS if nb.id == nb_id)
        nb = nbformat.read(root / "solutions" / nb_id / entry.filename, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") in answers:
                cell.source = answers[cell.metadata["nbgrader"]["grade_id"]]
        (tmp_path / nb_id).mkdir()
        nbformat.write(nb, tmp_path / nb_id / entry.filename)
        return tmp_path / nb_id / entry.filename

    paths = [
        with_answers(
            "02_worked_example",
            {
                "total_error": (
                    "def total_error(out_o1, out_o2, t1, t2):\n"
                    "    E_o1, E_o2 = (t1 - out_o1) ** 2, (t2 - out_o2) ** 2\n"
                    "    return {'E_o1': E_o1, 'E_o2': E_o2, 'E_total': E_o1 + E_o2}\n"
                )
            },
        ),
        with_answers(
            "04_l_layers",
            {
                "init_params": "def init_params(sizes, scheme='glorot_uniform', rng=None):\n"
                "    raise NotImplementedError()\n",
                "forward": "def forward(W, b, X, f='sigmoid'):\n    return [None], [X]\n",
            },
        ),
    ]
    proc = run_check(*paths)
    assert proc.returncode == 1
    rows = {}
    for table in tables(proc.stdout, paths).values():
        for line in table.splitlines()[2:-1]:
            name, *_ = line.split()
            rows[name] = line
    failing = {name for name, line in rows.items() if " fail " in line or line.rstrip().endswith(" fail")}
    assert failing == {"total_error", "train", "init_params", "forward", "predict", "l2_gradients"}, failing
    assert "train calls your total_error" in rows["train"] and "fix it first" in rows["train"]
    assert "predict calls your forward" in rows["predict"] and "l2_gradients calls your forward" in rows["l2_gradients"]
    assert "calls your" not in rows["total_error"] + rows["forward"] + rows["init_params"]


def _test_cell(*outputs, points=2):
    cell = nbformat.v4.new_code_cell("check(...)")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_x", "points": points}
    cell.outputs = list(outputs)
    return cell


_result = lambda text: nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=1)
_stream = lambda name, text: nbformat.v4.new_output("stream", name=name, text=text)


@pytest.mark.parametrize(
    "outputs",
    [
        (),
        (_stream("stdout", "fine\n"),),
        (_stream("stderr", "✗ x fails its test: ...\n"),),
        (_stream("stdout", "fine\n"), _stream("stderr", "late\n")),
        (nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[]),),
        (_result("1.5"),),
        (_result("0"),),
        (_result("2"),),
        (_result("-1"),),
        (_result("'text'"),),
        (_result(["0.5"]),),
        (_result(["0.5", "1"]),),
        (_result("0.5"), _stream("stderr", "after the result\n")),
        (_stream("stderr", "before the result\n"), _result("2")),
        (nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),),
    ],
    ids=lambda outputs: "+".join(o.output_type for o in outputs) or "no-output",
)
def test_score_is_nbgraders_rule(outputs):
    """Learners' installs have no nbgrader: selfcheck.score restates nbgrader.utils.determine_grade
    for test cells, and gives what it gives wherever nbgrader grades the cell at all."""
    from nbgrader.utils import determine_grade

    from grader.learner.selfcheck import score

    cell = _test_cell(*outputs)
    assert score(cell) == tuple(map(float, determine_grade(cell)))


def test_score_where_nbgrader_refuses_to_grade():
    from grader.learner.selfcheck import score

    assert score(_test_cell(_result("3"))) == (0.0, 2.0)  # above the cell's points: nbgrader raises
    assert score(_test_cell(_result(""))) == (0.0, 2.0)  # a result with no text: nbgrader raises


def test_checking_needs_no_nbgrader(root, tmp_path):
    """Grading a notebook's outputs with nbgrader unimportable, as in a learner's install of the
    bundle (tests/e2e/test_learner_trial.py runs the whole check there)."""
    from grader.learner.selfcheck import grade, read_notebook

    (tmp_path / "nbgrader").mkdir()
    (tmp_path / "nbgrader" / "__init__.py").write_text("raise ImportError('learners have no nbgrader')\n")
    entry = NOTEBOOKS[0]
    solution = root / "solutions" / entry.id / entry.filename  # executed, outputs stored
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from grader.learner import selfcheck, manifest\n"
        "entry = manifest.find(sys.argv[3])\n"
        "print(sum(r.earned for r in selfcheck.grade(selfcheck.read_notebook(sys.argv[2]), entry)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), str(solution), entry.filename],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == entry.auto_points == sum(r.earned for r in grade(read_notebook(solution), entry))
