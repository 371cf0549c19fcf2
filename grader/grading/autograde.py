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

This module is the pipeline; its parts are grader.grading.submissions (whose file is which),
tampering (test cells against the release), gradebook (nbgrader's course and gradebook), workers
(the grading processes), feedback (a learner's page), results (the CSVs) and report (report.md).
"""

import errno
import functools
import hashlib
import json
import os
import shutil
import stat
import tempfile
import threading
import time
import zipfile
from collections import defaultdict
from concurrent.futures import as_completed
from copy import deepcopy
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat

from ..course import layout
from ..course.layout import ROOT
from ..learner import cell_roles, manifest
from ..learner.failures import Failure
from ..learner.manifest import LatePolicy
from ..learner.selfcheck import NotebookUnreadable, read_notebook
from . import budget, inert, ledger, similarity, trusted
from .downloads import nbgrader_timestamp
from .gradebook import course_config, gradebook_retries, lateness, prepare_course, set_extension, setup_nbgrader
from .lateness import late_message, read_extensions
from .report import write_report
from .results import names, write_csvs, write_handed, write_timings
from .submissions import (  # noqa: F401 - also read from here
    NOTEBOOK_BYTES,
    STUDENT,
    ZIP_BYTES,
    FolderArchive,
    Row,
    ZipRefused,
    collect,
    lms_folder,
    safe_name,
    submissions_folder,
    unpack,
)
from .tampering import tampering
from .workers import compile_sandbox_imports, start_fork_server, start_worker, worker_processes


@dataclass(frozen=True)
class Settings:
    out: Path
    db_url: str
    timeout: int = 60  # seconds per cell and per call of a graded function
    notebook_timeout: int = None  # seconds for everything one notebook runs, restarts included;
    # None: each notebook's own budget (grader.grading.budget)
    memory_bytes: int = 4 * 2**30  # per worker (nbgrader, the judge, feedback)
    root: Path = ROOT
    isolated: bool = True  # learner code in bubblewrap sandboxes (grader.grading.isolation)
    dropped_uid: bool = False  # else, as root, as an unprivileged uid (launchers.DroppedUid)
    late: LatePolicy = LatePolicy()  # what handing in late costs (grader.grading.lateness)
    extensions: tuple = ()  # lateness.Extension, one per (student, notebook) given one

    def limits(self, nb_id):
        """The sandbox's limits for notebook nb_id (grader.grading.trusted.Limits fields)."""
        return {
            "notebook_seconds": self.notebook_timeout or budget.seconds(nb_id),
            "cell_seconds": self.timeout,
            "call_seconds": self.timeout,
            "isolated": self.isolated,
            "dropped_uid": self.dropped_uid,
        }


# ---------------------------------------------------------------------------------------------
# Collecting submissions: grader.grading.submissions (whose file is which; folders, nbgrader, zips)
# ---------------------------------------------------------------------------------------------

MAX_CELLS = 2000  # cells in one notebook


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
        raise NotebookUnreadable(
            f"{path}: larger than {limit // 2**20} MB; clear the outputs "
            "(Edit > Clear Outputs of All Cells), save and hand it in again"
        )
    return content


def grade_submission(settings, entry, student, path, handed_in=None):
    """Everything for one (student, notebook): rows, whether nbgrader graded it, review notes.
    handed_in: when the LMS says the file was handed in (a UTC datetime), for nbgrader's
    timestamp; without it, an nbgrader exchange's own timestamp.txt beside the file is kept."""
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
        reason = (
            f"the notebook has {cells} cells; the grader takes at most {MAX_CELLS}. Delete the cells "
            "you added that are not needed and hand it in again"
        )
        rows = [Row(student, entry.id, item.id, 0, item.points, "error", reason) for item in entry.items]
        write_feedback(settings, entry, student, rows, None)
        return {"rows": rows, "review": [reason], "seconds": time.perf_counter() - start}
    notes = tampering(nb, release, entry)
    nb = inert.notebook(nb, release)  # before any of it is stored where a page shows it
    target = settings.out / "course" / "submitted" / student / entry.id / entry.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(without_demonstrations(nb, release), target)
    write_timestamp(target.parent, handed_in, path.parent / "timestamp.txt")

    stages = {"read and check": time.perf_counter() - start}
    verdicts, problem, stages["nbgrader"], sandbox = run_nbgrader(
        settings, entry.id, student, seed_for(student, entry.id)
    )
    stages["nbgrader"] -= sum(sandbox.values())
    stages.update(sandbox)
    if problem:
        review.append(f"nbgrader could not grade the notebook: {problem}")
    else:
        rows += late_rows(settings, entry, student)
    for item in entry.items:
        if item.written:
            rows.append(
                Row(
                    student,
                    entry.id,
                    item.id,
                    0,
                    item.points,
                    "manual",
                    "a written answer, left blank: nothing to grade"
                    if cell_roles.blank_written(nb, item.id)
                    else "a written answer: graded by hand in the formgrader",
                )
            )
            continue
        verdict = verdicts.get(item.id, {"status": "error", "message": f"not graded: {problem}", "visible": None})
        score = item.points if verdict["status"] == "ok" else 0.0
        status, message = verdict["status"], verdict["message"]
        failure = Failure.from_record(verdict["failure"]) if verdict.get("failure") else None
        if item.id in notes:
            status = "tampered"
            message = f"{notes[item.id]}; graded on your answer: " + (message or "correct")
        visible = verdict.get("visible")
        if visible is not None and visible != (score > 0):
            review.append(
                f"{item.id}: the notebook's own test gave {item.points if visible else 0:g} points, "
                f"the trusted check {score:g} (the trusted score counts)"
            )
            if visible:
                message += " (your notebook's own test passed, but the grader's check did not)"
        rows.append(Row(student, entry.id, item.id, score, item.points, status, message, failure))
    if notes:
        review.append("tampered: " + "; ".join(sorted(set(notes.values()))))
    review += [f"{r.item}: {r.status}: {r.message}" for r in rows if r.status in ("error", "timeout")]
    began = time.perf_counter()
    write_feedback(settings, entry, student, rows, nb)
    stages["feedback"] = time.perf_counter() - began
    answers = {item.id: cell_roles.answers(nb).get(item.id) for item in entry.items if not item.written}
    return {
        "rows": rows,
        "review": review,
        "seconds": time.perf_counter() - start,
        "stages": stages,
        "answers": answers,
    }


def late_rows(settings, entry, student):
    """A row "late" for a submission handed in after its due date (with the student's extension):
    the penalty nbgrader's late-submission plugin gave, as a negative score, and why."""
    seconds, penalty = gradebook_retries(lambda: lateness(settings.db_url, entry.id, student))
    if seconds <= 0:
        return []
    extension = next((e.days for e in settings.extensions if (e.student, e.notebook) == (student, entry.id)), 0)
    message = late_message(seconds, penalty, entry.due_text, extension, settings.late)
    return [Row(student, entry.id, "late", -penalty, 0, "late", message)]


def write_timestamp(folder, handed_in, exchange_file):
    """nbgrader's timestamp.txt in a submission's folder, which its autograde records as the time
    it was handed in: the LMS's time, or the one nbgrader's exchange wrote beside the file (read
    without following a link, at most 100 bytes), or none."""
    stamp = folder / "timestamp.txt"
    stamp.unlink(missing_ok=True)
    if handed_in is not None:
        stamp.write_text(nbgrader_timestamp(handed_in), encoding="utf-8")
        return
    try:
        fd = os.open(exchange_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return
    with os.fdopen(fd, "rb") as f:
        text = f.read(100).decode("utf-8", "replace").strip() if stat.S_ISREG(os.fstat(f.fileno()).st_mode) else ""
    if text and text.isprintable():
        stamp.write_text(text, encoding="utf-8")


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
        config.SandboxedExecute.job = {
            "seed": seed,
            "limits": settings.limits(nb_id),
            "root": str(settings.root),
            "verdicts": str(verdicts_file),
        }
        api = NbGraderAPI(config=config)
        granted = [e.days for e in settings.extensions if (e.student, e.notebook) == (student, nb_id)]
        set_extension(settings.db_url, nb_id, student, granted[0] if granted else 0)
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
    return nbformat.read(layout.release_path(entry, root), as_version=4)


def write_feedback(settings, entry, student, rows, submitted):
    """feedback/<student>/<notebook>.html (grader.grading.feedback)."""
    from . import feedback

    graded = settings.out / "course" / "autograded" / student / entry.id / entry.filename
    html = feedback.page(
        entry,
        student,
        rows,
        nbformat.read(graded, as_version=4) if graded.exists() else None,
        submitted,
        _release(settings.root, entry),
    )
    out = settings.out / "feedback" / student / f"{entry.id}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The whole class
# ---------------------------------------------------------------------------------------------


def refresh(results, db_url=None, root=ROOT):
    """`python -m grader regrade RESULTS`: every derived file written again from the ledger, the
    gradebook's hand grades and RESULTS/overrides.csv, grading nothing (after hand grading in the
    Formgrader, or an edit of overrides.csv). Returns the class's rows."""
    out = Path(results).resolve()
    if not (out / ledger.LEDGER).is_file():
        raise FileNotFoundError(f"{out}: no {ledger.LEDGER}; grade the class with `python -m grader autograde` first")
    setup_nbgrader()
    notebooks = manifest.released(layout.manifest_path(root))
    settings = Settings(out=out, db_url=db_url or f"sqlite:///{out / 'gradebook.db'}?timeout=60", root=Path(root))
    rows, _ = publish(settings, notebooks, [], {}, {})
    return rows


def similar(root, notebooks, answers, rows, out):
    """The similarity report's flags (grader.grading.similarity), written to similarity.csv."""
    cells = lambda path_of: {  # noqa: E731
        nb.id: cell_roles.answers(nbformat.read(path_of(nb, root), as_version=4)) for nb in notebooks
    }
    items = {nb.id: [item.id for item in nb.items if not item.written] for nb in notebooks}
    flags = similarity.class_flags(answers, cells(layout.release_path), rows, items, cells(layout.solution_path))
    similarity.write(out, flags)
    return flags


class IsolationUnavailable(RuntimeError):
    """Learner code cannot be isolated on this machine (grader.grading.isolation.problem says why)."""


def autograde(
    submissions: str | Path,
    out: str | Path,
    jobs: int | None = None,
    timeout: int = 60,
    db_url: str | None = None,
    root: Path = ROOT,
    progress: bool = True,
    notebook_timeout: int | None = None,
    isolated: bool = True,
    cluster=None,
    dropped_uid: bool = False,
    extensions: str | Path | None = None,
    due: dict | None = None,
    late: LatePolicy | None = None,
) -> tuple[list[Row], dict[tuple[str, str], list[str]]]:
    """Grade every submission; write RESULTS. Returns (rows, review {(student, notebook): [notes]}).
    isolated=False (--unsafe-no-isolation) runs learner code without bubblewrap: only for
    submissions that are trusted; report.md and the summary say so. cluster (a
    grader.grading.cluster.Cluster, --cluster) grades on the workers of a Dask cluster instead of
    `jobs` local processes. dropped_uid (with isolated=False; as root) runs learner code as an
    unprivileged uid of its own, where bubblewrap cannot run (grader.grading.gradescope).
    extensions: an extensions.csv (grader.grading.lateness); due {notebook id: datetime} and late
    (a LatePolicy) stand in for course.toml's due dates and [late] table."""
    from tqdm import tqdm

    from . import isolation

    given = Path(submissions)
    if not given.is_dir() and not (given.is_file() and zipfile.is_zipfile(given)):
        raise FileNotFoundError(f"{given.resolve()}: neither a folder of submissions nor a zip of them")
    if isolated and isolation.problem():
        raise IsolationUnavailable(f"Learner code cannot be isolated on this machine: {isolation.problem()}")
    notebooks = manifest.released(layout.manifest_path(root))
    unreleased = [nb for nb in manifest.load(layout.manifest_path(root)) if not nb.released]
    if due is not None:
        notebooks = [replace(nb, due=due.get(nb.id, nb.due)) for nb in notebooks]
    granted = read_extensions(extensions, notebooks) if extensions else {}  # before anything is written
    ledger.read_overrides(Path(out) / ledger.OVERRIDES, notebooks)  # refused now, not after grading
    if cluster is None:
        start_fork_server()  # its imports run while this process sets up

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    setup_nbgrader()
    # parallel workers write to one SQLite file: wait up to a minute for a lock, not 5 s
    settings = Settings(
        out=out,
        db_url=db_url or f"sqlite:///{out / 'gradebook.db'}?timeout=60",
        timeout=timeout,
        notebook_timeout=notebook_timeout,
        root=Path(root),
        isolated=isolated,
        dropped_uid=dropped_uid,
        late=late if late is not None else manifest.late_policy(layout.manifest_path(root)),
        extensions=tuple(granted.values()),
    )
    submissions = Path(submissions).resolve()  # workers may run in another folder
    with tempfile.TemporaryDirectory(prefix=".unpacked-", dir=out if cluster else None) as scratch:  # workers see out
        unpacked, handed = [], []
        if submissions.is_file():  # a zip (checked above)
            submissions, unpacked, handed = unpack(submissions, Path(scratch) / "unzipped")
        elif lms_folder(submissions):  # Canvas's or Moodle's download, unpacked
            submissions, unpacked, handed = unpack(FolderArchive(submissions), Path(scratch) / "unzipped")
        found, rows = collect(submissions, notebooks, unreleased)
        rows += unpacked
        times = {(h.student, Path(h.file).name): h.time for h in handed if h.graded and h.time}
        write_handed(out, handed)
        by_id = {nb.id: nb for nb in notebooks}
        tasks = [(student, nb_id, path) for student, files in found.items() for nb_id, path in sorted(files.items())]
        later = {nb.id: -i for i, nb in enumerate(notebooks)}
        tasks.sort(key=lambda task: later[task[1]])  # the longer later notebooks first: no long tail
        review, timings, answers = defaultdict(list), [], {}
        for row in rows:
            review[row.student, row.notebook].append(row.message)
        for student, files in found.items():
            for nb in notebooks:
                if nb.id not in files:
                    rows += [
                        Row(student, nb.id, item.id, 0, item.points, "missing", f"no {nb.filename} was handed in")
                        for item in nb.items
                    ]
        if cluster is None:
            jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))  # no idle workers to start
            if isolated:
                compile_sandbox_imports()
            executor = worker_processes(
                jobs, start_worker, (settings.memory_bytes, isolated or dropped_uid, dict(os.environ))
            )
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
                prepare_course(
                    settings,
                    [nb for nb in notebooks if nb.id in handed_in],
                    sorted({student for student, _, _ in tasks}),
                )
            finally:
                starting.join()
            futures = {
                pool.submit(grade_submission, settings, by_id[nb_id], student, path, times.get((student, path.name))): (
                    student,
                    nb_id,
                )
                for student, nb_id, path in tasks
            }
            for future in tqdm(
                as_completed(futures), total=len(futures), desc="grading", unit="notebook", disable=not progress
            ):
                student, nb_id = futures[future]
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - one submission never stops the batch
                    reason = f"the grader failed on this submission ({type(err).__name__}: {err})"
                    result = {
                        "rows": [
                            Row(student, nb_id, item.id, 0, item.points, "error", reason) for item in by_id[nb_id].items
                        ],
                        "review": [reason],
                    }
                rows += result["rows"]
                review[student, nb_id] += result["review"]
                answers[student, nb_id] = result.get("answers", {})
                timings.append((student, nb_id, result.get("seconds"), result.get("stages", {})))
    order = {nb.id: i for i, nb in enumerate(notebooks)}
    write_timings(out, sorted(timings, key=lambda t: (t[0], order.get(t[1], 99))))
    regraded = {(student, nb_id) for student, nb_id, _ in tasks}
    every, notes = publish(settings, notebooks, rows, review, answers, regraded, isolated or dropped_uid)
    mine = {(r.student, r.notebook) for r in rows}
    return [r for r in every if (r.student, r.notebook) in mine], {k: v for k, v in notes.items() if k in mine}


def publish(settings, notebooks, rows, review, answers, regraded=(), isolated=True):
    """Every derived file of the results folder, for the whole class: this run's rows, review notes
    and answers merged into the ledger (grader.grading.ledger), read against the gradebook's hand
    grades and RESULTS/overrides.csv, then grades.csv, summary.csv, similarity.csv, report.md.
    Returns the class's (rows, review notes)."""
    out = settings.out
    loose = [r for r in rows if not r.student]  # about no student (a refused zip entry): this run's only
    every, notes, code = ledger.merge(out, [r for r in rows if r.student], review, answers)
    overrides = ledger.read_overrides(out / ledger.OVERRIDES, notebooks)
    every, by_hand = ledger.by_hand(settings.db_url, every + loose, notebooks, overrides, regraded)
    for key, more in by_hand.items():
        notes.setdefault(key, []).extend(more)
    notes.update({key: value for key, value in review.items() if not key[0] and value})
    order = {nb.id: i for i, nb in enumerate(notebooks)}
    item_order = {(nb.id, item.id): i for nb in notebooks for i, item in enumerate(nb.items)}
    every.sort(
        key=lambda r: (r.student, order.get(r.notebook, 99), item_order.get((r.notebook, r.item), 99), r.notebook)
    )
    for flag in similar(settings.root, notebooks, code, every, out):
        for student in flag.students:
            notes.setdefault((student, flag.notebook), []).append(flag.note(student))
    write_csvs(out, every, notebooks, names(out))
    write_report(out, every, {k: v for k, v in notes.items() if v}, notebooks, isolated, names(out))
    return every, notes
