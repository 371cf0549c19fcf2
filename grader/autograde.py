"""`python -m grader autograde SUBMISSIONS --out RESULTS`: grades, feedback and a class report.

For every (student, notebook) of a folder `SUBMISSIONS/<student>/<notebook file>.ipynb` (or a zip
of such files), in parallel worker processes:

1. The file is read; a missing, empty, broken or wrongly named notebook gets `missing` / `error`
   and a reason, never a silent zero.
2. Test cells are compared with the course's release: deleted, edited, duplicated, reordered or
   retyped test cells are noted (`tampered`); duplicates are dropped, and nbgrader restores the
   course's test cells (OverwriteCells, add_missing_cells) before grading.
3. nbgrader autogrades it into its gradebook (in-kernel visible and hidden tests, per-cell time
   limit, the kernel under a memory limit).
4. grader.trusted judges every graded function outside the learner's process. Its verdict is the
   score. Where nbgrader's in-kernel score disagrees, the gradebook gets the judged score as a
   manual override and the submission is listed for review.
5. A feedback page per learner and notebook: the verdicts, then the graded notebook with hidden
   tests removed (nbgrader's ClearHiddenTests) and tracebacks cut to their last line.

Results: RESULTS/grades.csv (a row per student, notebook and item), summary.csv (a row per
student), feedback/<student>/<notebook>.html, report.md with its figures, gradebook.db.
"""
import csv
import difflib
import functools
import hashlib
import multiprocessing
import os
import re
import resource
import shutil
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from copy import deepcopy
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from . import manifest, trusted
from .selfcheck import NotebookUnreadable, read_notebook

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ["student", "notebook", "item", "score", "max_score", "status", "message"]


@dataclass
class Row:
    student: str
    notebook: str
    item: str
    score: float
    max_score: float
    status: str      # ok, failed, error, timeout, tampered, missing; manual for written answers
    message: str


@dataclass(frozen=True)
class Settings:
    out: Path
    db_url: str
    timeout: int = 60                    # seconds per cell for nbgrader
    notebook_timeout: int = 600          # seconds for nbgrader's whole run of one notebook
    memory_bytes: int = 4 * 2 ** 30      # per worker (nbgrader and its kernel)
    root: Path = ROOT


# ---------------------------------------------------------------------------------------------
# Collecting submissions
# ---------------------------------------------------------------------------------------------

def unpack(zip_path, dest):
    """Extract the .ipynb files of an LMS-style zip as dest/<student>/<file>: the student is the
    folder holding the file. Names are rebuilt from their last two parts, so no entry can write
    outside dest."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".", "..")]
            if info.is_dir() or len(parts) < 2 or "__MACOSX" in parts or not parts[-1].endswith(".ipynb"):
                continue
            target = Path(dest) / parts[-2] / parts[-1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
    return Path(dest)


def collect(folder, notebooks):
    """{student: {notebook id: path}} and the rows for files that are not course notebooks."""
    expected = {nb.filename: nb for nb in notebooks}
    found, rows = {}, []
    for student_dir in sorted(p for p in Path(folder).iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = student_dir.name
        found[student] = {}
        for path in sorted(student_dir.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            nb = expected.get(path.name)
            if nb is None:
                guess = difflib.get_close_matches(path.name, list(expected), n=1, cutoff=0.4)
                hint = f" Rename it to {guess[0]} if that is what it is." if guess else ""
                rows.append(Row(student, path.name, "", 0, 0, "error",
                                f"{path.name} is not one of the course's notebooks "
                                f"({', '.join(expected)}), so it was not graded.{hint}"))
            else:
                found[student][nb.id] = path
    return found, rows


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

def course_config(settings):
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.root = str(settings.out / "course")
    c.CourseDirectory.source_directory = str(settings.root / "solutions")
    c.CourseDirectory.db_url = settings.db_url
    c.Execute.timeout = settings.timeout
    c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]
    c.Execute.shutdown_kernel = "immediate"     # the graded kernel has nothing left to do: no polite wait
    c.OverwriteCells.add_missing_cells = True
    return c


def prepare_course(settings, notebooks, students=()):
    """The nbgrader course under RESULTS/course, with the notebooks' assignments and the students in
    the gradebook. The students are added here, before any grading: two workers grading two
    notebooks of one new student would otherwise both add the student, and one would fail."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    (settings.out / "course").mkdir(parents=True, exist_ok=True)
    api = NbGraderAPI(config=course_config(settings))
    for nb in notebooks:
        result = api.generate_assignment(nb.id, force=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not set up {nb.id}: {result.get('error', '')}{result.get('log', '')}")

    def add_students():
        with Gradebook(settings.db_url) as gb:
            for student in students:
                gb.update_or_create_student(student)
    gradebook_retries(add_students)


def quiet_nbgrader():
    """nbgrader's gradebook triggers SQLAlchemy autoflush warnings that say nothing to an
    instructor; keep them off the terminal."""
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)


def worker_processes(jobs, initializer, initargs=()):
    """A pool of fresh worker processes. They are started, not forked: the caller may have threads
    (a test runner's, a notebook's, a progress bar's), and a process forked from a threaded one can
    inherit a lock some other thread held at that moment and hang on it."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=initializer, initargs=initargs)


def _start_worker(memory_bytes):
    """A grading worker: one BLAS thread, a memory limit, and what every submission needs loaded
    once (nbgrader, the feedback exporter, the sandbox zygote) while the course is set up."""
    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_NPROC, (trusted.process_limit(256),     # a fork bomb in a kernel
                                               resource.getrlimit(resource.RLIMIT_NPROC)[1]))
    quiet_nbgrader()
    import nbgrader.apps  # noqa: F401
    _exporter()
    trusted.Zygote.get()


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


def in_kernel_scores(settings, nb_id, student):
    """{test grade_id: (score, max_score)} as nbgrader's gradebook has them."""
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(settings.db_url) as gb:
        try:
            sub = gb.find_submission_notebook(nb_id, nb_id, student)
        except MissingEntry:
            return scores
        for grade in sub.grades:
            scores[grade.name] = (grade.score, grade.max_score)
    return scores


def override(settings, nb_id, student, grade_id, score):
    """Put the judged score into nbgrader's gradebook as a manual score (what the formgrader shows)."""
    from nbgrader.api import Gradebook

    def attempt():
        with Gradebook(settings.db_url) as gb:
            grade = gb.find_grade(grade_id, nb_id, nb_id, student)
            grade.manual_score = score
            gb.db.commit()
    gradebook_retries(attempt)


# ---------------------------------------------------------------------------------------------
# One submission
# ---------------------------------------------------------------------------------------------

def seed_for(student, nb_id, content):
    """The judge's seed: fixed for a given file (re-runs agree), new for any change to it."""
    return int.from_bytes(hashlib.sha256(f"{student}\0{nb_id}\0".encode() + content).digest()[:4], "big")


def grade_submission(settings, entry, student, path):
    """Everything for one (student, notebook): rows, whether nbgrader graded it, review notes."""
    start = time.perf_counter()
    rows, review = [], []
    release = nbformat.read(settings.root / "notebooks" / entry.id / entry.filename, as_version=4)
    shutil.rmtree(settings.out / "course" / "autograded" / student / entry.id, ignore_errors=True)  # a re-run
    try:
        nb = read_notebook(path)
    except NotebookUnreadable as err:
        reason = str(err).replace(str(path), entry.filename)
        rows = [Row(student, entry.id, item.id, 0, item.points, "error", reason) for item in entry.items]
        write_feedback(settings, entry, student, rows, None)
        return {"rows": rows, "review": [reason], "seconds": time.perf_counter() - start}
    if nb.metadata.get("orig_nbformat", 4) < 4:
        review.append(f"saved in the old notebook format {nb.metadata.orig_nbformat}; upgraded to 4 and graded")
    notes = tampering(nb, release, entry)
    target = settings.out / "course" / "submitted" / student / entry.id / entry.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(without_demonstrations(nb, release), target)

    nbgrader = NbgraderRun(settings, entry.id, student)
    limits = trusted.Limits(setup_seconds=settings.notebook_timeout, cell_seconds=settings.timeout,
                            call_seconds=settings.timeout)
    verdicts = {v.item: v for v in trusted.grade_notebook(nb, entry, seed_for(student, entry.id, path.read_bytes()),
                                                        limits, release)}
    graded_in_kernel, problem = nbgrader.finish()
    if not graded_in_kernel:
        review.append(f"nbgrader could not grade the notebook in its kernel: {problem}")
    kernel = in_kernel_scores(settings, entry.id, student) if graded_in_kernel else {}
    for item in entry.items:
        if item.written:
            rows.append(Row(student, entry.id, item.id, 0, item.points, "manual",
                            "a written answer: graded by hand in the formgrader"))
            continue
        verdict = verdicts[item.id]
        score = item.points if verdict.status == "ok" else 0.0
        status, message = verdict.status, verdict.message
        if item.id in notes:
            status = "tampered"
            message = f"{notes[item.id]}; graded on your answer: " + (message or "correct")
        in_kernel = kernel.get(item.test_id)
        if in_kernel is not None and in_kernel[0] != score:
            override(settings, entry.id, student, item.test_id, score)
            review.append(f"{item.id}: the notebook's own tests gave {in_kernel[0]:g} points in the "
                          f"learner's kernel, the trusted check {score:g} (the trusted score counts)")
            if in_kernel[0] > score:
                message += " (your notebook's tests passed in your kernel, but the grader's own check did not)"
        rows.append(Row(student, entry.id, item.id, score, item.points, status, message))
    if notes:
        review.append("tampered: " + "; ".join(sorted(set(notes.values()))))
    review += [f"{r.item}: {r.status}: {r.message}" for r in rows if r.status in ("error", "timeout")]
    write_feedback(settings, entry, student, rows, nb)
    return {"rows": rows, "review": review, "seconds": time.perf_counter() - start}


SKIPPED = "# A course demonstration: not run when grading (your functions are)."


def without_demonstrations(nb, release):
    """A copy of nb for nbgrader in which the course's demonstration cells (trusted.demonstrations:
    training runs, sweeps, plots; none of them graded) are replaced by a comment. The tests need
    only the set-up cells and the answers, so the scores are the same and grading is faster."""
    copy = deepcopy(nb)
    for i in trusted.demonstrations(copy, release):
        copy.cells[i].source = SKIPPED
        copy.cells[i].outputs = []
    return copy


class NbgraderRun:
    """nbgrader's autograde of one submission in a forked process of its own session, started at
    once and awaited with finish(): the trusted judging runs meanwhile (the kernel spends much of
    its time starting up). A kernel stuck in a loop that ignores interrupts is killed with the
    process's whole session after notebook_timeout."""

    def __init__(self, settings, nb_id, student):
        from nbgrader.apps import NbGraderAPI

        self.settings = settings
        self.read, write = os.pipe()
        self.started = time.monotonic()
        self.pid = os.fork()
        if self.pid == 0:                              # the child: grade, report, leave at once
            os.close(self.read)
            code = 1
            try:
                os.setsid()
                log = settings.out / "course" / "logs" / student / f"{nb_id}.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)                         # nbgrader's log and the kernel's own
                os.dup2(fd, 2)                         # messages: for the instructor, not the terminal
                api = NbGraderAPI(config=course_config(settings))
                result = gradebook_retries(lambda: api.autograde(nb_id, student, force=True, create=True))
                if not result.get("success"):          # nbgrader's own account, for course/logs
                    os.write(1, f"{result.get('log', '')}\n{result.get('error', '')}\n".encode(errors="replace"))
                message = "" if result.get("success") else _last_line(result.get("error", "") or result.get("log", ""))
                os.write(write, message.encode()[:4000])
                code = 0 if result.get("success") else 1
            except BaseException as err:               # noqa: BLE001
                os.write(write, f"{type(err).__name__}: {err}".encode()[:4000])
            finally:
                os._exit(code)
        os.close(write)

    def finish(self):
        """(graded, problem): whether nbgrader graded it, and if not, why."""
        import signal

        deadline = self.started + self.settings.notebook_timeout
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            try:
                os.killpg(self.pid, signal.SIGKILL)    # nbgrader and its kernel
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            os.close(self.read)
            return False, f"it ran longer than {self.settings.notebook_timeout} s and was stopped"
        with os.fdopen(self.read, "rb") as f:
            message = f.read().decode(errors="replace")
        try:
            os.killpg(self.pid, signal.SIGKILL)        # anything the kernel left behind
        except (ProcessLookupError, PermissionError):
            pass
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        return ok, "" if ok else (message or "it failed without a message")


def _last_line(text):
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no reason given"


# ---------------------------------------------------------------------------------------------
# Feedback
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _exporter():
    """One HTML exporter per worker process: loading its templates takes most of a second."""
    from nbconvert import HTMLExporter

    return HTMLExporter()


def write_feedback(settings, entry, student, rows, submitted):
    """feedback/<student>/<notebook>.html: the verdicts, then the graded notebook without hidden tests."""
    from nbgrader.preprocessors import ClearHiddenTests

    graded = settings.out / "course" / "autograded" / student / entry.id / entry.filename
    if graded.exists():
        nb = nbformat.read(graded, as_version=4)
        sources = {cell.get("id"): cell.source for cell in submitted.cells}
        for cell in nb.cells:                                  # the demonstrations' code, not run
            if cell.source == SKIPPED and cell.get("id") in sources:
                cell.source = sources[cell.get("id")]
    elif submitted is not None:
        nb = submitted
    else:                                                     # unreadable: the verdicts alone
        nb = nbformat.v4.new_notebook()
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            if "### BEGIN HIDDEN TESTS" in cell.source:       # a learner's copy: drop it too
                cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
    table = ["| item | points | result |", "|---|---|---|"]
    for r in rows:
        text = r.message.replace("|", "\\|").replace("\n", " ")
        table.append(f"| `{r.item}` | {r.score:g} / {r.max_score:g} | **{r.status}** {text} |")
    total = sum(r.score for r in rows)
    header = (f"# {entry.title}: feedback for {student}\n\n"
              f"**{total:g} of {sum(r.max_score for r in rows):g} points** (written answers are added "
              "when your instructor has graded them).\n\n" + "\n".join(table))
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(header))
    html, _ = _exporter().from_notebook_node(nb)
    out = settings.out / "feedback" / student / f"{entry.id}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The whole class
# ---------------------------------------------------------------------------------------------

def autograde(submissions, out, jobs=None, timeout=60, db_url=None, root=ROOT, progress=True,
              notebook_timeout=600):
    """Grade every submission; write RESULTS. Returns (rows, review {(student, notebook): [notes]})."""
    from tqdm import tqdm

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    quiet_nbgrader()
    notebooks = manifest.load(Path(root) / "grader" / "course.toml")
    # parallel workers write to one SQLite file: wait up to a minute for a lock, not 5 s
    settings = Settings(out=out, db_url=db_url or f"sqlite:///{out / 'gradebook.db'}?timeout=60", timeout=timeout,
                        notebook_timeout=notebook_timeout, root=Path(root))
    submissions = Path(submissions)
    with tempfile.TemporaryDirectory() as scratch:
        if submissions.is_file() and zipfile.is_zipfile(submissions):
            submissions = unpack(submissions, Path(scratch) / "unzipped")
        elif not submissions.is_dir():
            raise FileNotFoundError(f"{submissions}: neither a folder of submissions nor a zip of them")
        found, rows = collect(submissions, notebooks)
        by_id = {nb.id: nb for nb in notebooks}
        tasks = [(student, nb_id, path) for student, files in found.items() for nb_id, path in sorted(files.items())]
        later = {nb.id: -i for i, nb in enumerate(notebooks)}
        tasks.sort(key=lambda task: later[task[1]])   # the longer later notebooks first: no long tail
        review = defaultdict(list)
        for row in rows:
            review[row.student, row.notebook].append(row.message)
        for student, files in found.items():
            for nb in notebooks:
                if nb.id not in files:
                    rows += [Row(student, nb.id, item.id, 0, item.points, "missing",
                                 f"no {nb.filename} was handed in") for item in nb.items]
        jobs = jobs or os.cpu_count() or 1
        with worker_processes(jobs, _start_worker, (settings.memory_bytes,)) as pool:
            for _ in range(jobs):
                pool.submit(int)                       # the workers start while ...
            handed_in = {nb_id for _, nb_id, _ in tasks}
            prepare_course(settings, [nb for nb in notebooks if nb.id in handed_in],   # ... the gradebook is set up
                           sorted({student for student, _, _ in tasks}))
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
    order = {nb.id: i for i, nb in enumerate(notebooks)}
    item_order = {(nb.id, item.id): i for nb in notebooks for i, item in enumerate(nb.items)}
    rows.sort(key=lambda r: (r.student, order.get(r.notebook, 99), item_order.get((r.notebook, r.item), 99), r.notebook))
    write_csvs(out, rows, notebooks)
    from .report import write_report
    write_report(out, rows, {k: v for k, v in review.items() if v}, notebooks)
    return rows, {k: v for k, v in review.items() if v}


def write_csvs(out, rows, notebooks):
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        for row in rows:
            record = asdict(row)
            record["score"], record["max_score"] = f"{row.score:g}", f"{row.max_score:g}"
            writer.writerow(record)
    totals = defaultdict(float)
    for row in rows:
        totals[row.student, row.notebook] += row.score
    students = sorted({row.student for row in rows})
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student"] + [nb.id for nb in notebooks] + ["total", "max_total"])
        for student in students:
            scores = [totals[student, nb.id] for nb in notebooks]
            writer.writerow([student] + [f"{s:g}" for s in scores]
                            + [f"{sum(scores):g}", f"{sum(nb.points for nb in notebooks):g}"])


def summary_text(rows, review, out, seconds):
    students = {r.student for r in rows}
    counts = Counter(r.status for r in rows if r.item)
    pairs = {(r.student, r.notebook) for r in rows if r.status != "missing"}
    return (f"Graded {len(pairs)} notebooks from {len(students)} students in {seconds:.0f} s: "
            f"{counts['ok']} items correct, {counts['failed']} failed, {counts['error']} errors, "
            f"{counts['timeout']} timeouts, {counts['tampered']} tampered, {counts['missing']} missing; "
            f"{len(review)} submissions need a human look (see report.md). Results are in {out}: "
            "grades.csv, summary.csv, feedback/, report.md, gradebook.db.")
