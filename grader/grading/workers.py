"""The processes that grade: a pool of fresh workers (forked from multiprocessing's fork server),
what each worker loads once, and the byte-compiled imports every sandbox shares."""

import multiprocessing
import os
import resource
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import launchers
from .gradebook import setup_nbgrader


def worker_processes(jobs, initializer, initargs=()):
    """A pool of fresh worker processes. They are not forked from this process: the caller may
    have threads (a test runner's, a notebook's, a progress bar's), and a process forked from a
    threaded one can inherit a lock some other thread held at that moment and hang on it. They are
    forked from multiprocessing's fork server instead, a single-threaded process that has imported
    the grader and nbgrader once (later runs in the same process start their workers at once), or
    started afresh where there is no fork server."""
    context = multiprocessing.get_context("forkserver" if start_fork_server() else "spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=initializer, initargs=initargs)


def start_fork_server():
    """Start multiprocessing's fork server (once per process; it imports the grader and nbgrader,
    seconds of work done in its own process while this one goes on); False where there is none."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    from multiprocessing import forkserver

    try:
        forkserver.set_forkserver_preload(["grader.grading.autograde", "grader.grading.execute"])
        forkserver.ensure_running()
    except OSError:  # e.g. its socket's path would be too long (a deep TMPDIR)
        return False
    return True


def start_worker(memory_bytes, isolated, environ):
    """A grading worker: the caller's environment as it is now (a fork server's children would
    have the one it had when it started), one BLAS thread, a memory limit, and what every
    submission needs loaded once (nbgrader, the feedback exporter; the sandbox zygote when not
    isolated) while the course is set up."""
    os.environ.clear()
    os.environ.update(environ)
    tempfile.tempdir = None
    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    setup_nbgrader()
    import nbgrader.apps  # noqa: F401
    import nbgrader.converters  # noqa: F401

    from . import execute, feedback  # noqa: F401

    feedback.exporter()
    if not isolated:
        launchers.Zygote.get()


# What a sandbox loads: its own shell, the release notebooks' set-up cells, an inline figure.
SANDBOX_WARM_UP = """
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
shell = InteractiveShell.instance()
shell.enable_gui = lambda *a, **k: None    # as in the sandbox: `%matplotlib inline` works
with capture_output(display=True):
    result = shell.run_cell("%matplotlib inline\\nimport numpy as np, matplotlib.pyplot as plt, ipywidgets\\n"
                   "from tqdm.auto import tqdm\\nplt.plot([0, 1]); plt.title('x')")
raise SystemExit(0 if result.success else 1)
"""
SANDBOX_CACHED = [
    "numpy/__init__.py",
    "IPython/core/interactiveshell.py",
    "IPython/core/pylabtools.py",
    "matplotlib/pyplot.py",
    "matplotlib/backends/backend_agg.py",
    "matplotlib_inline/backend_inline.py",
    "PIL/Image.py",
    "ipywidgets/__init__.py",
    "tqdm/auto.py",
]


def compile_sandbox_imports():
    """Byte-compile, as the grading user, what every sandbox loads: sandboxes see the environment
    read-only and would otherwise compile it again at every start. Nothing to do when Python has
    cached it already."""
    import importlib.util
    import subprocess
    import sys

    site = Path(launchers.SITE)
    if all(Path(importlib.util.cache_from_source(str(site / m))).exists() for m in SANDBOX_CACHED):
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MPLBACKEND"] = "Agg"
    subprocess.run(
        [sys.executable, "-c", SANDBOX_WARM_UP],
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
    )
