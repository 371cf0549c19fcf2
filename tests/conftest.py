"""Test set-up: a scratch HOME, this environment's kernel and tools, no GUI backend.

Jupyter, IPython and matplotlib write under $HOME and a user-level `python3` kernelspec could
run the notebooks on another Python; tests therefore never touch the real HOME.
"""
import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

_home = tempfile.mkdtemp(prefix="backprop-course-home-")
os.environ["HOME"] = _home
os.environ["MPLBACKEND"] = "Agg"
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"          # nbgrader calls alembic
os.environ["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")       # this env's kernelspec first
os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
# One BLAS thread per kernel: the notebooks' matrices are small, and threads fighting over two
# cores made them several times slower; one thread also gives the same rounding on every run.
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ.pop("JUPYTER_CONFIG_DIR", None)
os.environ.pop("JUPYTER_DATA_DIR", None)


@pytest.fixture(scope="session")
def root():
    return ROOT


def with_answers(released, solution):
    """A released notebook (nbformat node) with each answer cell replaced by the solution's, by
    grade_id: what a learner who solved everything hands in."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return released
