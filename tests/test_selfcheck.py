"""`python -m grader check`: a per-item table, and exit codes that tell pass (0), fail (1), unreadable (2)."""
import subprocess
import sys

import nbformat
import pytest

from grader import manifest

NB = manifest.load()[0]


def run_check(*paths):
    return subprocess.run([sys.executable, "-m", "grader", "check", *map(str, paths)],
                          capture_output=True, text=True, timeout=300)


def test_solution_passes(root):
    proc = run_check(root / "solutions" / NB.id / NB.filename)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"total: {NB.points:g} / {NB.points:g} points; {len(NB.items)} of {len(NB.items)} items pass" in proc.stdout


def test_release_fails_with_reasons(root):
    proc = run_check(root / "notebooks" / NB.id / NB.filename)
    assert proc.returncode == 1
    for item in NB.items:
        assert f"{item.id}" in proc.stdout
    assert "is not written yet" in proc.stdout
    assert f"total: 0 / {NB.points:g} points" in proc.stdout


def test_a_wrong_answer_and_a_deleted_test_cell(root, tmp_path):
    nb = nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "sigmoid_prime":       # a classic: sigma'(a) where sigma'(z) belongs
            cell.source = "def sigmoid_prime(z):\n    s = sigmoid(sigmoid(z))\n    return s * (1 - s)\n"
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_chain_forward"]
    path = tmp_path / NB.filename
    nbformat.write(nb, path)
    proc = run_check(path)
    assert proc.returncode == 1
    line = next(l for l in proc.stdout.splitlines() if l.strip().startswith("sigmoid_prime "))
    assert "fail" in line and "sigmoid_prime(0) is 0.2350037122 but should be 0.25" in line
    assert "'test_chain_forward' is not in the notebook (deleted?)" in proc.stdout


@pytest.mark.parametrize("content, words", [
    ("{ not json", "not valid notebook JSON"),
    ("", "the file is empty"),
    ('{"cells": [], "nbformat": 3}', "not a readable Jupyter notebook"),
])
def test_unreadable_notebooks_get_a_clear_message(tmp_path, content, words):
    path = tmp_path / "01_chain_rule.ipynb"
    path.write_text(content)
    proc = run_check(path)
    assert proc.returncode == 2 and words in proc.stderr


def test_missing_file(tmp_path):
    proc = run_check(tmp_path / "nowhere.ipynb")
    assert proc.returncode == 2 and "no such file" in proc.stderr
