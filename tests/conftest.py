"""Test set-up: a scratch HOME, this environment's kernel and tools, no GUI backend.

Jupyter, IPython and matplotlib write under $HOME and a user-level `python3` kernelspec could
run the notebooks on another Python; tests therefore never touch the real HOME.
"""

import ast
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Everything the tests start (sandboxes, their zygotes, kernels, grading workers) keeps its
# temporary files in this process's own folder, so a test can tell its own processes from those
# of anything else running on the machine (another test worker, an instructor's grading run).
TMP = Path(tempfile.mkdtemp(prefix="bpct-"))  # short: Unix socket paths below it have 107 bytes at most
TMP.chmod(0o711)  # passable, not listable: a root grader's sandbox stage lives here (grader.grading.isolation)
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
os.environ["TMPDIR"] = str(TMP)
tempfile.tempdir = None  # tempfile looks at TMPDIR again

_home = tempfile.mkdtemp(prefix="home-")
os.environ["HOME"] = _home
os.environ["MPLBACKEND"] = "Agg"
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"  # nbgrader calls alembic
os.environ["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")  # this env's kernelspec first
os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
# One BLAS thread per kernel: the notebooks' matrices are small, and threads fighting over two
# cores made them several times slower; one thread also gives the same rounding on every run.
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ.pop("JUPYTER_CONFIG_DIR", None)
os.environ.pop("JUPYTER_DATA_DIR", None)


@pytest.fixture(scope="session")
def root():
    return ROOT


def processes_with(text):
    """Command lines (and working folders) of running processes, other than this one, whose
    command line or working folder contains text: a folder only this test process uses (TMP or a
    tmp_path) picks out the processes it started, however they were started (a forked child
    keeps its parent's command line; kernels run in the submission's folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or proc.name == str(os.getpid()):
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cmdline += f" (in {os.readlink(proc / 'cwd')})"
        except OSError:
            continue
        if text in cmdline:
            found.append(cmdline)
    return found


def isolated_probe(probe, seconds=60):
    """What a probe sees from inside a real isolated sandbox (grader.grading.trusted, as autograde
    starts it): probe is notebook code defining `sigmoid(z)` to return its findings as JSON."""
    import json

    from grader.grading import trusted

    with trusted.Sandbox(trusted.Limits(isolated=True, notebook_seconds=seconds)) as box:
        box.start()
        box.run(probe)
        return json.loads(box.call("sigmoid", [0.0]))


# Parallel runs (make test: pytest -n auto). The cells of one notebook under nbval share a kernel
# and run in order, and the tests that use a module-scoped fixture (a graded class, the mutants)
# share it: each such group is one unit of work, run by one worker, so the fixture is computed
# once. Every other test goes to whichever worker is free. The longest units go first, so that no
# worker is left with one of them at the end.
LONGEST_FIRST = [
    "test_mutants.py",
    "test_learner_trial.py",
    "test_examples.py",
    "test_cluster.py",
    "test_browser.py",
    "test_backends.py",
    "test_autograde.py",
    "test_stalls.py",
    "test_isolation.py",
    "test_postgres.py",
    "test_gradescope.py",
    "test_autograde_pipeline.py",
    "05_vanishing.ipynb",
    "04_l_layers.ipynb",
]


def _sharing_tests(path):
    """Names of the tests in a test module that use one of its module-scoped fixtures, directly or
    through another of its fixtures (read from the source: the scheduler sees only test ids)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]

    def fixture_scope(fn):
        for dec in fn.decorator_list:
            if ast.unparse(dec) == "pytest.fixture":  # bare @pytest.fixture
                return "function"
            if isinstance(dec, ast.Call) and ast.unparse(dec.func) == "pytest.fixture":
                return next((ast.literal_eval(k.value) for k in dec.keywords if k.arg == "scope"), "function")
        return None

    shared = {fn.name for fn in functions if fixture_scope(fn) == "module"}
    for _ in functions:  # fixtures built on shared fixtures share too
        shared |= {fn.name for fn in functions if fixture_scope(fn) and {a.arg for a in fn.args.args} & shared}
    return {fn.name for fn in functions if fn.name.startswith("test") and {a.arg for a in fn.args.args} & shared}


SHARING = {(path.name, test) for path in Path(__file__).parent.rglob("test_*.py") for test in _sharing_tests(path)}


def unit_of_work(nodeid):
    path, _, rest = nodeid.partition("::")
    name = Path(path).name
    if name.endswith(".ipynb") or (name, rest.split("[")[0]) in SHARING:
        return path
    return nodeid


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByUnitOfWork(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return unit_of_work(nodeid)

    config.option.loadscopereorder = False  # keep the order below
    return ByUnitOfWork(config, log)


# The quick tier (`make check`, pytest -m unit): modules whose tests start no kernel, no
# bubblewrap sandbox, no server and no browser, and take seconds. Everything runs in `make test`.
UNIT = [
    "test_budget.py",
    "test_cell_roles.py",
    "test_cli.py",
    "test_checks.py",
    "test_code.py",
    "test_data.py",
    "test_designed.py",
    "test_diagnose.py",
    "test_environment.py",
    "test_expected.py",
    "test_export.py",
    "test_failures.py",
    "test_fallbacks.py",
    "test_feedback.py",
    "test_figures.py",
    "test_inert.py",
    "test_judge.py",
    "test_launchers.py",
    "test_layout.py",
    "test_manifest.py",
    "test_named.py",
    "test_mistaken.py",
    "test_page_policy.py",
    "test_recorded.py",
    "test_reference.py",
    "test_release.py",
    "test_report.py",
    "test_sandbox_child.py",
    "test_similarity.py",
    "test_submissions.py",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "unit: the quick tier (make check); see UNIT in tests/conftest.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)).name, len(rank)))  # stable: in order within
    for item in items:
        if Path(str(item.fspath)).name in UNIT:
            item.add_marker(pytest.mark.unit)


def with_answers(released, solution):
    """A released notebook (nbformat node) with each answer cell replaced by the solution's, by
    grade_id: what a learner who solved everything hands in."""
    from grader.learner import cell_roles

    return cell_roles.fill(released, cell_roles.answers(solution))


def course_config(course, root):
    """nbgrader's configuration for a course folder `course` whose source is root's solutions/."""
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.source_directory = str(root / "solutions")
    c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]
    return c
