"""The code's own rules, both in pyproject.toml and both run by `make check` too:
- the layers of grader/ (import-linter's contract): learner < course < grading < authoring < cli.
  A module imports only from its own layer or the ones below, so what learners receive
  (grader.learner) never reaches into what knows the answers;
- ruff's lint rules and its layout (ruff format), on everything it is told to read."""

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
RUFF = Path(sys.executable).parent / "ruff"


def lint_imports(folder):
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=folder, capture_output=True, text=True, timeout=120)


def test_the_layers_are_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_import_up_the_layers_breaks_the_contract(tmp_path):
    """The contract sees an import inside a function too (the self-check once reached the grader
    that way)."""
    shutil.copytree(ROOT / "grader", tmp_path / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    checks = tmp_path / "grader" / "learner" / "checks.py"
    checks.write_text(checks.read_text() + "\n\ndef _peek():\n    from ..course import reference  # noqa: F401\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "grader.learner.checks -> grader.course.reference" in done.stdout, done.stdout


def test_ruff_finds_nothing():
    done = subprocess.run([str(RUFF), "check", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_code_is_laid_out_as_ruff_format_lays_it_out():
    done = subprocess.run(
        [str(RUFF), "format", "--check", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
