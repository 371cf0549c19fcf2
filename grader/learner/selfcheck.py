"""`python -m grader check`: run a notebook and report each graded item, outside nbgrader.

Scores follow nbgrader's own rule (nbgrader.utils.determine_grade, restated in score() so that
learners need no nbgrader): a test cell earns its points unless it raised an error or wrote to
stderr.
"""

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import cell_roles, manifest
from .failures import Failure, calls_note
from .misconceptions import CATALOGUE


class NotebookUnreadable(Exception):
    """The file is missing or is not a notebook; the message says which."""


@dataclass
class Result:
    item: str
    earned: float
    possible: float
    status: str  # "pass", "fail", "missing" or "manual"
    message: str
    failure: Failure | None = None  # how the test failed, as its test block recorded it


def read_notebook(path, content=None):
    """The notebook at path (or in content, the bytes read from path), upgraded to format 4;
    NotebookUnreadable saying why not."""
    import nbformat  # here, not at the top: notebooks import this module for
    from nbformat.reader import NotJSONError  # summary(), and nbformat takes seconds to import

    path = Path(path)
    if content is None and not path.exists():
        raise NotebookUnreadable(f"{path}: no such file")
    if (len(content) if content is not None else path.stat().st_size) == 0:
        raise NotebookUnreadable(f"{path}: the file is empty (was the notebook saved?)")
    try:
        if content is None:
            nb = nbformat.read(path, as_version=4)  # an old format (3) is upgraded, markings and all
        else:
            nb = nbformat.reads(content.decode("utf-8"), as_version=4)
    except (json.JSONDecodeError, NotJSONError, UnicodeDecodeError, RecursionError) as err:
        raise NotebookUnreadable(
            f"{path}: not valid notebook JSON ({err}); open a backup or re-download the notebook"
        ) from None
    except Exception as err:  # nbformat's own validation and version errors
        raise NotebookUnreadable(f"{path}: not a readable Jupyter notebook ({err})") from None
    return nb


# How long one wait on a kernel socket lasts before the socket is looked at again
POLL_SECONDS = 1.0


def notebook_client(nb, cwd, timeout=120, poll=POLL_SECONDS, **options):
    """An nbclient NotebookClient that runs nb's cells in a kernel "python3" started in the folder
    cwd, and does not stall on a cell that shows widgets.

    nbclient waits for a cell's reply on the kernel's shell socket and for its outputs on the
    IOPub socket, each in one long wait. Where a cell shows widgets (ipywidgets' interact), nbclient
    also sends on the shell socket while it waits there, and that send can swallow the socket's
    wake-up: the reply is then read only when the cell's whole timeout has run out (nbclient
    issue 312), or the outputs only after nbclient's IOPub timeout, 4 s later. Measured with four
    kernels at once, 100 slider cells: one waited its whole 60-s timeout and 14 took 4 s or more.
    Waiting in slices of `poll` seconds looks at the socket again after each slice, so a reply or
    an output is read within about a second (poll=None: nbclient's own waits, for comparison).

    A kernel that dies before it answers (ipykernel could not bind the port it was given, which
    another process can take between the choice and the bind) is started once more."""
    from queue import Empty

    from nbclient import NotebookClient

    def in_slices(wait):
        async def get_msg(timeout=None):
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = poll if deadline is None else min(poll, max(0.0, deadline - time.monotonic()))
                try:
                    return await wait(timeout=left)
                except Empty:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise

        return get_msg

    class Client(NotebookClient):
        async def async_start_new_kernel(self, **kwargs):
            self.start_options = kwargs
            await super().async_start_new_kernel(**kwargs)

        async def async_start_new_kernel_client(self):
            try:
                kc = await super().async_start_new_kernel_client()
            except RuntimeError as err:  # jupyter_client: "Kernel died before replying ..."
                if "died" not in str(err):
                    raise
                self.km = self.create_kernel_manager()
                await self.async_start_new_kernel(**self.start_options)
                kc = await super().async_start_new_kernel_client()
            if poll is not None:
                for channel in (kc.shell_channel, kc.iopub_channel):
                    channel.get_msg = in_slices(channel.get_msg)
            return kc

    return Client(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
        **options,
    )


PUBLISH = "from grader.learner import checks as _checks\n_checks.publish_failures()"


def execute(nb, cwd, timeout=120):
    """Run every cell in a fresh kernel, keeping going after errors (as nbgrader does). Returns
    {item: Failure} for the test blocks that failed, as the kernel recorded them
    (grader.learner.checks.FAILED), read from one more cell run at the end and taken out again."""
    import nbformat

    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # keeps debugpy's notice off stderr
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # small matrices: one BLAS thread
        os.environ.setdefault(var, "1")  # is faster and reproducible

    nb.cells.append(nbformat.v4.new_code_cell(PUBLISH))
    client = notebook_client(
        nb, cwd, timeout, allow_errors=True, on_cell_executed=_keep_reply_error, shutdown_kernel="immediate"
    )
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel process's own notices, not the cells'
    finally:
        published = nb.cells.pop()
    return _failures(published)


def _failures(cell):
    """{item: Failure} from the outputs of the PUBLISH cell ({} if it did not run or failed)."""
    from .checks import FAILURES_MIME

    for out in cell.get("outputs", []):
        records = out.get("data", {}).get(FAILURES_MIME)
        if out.get("output_type") == "display_data" and isinstance(records, dict):
            try:
                return {item: Failure.from_record(record) for item, record in records.items()}
            except (TypeError, ValueError, AttributeError):
                return {}
    return {}


def _keep_reply_error(cell, cell_index, execute_reply):
    """The kernel's reply says whether a cell failed, whatever the notebook did to how errors are
    shown (sys.excepthook, IPython's set_custom_exc): record a failure the outputs hide, as
    nbgrader does."""
    import nbformat

    content = (execute_reply or {}).get("content", {})
    if content.get("status") == "error" and not any(out.output_type == "error" for out in cell.get("outputs", [])):
        cell.outputs.append(
            nbformat.v4.new_output(
                "error", ename=content.get("ename", "Error"), evalue=content.get("evalue", ""), traceback=[]
            )
        )


def _message(cell):
    """What went wrong in a test cell whose failure was not recorded (grade()): the error's last
    line(s), or what it wrote to stderr."""
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            return f"{out.ename}: {out.evalue}".strip()
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.name == "stderr":
            text = out.text.strip()
            if text.startswith("✗ "):  # a failed check's own line (grader.learner.checks.test)
                return text[:1000]
            return "wrote to stderr (nbgrader gives 0 for that): " + text[:300]
    return ""


def score(cell):
    """(earned, possible) for a graded code cell that is not an answer cell, by nbgrader's rule
    (nbgrader.utils.determine_grade): 0 if an output before its result is an error or text on
    stderr; the number its result shows, if it shows one from 0 to its points (partial credit);
    otherwise all its points. Where nbgrader refuses to grade the cell (a result above its points,
    or one with no text) it earns 0 here."""
    possible = float(cell_roles.nbgrader(cell)["points"])
    for out in cell.get("outputs", []):
        if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr"):
            return 0.0, possible
        if out.output_type == "execute_result":
            shown = out.get("data", {}).get("text/plain")
            if not shown:
                return 0.0, possible
            if isinstance(shown, list):
                if len(shown) > 1:
                    return possible, possible
                shown = shown[0]
            try:
                value = float(shown)
            except ValueError:
                return possible, possible
            if value > possible:
                return 0.0, possible
            return (value if value >= 0.0 else possible), possible
    return possible, possible


def grade(nb, entry=None, failures=None):
    """Results per graded test cell, in notebook order, plus manifest items missing from nb.
    failures: {item: Failure} as the kernel recorded them (execute()); a failed test cell without
    one (its test raised outside its test block) is described by its outputs."""
    failures = failures or {}
    results, seen = [], set()
    for cell in nb.cells:
        grade_id = cell_roles.grade_id(cell)
        if not cell_roles.is_graded(cell) or grade_id is None:
            continue
        seen.add(grade_id)
        item = grade_id[len("test_") :] if grade_id.startswith("test_") else grade_id
        if cell_roles.is_answer(cell) or cell.cell_type != "code":
            possible = float(cell_roles.nbgrader(cell).get("points", 0))
            said = (
                f"not written yet (the cell still says {cell_roles.WRITTEN_STUB}); graded by your instructor"
                if cell_roles.blank_written(nb, item)
                else "graded by your instructor"
            )
            results.append(Result(item, 0.0, possible, "manual", said))
            continue
        earned, possible = score(cell)
        if earned == possible:
            results.append(Result(item, earned, possible, "pass", ""))
        elif item in failures:
            results.append(Result(item, earned, possible, "fail", failures[item].message(CATALOGUE), failures[item]))
        else:
            results.append(Result(item, earned, possible, "fail", _message(cell)))
    for item in entry.items if entry else ():
        if item.test_id not in seen:
            results.append(
                Result(
                    item.id,
                    0.0,
                    item.points,
                    "missing",
                    f"the test cell {item.test_id!r} is not in the notebook (deleted?)",
                )
            )
    failing = {r.item for r in results if r.status in ("fail", "missing")}
    for r in results:  # a failure that may come from a function it calls
        if r.item in failing and entry is not None and any(i.id == r.item for i in entry.items):
            broken = entry.item(r.item).failing_calls(failing)
            if r.failure is not None:
                r.failure = r.failure.after(broken)
                r.message = r.failure.message(CATALOGUE)
            else:
                r.message += calls_note(r.item, broken)
    return results


def check(path: str | Path, timeout: float = 120, diagnose: Callable | None = None) -> tuple[list[Result], float]:
    """Execute the notebook at path and grade it. Returns (results, seconds). diagnose, in the
    instructor's copy of the course (grader.grading.hidden_checks.diagnoses, passed by the command
    line), names the mistakes the hidden checks recognise: {item: "Recognised mistake: ..."} for
    (nb, entry, results, timeout). The learners' bundle has no hidden checks, and there the
    messages name what a visible test alone can tell (a sign, a factor, a transpose)."""
    path = Path(path).resolve()
    nb = read_notebook(path)
    start = time.perf_counter()
    failures = execute(nb, path.parent, timeout)
    entry = manifest.for_file(path.name)  # a renamed copy is checked as the notebook it copies
    results = grade(nb, entry, failures)
    found = diagnose(nb, entry, results, timeout) if diagnose else {}
    for r in results:
        if r.item in found:
            r.message = f"{found[r.item]} What differs: {r.message}" if r.message else found[r.item]
    return results, time.perf_counter() - start


def due_line(entry):
    """The notebook's due date and the course's late policy, as learners read them."""
    return f"  due {entry.due_text}; {manifest.late_policy().text()}"


def table(path, results, seconds):
    """The per-item report as text (and the notebook's due date, if the course sets one)."""
    width = max([len(r.item) for r in results] + [4])
    lines = [f"{path}  (ran in {seconds:.1f} s)", f"  {'item':<{width}}  {'points':>7}  result"]
    for r in results:
        lines.append(
            f"  {r.item:<{width}}  {r.earned:>3g} / {r.possible:<3g} {r.status}"
            + (f"  {r.message}" if r.message else "")
        )
    auto = [r for r in results if r.status != "manual"]
    earned = sum(r.earned for r in auto)
    possible = sum(r.possible for r in auto)
    passed = sum(r.status == "pass" for r in auto)
    lines.append(f"  total: {earned:g} / {possible:g} points; {passed} of {len(auto)} items pass")
    manual = sum(r.possible for r in results if r.status == "manual")
    if manual:
        lines.append(f"  plus {manual:g} points for written answers, graded by your instructor")
    entry = manifest.for_file(Path(path).name)
    if entry is not None and entry.due:
        lines.append(due_line(entry))
    return "\n".join(lines)


def summary(notebook):
    """Print this kernel's result for each graded item of `notebook` (an id or file name), from
    the test cells run so far (grader.learner.checks.test records them), and the commands that
    check the saved notebook from scratch, as the grader would: with this kernel's own Python, so
    they work in JupyterLab's terminal whatever its PATH is."""
    from . import checks

    entry = manifest.find(Path(notebook).stem + ".ipynb")
    if entry is None:
        raise ValueError(f"{notebook!r} is not a notebook of the course")
    width = max(len(item.id) for item in entry.items)
    earned = 0.0
    print(f"{entry.id}: your results in this session")
    for item in entry.items:
        passed = checks.PASSED.get(item.id)
        if item.written:
            status = "written answer, graded by your instructor"
        elif passed is None:
            status = "not tested yet: run its test cell"
        else:
            status = "passes" if passed else "FAILS (the message is under its test cell)"
            earned += item.points if passed else 0.0
            broken = " and ".join(checks.failing_callees(item.id)) if not passed else ""
            if broken:
                status += f"; it calls your {broken}, which fails too: fix that first"
        print(f"  {item.id:<{width}}  {item.points:>2g} points  {status}")
    print(f"  {earned:g} of {entry.auto_points:g} autograded points pass here.")
    if entry.due:
        print(due_line(entry))
    path = shlex.quote(str(Path.cwd() / entry.filename))
    print(
        "\nTo check the saved notebook from scratch (save it first), in a terminal:\n"
        f"  {shlex.quote(sys.executable)} -m grader check {path}\n"
        f"or in a cell:\n  !{shlex.quote(sys.executable)} -m grader check {entry.filename}"
    )
