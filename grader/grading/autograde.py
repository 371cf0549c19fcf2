"""`python -m grader autograde SUBMISSIONS --out RESULTS`: grades, feedback and a class report.

For every (student, notebook) of a folder `SUBMISSIONS/<student>/<notebook file>.ipynb`, an
nbgrader course's `submitted/` or a zip of such folders (the student is always the top-level
folder: grader.grading.submissions), in parallel worker processes (or on the workers of a Dask
cluster, --cluster: grader.grading.cluster):

1. The file is read (never through a symbolic link, at most 20 MB and 2,000 cells); a missing,
   empty, broken or wrongly named notebook gets `missing` / `error` and a reason, never a silent 0.
2. Test cells are compared with the course's release: deleted, edited, duplicated, reordered or
   retyped test cells are noted (`tampered`); duplicates are dropped, and nbgrader restores the
   course's test cells (OverwriteCells, add_missing_cells) before grading. Then the notebook is
   made inert (grader.grading.inert) before any of it is stored: no markup a learner wrote or
   saved can run where the Formgrader, the lab or a feedback page shows it.
3. nbgrader autogrades it into its gradebook, with grader.grading.execute.SandboxedExecute in place of
   its kernel: the learner's code runs once, in a sandbox (grader.grading.trusted; grader.grading.isolation's
   bubblewrap for an instructor), and grader.course.judge checks every graded function there, the
   values compared in this process. The judge's verdict is the score: it is written into each
   test cell's outputs, which is what nbgrader scores. Where the notebook's own visible test and
   the judge disagree, the submission is listed for review.
4. A feedback page per learner and notebook (grader.grading.feedback): the verdicts, then the
   graded notebook (inert) with hidden tests removed and tracebacks cut to their last line.

Results: RESULTS/grades.csv (a row per student, notebook and item), summary.csv (a row per
student), feedback/<student>/<notebook>.html, report.md with its figures, gradebook.db.
"""
import contextlib
import csv
import errno
import functools
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import stat
import tempfile
import threading
import time
import zipfile
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from copy import deepcopy
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from ..learner import manifest
from ..learner.selfcheck import NotebookUnreadable, read_notebook
from . import budget, inert, trusted
from .report import write_report
from .submissions import (  # noqa: F401 - also read from here
    NOTEBOOK_BYTES,
    STUDENT,
    ZIP_BYTES,
    Row,
    ZipRefused,
    collect,
    safe_name,
    submissions_folder,
    unpack,
)

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ["student", "notebook", "item", "score", "max_score", "status", "message"]


@dataclass(frozen=True)
class Settings:
    out: Path
    db_url: str
    timeout: int = 60                    # seconds per cell and per call of a graded function
    notebook_timeout: int = None         # seconds for everything one notebook runs, restarts included;
                                         # None: each notebook's own budget (grader.grading.budget)
    memory_bytes: int = 4 * 2 ** 30      # per worker (nbgrader, the judge, feedback)
    root: Path = ROOT
    isolated: bool = True                # learner code in bubblewrap sandboxes (grader.grading.isolation)

    def limits(self, nb_id):
        """The sandbox's limits for notebook nb_id (grader.grading.trusted.Limits fields)."""
        return {"setup_seconds": self.notebook_timeout or budget.seconds(nb_id), "cell_seconds": self.timeout,
                "call_seconds": self.timeout, "isolated": self.isolated}


# ---------------------------------------------------------------------------------------------
# Collecting submissions: grader.grading.submissions (whose file is which; folders, nbgrader, zips)
# ---------------------------------------------------------------------------------------------

MAX_CELLS = 2000                                    # cells in one notebook


# ---------------------------------------------------------------------------------------------
# Tampering
# ---------------------------------------------------------------------------------------------

def _graded(cell):
    return cell.metadata.get("nbgrader", {})


def _retype(nb, cell, cell_type):
    """Give cell back its released type, source and metadata kept (as nbgrader's OverwriteCells does)."""
    new = (nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell)(cell.source)
    new.metadata = cell.metadata
    if "id" in cell:
        new["id"] = cell["id"]
    nb.cells[next(i for i, c in enumerate(nb.cells) if c is cell)] = new


def tampering(nb, release, entry):
    """Drop duplicated graded cells from nb (in place) and return {item: what was done to its
    test or answer cell} compared with the released notebook."""
    found = defaultdict(list)
    for cell in nb.cells:
        grade_id = _graded(cell).get("grade_id")
        if grade_id:
            found[grade_id].append(cell)
    released = {_graded(c)["grade_id"]: c for c in release.cells if _graded(c).get("grade_id")}
    notes = {}
    for item in entry.items:
        test = released.get(item.test_id)
        cells = found.get(item.test_id, [])
        if not item.written and test is not None:
            if not cells:
                notes[item.id] = "its test cell was deleted; the course's test was put back"
            elif len(cells) > 1:
                notes[item.id] = f"its test cell appears {len(cells)} times (copied?); one copy was kept"
            elif cells[0].source.strip() != test.source.strip():
                notes[item.id] = "its test cell was edited; the course's test was put back"
            elif cells[0].cell_type != "code" or not _graded(cells[0]).get("grade"):
                notes[item.id] = "its test cell's type or grading metadata was changed; restored"
        answers = found.get(item.id, [])
        if answers and answers[0].cell_type != released[item.id].cell_type:
            notes.setdefault(item.id, f"its answer cell was changed to a {answers[0].cell_type} cell; "
                                      f"changed back to {released[item.id].cell_type}")
            _retype(nb, answers[0], released[item.id].cell_type)
    order = [gid for gid in (_graded(c).get("grade_id") for c in nb.cells) if gid and gid.startswith("test_")]
    course_order = [gid for gid in (_graded(c).get("grade_id") for c in release.cells) if gid and gid.startswith("test_")]
    kept = [gid for gid in dict.fromkeys(order) if gid in course_order]
    if kept != [gid for gid in course_order if gid in kept]:
        for item in entry.items:
            notes.setdefault(item.id, "the notebook's test cells were reordered")
    seen = set()
    cells = []
    for cell in nb.cells:
        grade_id = _graded(cell).get("grade_id")
        if grade_id and grade_id in seen:
            continue
        seen.add(grade_id)
        cells.append(cell)
    nb.cells = cells
    return notes


# ---------------------------------------------------------------------------------------------
# nbgrader
# ---------------------------------------------------------------------------------------------

# The nbgrader course id (as in nbgrader_config.py): every assignment in the gradebook belongs to
# it. SQLite does not enforce that reference by default; PostgreSQL refuses an assignment whose
# course is missing.
COURSE_ID = "backprop"


def course_config(settings):
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(settings.out / "course")
    c.CourseDirectory.source_directory = str(settings.root / "solutions")
    c.CourseDirectory.db_url = settings.db_url
    c.OverwriteCells.add_missing_cells = True
    return c


def prepare_course(settings, notebooks, students=()):
    """The nbgrader course under RESULTS/course, with the notebooks' assignments and the students in
    the gradebook. The students are added here, before any grading: two workers grading two
    notebooks of one new student would otherwise both add the student, and one would fail."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI

    (settings.out / "course").mkdir(parents=True, exist_ok=True)
    with gradebook_lock(settings.db_url):
        with Gradebook(settings.db_url, COURSE_ID) as gb:
            known = set()
            for nb in notebooks:
                try:
                    cells = {cell.name: cell.max_score for cell in gb.find_notebook(nb.id, nb.id).grade_cells}
                except MissingEntry:
                    continue
                if cells != {item.test_id: item.points for item in nb.items}:
                    raise GradebookMismatch(
                        f"the gradebook {settings.db_url} holds another version of {nb.id} (other graded items or "
                        "points): grade into a new results folder, or give a new --db")
                known.add(nb.id)
        for nb in notebooks:
            # An assignment the gradebook already has is written to this results folder only: nbgrader
            # would otherwise delete and re-create it in the gradebook whenever it has no submission
            # yet, and with it the grades another grader is writing into the same gradebook.
            config = course_config(settings)
            config.GenerateAssignment.no_database = nb.id in known
            config.SaveCells.enabled = nb.id not in known         # (SaveCells writes the gradebook itself)
            result = NbGraderAPI(config=config).generate_assignment(nb.id, force=True)
            if not result["success"]:
                raise RuntimeError(f"nbgrader could not set up {nb.id}: {result.get('error', '')}{result.get('log', '')}")

    def add_students():
        with Gradebook(settings.db_url, COURSE_ID) as gb:
            for student in students:
                gb.update_or_create_student(student)
    gradebook_retries(add_students)


@contextlib.contextmanager
def gradebook_lock(db_url):
    """Held while the course's assignments are put into a PostgreSQL gradebook, so that two graders
    started at once into one gradebook do not both create them (a session-level advisory lock).
    SQLite gradebooks are written by one grader at a time; they need none."""
    if not db_url.startswith("postgresql"):
        yield
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7311)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7311)"))
    finally:
        engine.dispose()


def setup_nbgrader():
    """Two things about nbgrader's gradebook, done once per process:

    * its SQLAlchemy autoflush warnings say nothing to an instructor: kept off the terminal;
    * a new gradebook is stamped with the head revision of nbgrader's schema migrations, which
      nbgrader gets by running the `alembic heads` command: a new Python importing nbgrader, 4 s
      of CPU for every new gradebook. alembic's own Python API reads the same migration scripts
      here in a fraction of a second (tests/test_autograde.py compares the two)."""
    import warnings

    import nbgrader.api
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    nbgrader.api.get_alembic_version = nbgrader_schema_head


@functools.cache
def nbgrader_schema_head():
    """The head revision of nbgrader's gradebook schema, from its alembic migration scripts."""
    import nbgrader
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


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
    except OSError:              # e.g. its socket's path would be too long (a deep TMPDIR)
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
        trusted.Zygote.get()


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
SANDBOX_CACHED = ["numpy/__init__.py", "IPython/core/interactiveshell.py", "IPython/core/pylabtools.py",
                  "matplotlib/pyplot.py", "matplotlib/backends/backend_agg.py", "matplotlib_inline/backend_inline.py",
                  "PIL/Image.py", "ipywidgets/__init__.py", "tqdm/auto.py"]


def compile_sandbox_imports():
    """Byte-compile, as the grading user, what every sandbox loads: sandboxes see the environment
    read-only and would otherwise compile it again at every start. Nothing to do when Python has
    cached it already."""
    import importlib.util
    import subprocess
    import sys

    site = Path(trusted.SITE)
    if all(Path(importlib.util.cache_from_source(str(site / m))).exists() for m in SANDBOX_CACHED):
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MPLBACKEND"] = "Agg"
    subprocess.run([sys.executable, "-c", SANDBOX_WARM_UP], env=env, check=False, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)


def _locked(text):
    return "database is locked" in str(text)


def gradebook_retries(attempt, tries=5):
    """attempt() again, after a short random pause, while SQLite says the gradebook is locked.
    Parallel workers share one SQLite file, and SQLite refuses a write at once, without waiting
    for its busy timeout, when two transactions that have both read want to write (it would
    otherwise deadlock); one of them has to start again. Returns attempt()'s result."""
    import random

    for tries_left in range(tries - 1, -1, -1):
        try:
            result = attempt()
        except Exception as err:   # noqa: BLE001 - SQLAlchemy's OperationalError, among others
            if not _locked(err) or not tries_left:
                raise
        else:
            if not (isinstance(result, dict) and not result.get("success") and tries_left
                    and _locked(f"{result.get('error', '')}{result.get('log', '')}")):
                return result
        time.sleep(random.uniform(0.2, 1.0))


# ---------------------------------------------------------------------------------------------
# One submission
# ---------------------------------------------------------------------------------------------

def seed_for(student, nb_id):
    """The judge's seed, one per learner and notebook: re-runs and resubmissions draw the same
    random inputs (a comment added cannot re-roll them), classmates different ones."""
    return int.from_bytes(hashlib.sha256(f"{student}\0{nb_id}".encode()).digest()[:4], "big")


def read_submission(path, limit=NOTEBOOK_BYTES):
    """The bytes of a submitted file, opened without following a symbolic link and read up to
    limit; NotebookUnreadable saying why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise NotebookUnreadable(f"{path}: a symbolic link, not a notebook file; hand in the file itself") from None
        raise NotebookUnreadable(f"{path}: cannot be opened ({err.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise NotebookUnreadable(f"{path}: not a regular file")
        content = f.read(limit + 1)
    if len(content) > limit:
        raise NotebookUnreadable(f"{path}: larger than {limit // 2 ** 20} MB; clear the outputs "
                                 "(Edit > Clear Outputs of All Cells), save and hand it in again")
    return content


def grade_submission(settings, entry, student, path):
    """Everything for one (student, notebook): rows, whether nbgrader graded it, review notes."""
    start = time.perf_counter()
    rows, review = [], []
    release = _release(settings.root, entry)
    shutil.rmtree(settings.out / "course" / "autograded" / student / entry.id, ignore_errors=True)  # a re-run
    try:
        content = read_submission(path)
        nb = read_notebook(path, content)
    except NotebookUnreadable as err:
        reason = str(err).replace(str(path), entry.filename)
        rows = [Row(student, entry.id, item.id, 0, item.points, "error", reason) for item in entry.items]
        write_feedback(settings, entry, student, rows, None)
        return {"rows": rows, "review": [reason], "seconds": time.perf_counter() - start}
    if nb.metadata.get("orig_nbformat", 4) < 4:
        review.append(f"saved in the old notebook format {nb.metadata.orig_nbformat}; upgraded to 4 and graded")
    cells = len(nb.cells)
    if cells > MAX_CELLS:
        reason = (f"the notebook has {cells} cells; the grader takes at most {MAX_CELLS}. Delete the cells "
                  "you added that are not needed and hand it in again")
        rows = [Row(student, entry.id, item.id, 0, item.points, "error", reason) for item in entry.items]
        write_feedback(settings, entry, student, rows, None)
        return {"rows": rows, "review": [reason], "seconds": time.perf_counter() - start}
    notes = tampering(nb, release, entry)
    nb = inert.notebook(nb, release)          # before any of it is stored where a page shows it
    target = settings.out / "course" / "submitted" / student / entry.id / entry.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(without_demonstrations(nb, release), target)

    stages = {"read and check": time.perf_counter() - start}
    verdicts, problem, stages["nbgrader"], sandbox = run_nbgrader(settings, entry.id, student, seed_for(student, entry.id))
    stages["nbgrader"] -= sum(sandbox.values())
    stages.update(sandbox)
    if problem:
        review.append(f"nbgrader could not grade the notebook: {problem}")
    for item in entry.items:
        if item.written:
            rows.append(Row(student, entry.id, item.id, 0, item.points, "manual",
                            "a written answer: graded by hand in the formgrader"))
            continue
        verdict = verdicts.get(item.id, {"status": "error", "message": f"not graded: {problem}", "visible": None})
        score = item.points if verdict["status"] == "ok" else 0.0
        status, message = verdict["status"], verdict["message"]
        if item.id in notes:
            status = "tampered"
            message = f"{notes[item.id]}; graded on your answer: " + (message or "correct")
        visible = verdict.get("visible")
        if visible is not None and visible != (score > 0):
            review.append(f"{item.id}: the notebook's own test gave {item.points if visible else 0:g} points, "
                          f"the trusted check {score:g} (the trusted score counts)")
            if visible:
                message += " (your notebook's own test passed, but the grader's check did not)"
        rows.append(Row(student, entry.id, item.id, score, item.points, status, message))
    if notes:
        review.append("tampered: " + "; ".join(sorted(set(notes.values()))))
    review += [f"{r.item}: {r.status}: {r.message}" for r in rows if r.status in ("error", "timeout")]
    began = time.perf_counter()
    write_feedback(settings, entry, student, rows, nb)
    stages["feedback"] = time.perf_counter() - began
    return {"rows": rows, "review": review, "seconds": time.perf_counter() - start, "stages": stages}


def run_nbgrader(settings, nb_id, student, seed):
    """nbgrader's autograde of one submission, with SandboxedExecute (grader.grading.execute) running the
    code: ({item: {"status", "message", "visible"}}, a problem or "", the seconds it took, and
    {sandbox stage: seconds} of that). nbgrader's log goes to course/logs/<student>/<notebook>.log,
    for the instructor."""
    from nbgrader.apps import NbGraderAPI

    from .execute import autograde_preprocessors

    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        verdicts_file = Path(scratch) / "verdicts.json"
        config = course_config(settings)
        config.Autograde.autograde_preprocessors = autograde_preprocessors()
        config.SandboxedExecute.job = {"seed": seed, "limits": settings.limits(nb_id), "root": str(settings.root),
                                       "verdicts": str(verdicts_file)}
        api = NbGraderAPI(config=config)
        result = gradebook_retries(lambda: api.autograde(nb_id, student, force=True, create=True))
        log = settings.out / "course" / "logs" / student / f"{nb_id}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"{result.get('log', '')}\n{result.get('error', '')}\n", encoding="utf-8", errors="replace")
        record = json.loads(verdicts_file.read_text()) if verdicts_file.exists() else {}
    problem = "" if result.get("success") else _last_line(result.get("error", "") or result.get("log", ""))
    return record.get("verdicts", {}), problem, time.perf_counter() - began, record.get("seconds", {})


def without_demonstrations(nb, release):
    """A copy of nb for nbgrader in which the course's demonstration cells (trusted.demonstrations:
    training runs, sweeps, plots; none of them graded) are replaced by a comment. The tests need
    only the set-up cells and the answers, so the scores are the same and grading is faster."""
    copy = deepcopy(nb)
    for i in trusted.demonstrations(copy, release):
        copy.cells[i].source = trusted.SKIPPED
        copy.cells[i].outputs = []
    return copy


def _last_line(text):
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no reason given"


# ---------------------------------------------------------------------------------------------
# Feedback
# ---------------------------------------------------------------------------------------------

@functools.cache
def _release(root, entry):
    """The course's released notebook of a manifest entry (read once per worker; never changed)."""
    return nbformat.read(Path(root) / "notebooks" / entry.id / entry.filename, as_version=4)


def write_feedback(settings, entry, student, rows, submitted):
    """feedback/<student>/<notebook>.html (grader.grading.feedback)."""
    from . import feedback

    graded = settings.out / "course" / "autograded" / student / entry.id / entry.filename
    html = feedback.page(entry, student, rows, nbformat.read(graded, as_version=4) if graded.exists() else None,
                         submitted, _release(settings.root, entry))
    out = settings.out / "feedback" / student / f"{entry.id}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The whole class
# ---------------------------------------------------------------------------------------------

class GradebookMismatch(RuntimeError):
    """The gradebook was filled for another version of the course's notebooks."""


class IsolationUnavailable(RuntimeError):
    """Learner code cannot be isolated on this machine (grader.grading.isolation.problem says why)."""


def autograde(submissions, out, jobs=None, timeout=60, db_url=None, root=ROOT, progress=True,
              notebook_timeout=None, isolated=True, cluster=None):
    """Grade every submission; write RESULTS. Returns (rows, review {(student, notebook): [notes]}).
    isolated=False (--unsafe-no-isolation) runs learner code without bubblewrap: only for
    submissions that are trusted; report.md and the summary say so. cluster (a
    grader.grading.cluster.Cluster, --cluster) grades on the workers of a Dask cluster instead of
    `jobs` local processes."""
    from tqdm import tqdm

    from . import isolation

    if isolated and isolation.problem():
        raise IsolationUnavailable(f"Learner code cannot be isolated on this machine: {isolation.problem()}")
    if cluster is None:
        start_fork_server()                  # its imports run while this process sets up

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    setup_nbgrader()
    notebooks = manifest.load(Path(root) / "grader" / "learner" / "course.toml")
    # parallel workers write to one SQLite file: wait up to a minute for a lock, not 5 s
    settings = Settings(out=out, db_url=db_url or f"sqlite:///{out / 'gradebook.db'}?timeout=60", timeout=timeout,
                        notebook_timeout=notebook_timeout, root=Path(root), isolated=isolated)
    submissions = Path(submissions).resolve()          # workers may run in another folder
    with tempfile.TemporaryDirectory(prefix=".unpacked-", dir=out if cluster else None) as scratch:   # workers see out
        unpacked = []
        if submissions.is_file() and zipfile.is_zipfile(submissions):
            submissions, unpacked = unpack(submissions, Path(scratch) / "unzipped")
        elif not submissions.is_dir():
            raise FileNotFoundError(f"{submissions}: neither a folder of submissions nor a zip of them")
        found, rows = collect(submissions, notebooks)
        rows += unpacked
        by_id = {nb.id: nb for nb in notebooks}
        tasks = [(student, nb_id, path) for student, files in found.items() for nb_id, path in sorted(files.items())]
        later = {nb.id: -i for i, nb in enumerate(notebooks)}
        tasks.sort(key=lambda task: later[task[1]])   # the longer later notebooks first: no long tail
        review, timings = defaultdict(list), []
        for row in rows:
            review[row.student, row.notebook].append(row.message)
        for student, files in found.items():
            for nb in notebooks:
                if nb.id not in files:
                    rows += [Row(student, nb.id, item.id, 0, item.points, "missing",
                                 f"no {nb.filename} was handed in") for item in nb.items]
        if cluster is None:
            jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))     # no idle workers to start
            if isolated:
                compile_sandbox_imports()
            executor = worker_processes(jobs, start_worker, (settings.memory_bytes, isolated, dict(os.environ)))
        else:
            executor = cluster.executor(settings, [submissions])
            jobs = executor.threads
        with executor as pool:
            # The workers start while the gradebook is set up: starting one waits for the fork
            # server to be ready, so they are started from another thread.
            starting = threading.Thread(target=lambda: [pool.submit(int) for _ in range(jobs)], daemon=True)
            starting.start()
            handed_in = {nb_id for _, nb_id, _ in tasks}
            try:
                prepare_course(settings, [nb for nb in notebooks if nb.id in handed_in],
                               sorted({student for student, _, _ in tasks}))
            finally:
                starting.join()
            futures = {pool.submit(grade_submission, settings, by_id[nb_id], student, path): (student, nb_id)
                       for student, nb_id, path in tasks}
            for future in tqdm(as_completed(futures), total=len(futures), desc="grading", unit="notebook",
                               disable=not progress):
                student, nb_id = futures[future]
                try:
                    result = future.result()
                except Exception as err:   # noqa: BLE001 - one submission never stops the batch
                    reason = f"the grader failed on this submission ({type(err).__name__}: {err})"
                    result = {"rows": [Row(student, nb_id, item.id, 0, item.points, "error", reason)
                                       for item in by_id[nb_id].items], "review": [reason]}
                rows += result["rows"]
                review[student, nb_id] += result["review"]
                timings.append((student, nb_id, result.get("seconds"), result.get("stages", {})))
    order = {nb.id: i for i, nb in enumerate(notebooks)}
    item_order = {(nb.id, item.id): i for nb in notebooks for i, item in enumerate(nb.items)}
    rows.sort(key=lambda r: (r.student, order.get(r.notebook, 99), item_order.get((r.notebook, r.item), 99), r.notebook))
    write_csvs(out, rows, notebooks)
    write_timings(out, sorted(timings, key=lambda t: (t[0], order.get(t[1], 99))))
    write_report(out, rows, {k: v for k, v in review.items() if v}, notebooks, isolated)
    return rows, {k: v for k, v in review.items() if v}


def csv_safe(value):
    """A CSV field that a spreadsheet shows as text: learner-made text starting with = + - @ (or a
    tab or carriage return) would be read as a formula, so it gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csvs(out, rows, notebooks):
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        for row in rows:
            record = {key: csv_safe(value) for key, value in asdict(row).items()}
            record["score"], record["max_score"] = f"{row.score:g}", f"{row.max_score:g}"
            writer.writerow(record)
    totals = defaultdict(float)
    for row in rows:
        totals[row.student, row.notebook] += row.score
    students = sorted({row.student for row in rows if row.student})     # "": a row of no student's
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student"] + [nb.id for nb in notebooks] + ["total", "max_total"])
        for student in students:
            scores = [totals[student, nb.id] for nb in notebooks]
            writer.writerow([csv_safe(student)] + [f"{s:g}" for s in scores]
                            + [f"{sum(scores):g}", f"{sum(nb.points for nb in notebooks):g}"])


STAGES = ("read and check", "nbgrader", "sandbox start", "cells", "judge", "feedback")


def write_timings(out, timings):
    """timings.csv: the wall seconds each submission took, in total and per stage (reading and
    checking the file; nbgrader's own work; starting sandboxes; running the cells; the judge's
    calls; the feedback page). Empty where a stage did not happen."""
    with open(out / "timings.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "notebook", "seconds", *STAGES])
        for student, nb_id, seconds, stages in timings:
            writer.writerow([csv_safe(student), nb_id, "" if seconds is None else f"{seconds:.3f}",
                             *("" if stages.get(k) is None else f"{stages[k]:.3f}" for k in STAGES)])


UNSAFE = ("WITHOUT ISOLATION (--unsafe-no-isolation): the learners' code ran with the grader's own rights; "
          "these results are only as trustworthy as the submissions.")


def summary_text(rows, review, out, seconds, isolated=True):
    students = {r.student for r in rows if r.student}
    counts = Counter(r.status for r in rows if r.item)
    pairs = {(r.student, r.notebook) for r in rows if r.status != "missing"}
    return (f"Graded {len(pairs)} notebooks from {len(students)} students in {seconds:.0f} s: "
            f"{counts['ok']} items correct, {counts['failed']} failed, {counts['error']} errors, "
            f"{counts['timeout']} timeouts, {counts['tampered']} tampered, {counts['missing']} missing; "
            f"{len(review)} submissions need a human look (see report.md). Results are in {out}: "
            "grades.csv, summary.csv, feedback/, report.md, gradebook.db, timings.csv." + ("" if isolated else " " + UNSAFE))
