"""Trusted grading: the verdict on each graded function comes from code the learner cannot reach.

A hidden test cell runs inside the learner's kernel, so an answer cell that replaces np.allclose,
the grader's helpers or the traceback display can fake a pass. Here instead:

1. The submission's code runs in a separate Python process, the sandbox, with a memory limit,
   time limits, its output captured (never shown on this process's terminal), and only the
   learners' `grader` package importable (no reference, no judge). It runs what defines the graded functions: the cells before the first
   answer (imports, given code), the answer cells, and any cell the learner added or edited; the
   course's own demonstration cells between answers are skipped (they only call the functions,
   and a function that loops or exits would take every other item down with it).
2. This process draws the random inputs (grader.course.judge's cases), sends them, and gets back plain
   data: numbers and arrays (grader.grading.sandbox_child's wire format builds nothing else).
3. This process compares the values with grader.course.reference. Nothing the learner's code did to its
   own numpy or builtins can change that comparison.

When an instructor grades (grader.grading.autograde), the sandbox is a bubblewrap sandbox of its own per
submission (grader.grading.isolation: an unprivileged uid, no network, no view of the course's files), and
the same process runs the notebook's test cells, once: their outputs are what nbgrader scores and
the feedback shows. Every limit is kept from outside: a clock per cell and call, one budget for
the whole notebook that covers every restart, CPU time, memory, processes, disk (the sandbox's
tmpfs) and the size of every reply.

A function that loops forever or kills its process costs only its own item: the sandbox is killed
(with everything it started) and restarted for the remaining items, while the budget lasts.
"""

import functools
import json
import os
import re
import select
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from ..course import judge
from ..course.revealed import ALL as CATALOGUE
from ..learner import cell_roles, delegation
from ..learner.checks import CheckFailed
from ..learner.failures import Failure
from ..learner.manifest import Notebook
from . import isolation, launchers
from .launchers import CHILD, Limits, running_in_group
from .learner_package import learner_package
from .sandbox_child import WireError, decode, encode


@functools.cache
def font_list():
    """The file of matplotlib's font list as this process's matplotlib keeps it (read, or built
    once, in its cache folder), or None. Each sandbox gets a copy (sandbox_child._font_list)."""
    try:
        import matplotlib
        from matplotlib import font_manager
    except ImportError:
        return None
    _ = font_manager.fontManager  # loads the list, building it if need be
    path = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
    return path if path.is_file() else None


@dataclass
class Verdict:
    item: str
    status: str  # "ok", "failed", "error" or "timeout"
    message: str  # for a person: failure.message(...)
    failure: Failure | None = None  # what went wrong, as a value (None when ok)


def failed(item, status, failure):
    """The Verdict of a failure of `item`, with its sentence."""
    failure = replace(failure, item=item)
    return Verdict(item, status, failure.message(CATALOGUE), failure)


# The kinds of failure a sandbox's reply may name (checks.CheckFailed.kind); anything else it
# says is taken as "raised".
SANDBOX_KINDS = ("undefined", "not written", "delegated", "unreadable", "raised", "warned")


class SandboxFailure(Exception):
    """The sandbox process timed out, died or spoke nonsense; status is 'timeout' or 'error'."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


CELL_GRACE = 2.0  # seconds the grader waits beyond a cell's limit for the child's own CellTimeout
MAX_ANSWERS = 10_000  # calls of stand-ins the grader answers within one call of a learner's function


class Sandbox:
    """A child process holding a learner's notebook code: run(source) runs a cell there,
    call(name, args) one of its functions. Every wait is bounded by the operation's own limit and
    by one deadline for the whole notebook (limits.notebook_seconds), which restarts do not reset."""

    def __init__(self, limits=Limits()):
        self.limits = limits
        self.proc = None
        self.buffer = b""
        self.deadline = time.monotonic() + limits.notebook_seconds
        self.start_seconds = 0.0  # spent starting children (a benchmark's stage)
        self.home = Path(tempfile.mkdtemp(prefix="sandbox-"))
        self.home.chmod(0o755)
        learner_package(self.home)
        shutil.copyfile(CHILD, self.home / "sandbox_child.py")
        if font_list() is not None:
            shutil.copyfile(font_list(), self.home / font_list().name)
        for path in self.home.rglob("*"):  # readable by the sandbox's own uid
            path.chmod(0o755 if path.is_dir() else 0o644)
        self.stage = isolation.Stage() if limits.isolated and isolation.as_root() else None
        self.launchers = launchers.launchers(limits, self.stage)
        self.launcher = None  # the one that started the running child

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        shutil.rmtree(self.home, ignore_errors=True)
        if self.stage is not None:
            self.stage.remove()

    @property
    def alive(self):
        return self.proc is not None

    def start(self):
        """Start a fresh child and wait until it is ready. Raises SandboxFailure if the notebook's
        time has run out or the child does not come up."""
        self.close()
        if time.monotonic() >= self.deadline:
            raise self._out_of_time()
        began = time.monotonic()
        try:
            self._start()
        finally:
            self.start_seconds += time.monotonic() - began

    def _start(self):
        self.proc, self.launcher = launchers.start(self.launchers, self.home, self.limits)
        self.buffer = b""
        self._receive(self.limits.notebook_seconds, "starting")

    def run(self, source, capture=False):
        """Run one cell: {"outputs": [...], "error": {"ename", "evalue"} or None}; SandboxFailure if
        the cell times out or ends the process."""
        self._send({"run": source, "capture": capture, "cell_seconds": self.limits.cell_seconds})
        # The child stops a cell itself after cell_seconds (CellTimeout, and it goes on); the grader
        # kills it only for a cell that ignores that, so it waits a little longer than the child.
        reply = self._receive(self.limits.cell_seconds + CELL_GRACE, "running a cell")
        error = reply.get("error")
        if error is not None and not (
            isinstance(error, dict) and all(isinstance(error.get(k), str) for k in ("ename", "evalue"))
        ):
            error = {"ename": "Error", "evalue": "(unreadable)"}
        return {"outputs": clean_outputs(reply.get("outputs")) if capture else [], "error": error}

    def call(self, name, args, forbid_warnings=False, answered=None):
        """The learner's name(*args), or CheckFailed saying why there is no value (or, with
        forbid_warnings, that it warned); SandboxFailure if the process times out or dies.
        answered: {function name: f}, functions whose calls during this one this process answers
        with f (the course's reference), in place of the learner's own."""
        answered = answered or {}
        try:
            payload = encode(tuple(args))
        except WireError as err:  # the grader's own inputs: a bug here, not the learner's
            raise RuntimeError(f"cannot send the inputs for {name}: {err}") from None
        self._send({"call": name, "args": payload, "forbid_warnings": forbid_warnings, "answered": sorted(answered)})
        reply = self._receive(self.limits.call_seconds, f"running {name}")
        for _ in range(MAX_ANSWERS):
            if "callback" not in reply:
                break
            self._send(self._answer(reply, answered))
            reply = self._receive(self.limits.call_seconds, f"running {name}")
        else:
            self.close()
            raise SandboxFailure("error", f"{name} asked for more than {MAX_ANSWERS} answers in one call.")
        if not reply.get("ok"):
            kind = reply.get("kind") if reply.get("kind") in SANDBOX_KINDS else "raised"
            text = str(reply.get("error", "no value came back"))[:500]
            error = str(reply.get("ename", ""))[:100] if kind == "raised" else ""
            raise CheckFailed(text, failure=Failure(kind, text, name, error=error))
        if reply.get("changed"):
            raise CheckFailed(
                f"{name} changed its argument #{reply['changed'][0]} in place. Compute "
                "new values instead (for example `W = W - lr * dW` creates a new array; "
                "`W -= lr * dW` overwrites the caller's W).",
                kind="mutated",
            )
        try:
            return decode(reply.get("value"))
        except (WireError, ValueError, TypeError, KeyError, RecursionError) as err:
            raise CheckFailed(f"{name} returned a value the grader cannot read ({err}).", kind="unreadable") from None

    @staticmethod
    def _answer(request, answered):
        """The reply to a stand-in's {"callback", "args", "kwargs"}: {"value"} or {"error"}."""
        f = answered.get(request.get("callback"))
        if f is None:
            return {"error": "not a function this grader answers"}
        try:
            value = f(*decode(request.get("args")), **(decode(request.get("kwargs")) or {}))
            return {"value": encode(value)}
        except Exception as err:  # noqa: BLE001 - arguments the reference cannot take: the learner's call fails
            return {"error": f"{type(err).__name__}: {err}"[:300]}

    def close(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the child (or bubblewrap) and its session
        except (ProcessLookupError, PermissionError):
            pass
        if hasattr(self.launcher, "end_all"):
            self.launcher.end_all()  # and whatever left the session
        self.proc.wait()
        gone_by = time.monotonic() + 5  # the rest of the group die when the kernel gets to them:
        while running_in_group(self.proc.pid) and time.monotonic() < gone_by:  # wait for that
            time.sleep(0.005)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.proc = None

    def _out_of_time(self):
        return SandboxFailure(
            "timeout",
            f"The notebook's time budget of {self.limits.notebook_seconds:g} s "
            "(all its cells and checks together) ran out before this was reached.",
        )

    def _send(self, message):
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            message = self._death("before it could be asked anything")
            self.close()
            raise SandboxFailure("error", message) from None

    def _death(self, when):
        code = self.launcher.exit_code(self.proc.poll())
        if code is not None and code < 0 and -code == signal.SIGKILL:
            how = "was killed (SIGKILL: out of memory?)"
        elif code is not None and code < 0 and -code == signal.SIGXCPU:
            how = "used up its CPU time and was stopped"
        elif code is not None and code < 0:
            how = f"was ended by signal {signal.Signals(-code).name}"
        else:
            how = f"exited (code {code}: os._exit, sys.exit at the top level, or a crash)"
        return f"The notebook's Python process {how} {when}."

    def _receive(self, seconds, doing):
        deadline = min(time.monotonic() + seconds, self.deadline)
        fd = self.proc.stdout.fileno()
        chunks, size = [self.buffer], len(self.buffer)
        complete = b"\n" in self.buffer
        while not complete:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                if deadline >= self.deadline:
                    raise self._out_of_time()
                raise SandboxFailure(
                    "timeout",
                    f"Still {doing} after {seconds:g} s: stopped. Look for an endless loop or a very slow computation.",
                )
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self.proc.wait()
                message = self._death(f"while {doing}")
                self.close()
                raise SandboxFailure("error", message)
            chunks.append(chunk)
            size += len(chunk)
            complete = b"\n" in chunk  # look at the new bytes only: replies can be long
            if size > self.limits.reply_bytes:
                self.close()
                raise SandboxFailure(
                    "error", f"The answer to {doing} was larger than {self.limits.reply_bytes // 2**20} MB."
                )
        line, _, self.buffer = b"".join(chunks).partition(b"\n")
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):
            self.close()
            raise SandboxFailure("error", f"The notebook's process answered nonsense while {doing}.") from None
        if not isinstance(reply, dict):
            self.close()
            raise SandboxFailure("error", f"The notebook's process answered nonsense while {doing}.")
        return reply


def clean_outputs(raw):
    """Notebook outputs rebuilt from a sandbox's reply: only streams, text and PNG displays and
    errors, with string fields of bounded size; anything else is dropped."""
    outputs = []
    for out in raw if isinstance(raw, list) else []:
        if not isinstance(out, dict) or len(outputs) >= 60:
            continue
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") in ("stdout", "stderr") and isinstance(out.get("text"), str):
            outputs.append(nbformat.v4.new_output("stream", name=out["name"], text=out["text"][:30_000]))
        elif kind == "display_data" and isinstance(out.get("data"), dict):
            data = {}
            text = out["data"].get("text/plain")
            if isinstance(text, str):
                data["text/plain"] = text[:30_000]
            png = out["data"].get("image/png")
            if isinstance(png, str) and len(png) <= 4 * 2**20 and re.fullmatch(r"[A-Za-z0-9+/=\s]*", png):
                data["image/png"] = png
            if data:
                outputs.append(nbformat.v4.new_output("display_data", data=data))
        elif kind == "error" and isinstance(out.get("ename"), str) and isinstance(out.get("evalue"), str):
            outputs.append(error_output(out["ename"], out["evalue"]))
    return outputs


def error_output(ename, evalue):
    return nbformat.v4.new_output(
        "error", ename=ename[:100], evalue=evalue[:3000], traceback=[f"{ename[:100]}: {evalue[:3000]}"]
    )


# What the autograder hands nbgrader in place of a demonstration's code (grader.grading.autograde:
# without_demonstrations); the feedback page shows the demonstration's own code again.
SKIPPED = "# A course demonstration: not run when grading (your functions are)."


def demonstrations(nb, release):
    """Indices of nb's code cells that are the course's own demonstrations, as released and not
    edited: after the first answer cell, neither answer nor test, with the id and source of a
    release cell. They only call the learner's functions (plots, training runs, tables), so
    grading does not run them; what the tests and answers need is defined before the first
    answer or in answer cells (tests/grading/test_autograde.py grades the solutions this way)."""
    course_cells = {
        (c.get("id"), c.source)
        for c in release.cells
        if c.cell_type == "code" and not cell_roles.is_answer(c) and not cell_roles.is_graded(c)
    }
    found, seen_answer = set(), False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell_roles.is_answer(cell):
            seen_answer = True
        elif seen_answer and not cell_roles.is_graded(cell) and (cell.get("id"), cell.source) in course_cells:
            found.add(i)
    return found


HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?(### END HIDDEN TESTS|$)", re.S)


def without_hidden_tests(source):
    """A test cell's source without its hidden part: the hidden checks run in the grading process
    (grader.course.judge), never where the learner's code could read them."""
    return HIDDEN.sub("", source)


def notebook_cells(nb, release=None, tests=False):
    """[(cell index, source, role)] of the code cells the sandbox runs, role "answer:<grade_id>",
    "test:<grade_id>" or "code": never the course's demonstrations (given the released notebook,
    see demonstrations); with tests, the test cells without their hidden part and every cell to
    the end, otherwise no test cells and nothing after the last answer."""
    skip = demonstrations(nb, release) if release is not None else set()
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i in skip:
            continue
        if cell_roles.is_test(cell):
            if tests:
                cells.append((i, without_hidden_tests(cell.source), f"test:{cell_roles.grade_id(cell)}"))
            continue
        cells.append((i, cell.source, f"answer:{cell_roles.grade_id(cell)}" if cell_roles.is_answer(cell) else "code"))
    if not tests:
        last = max((n for n, (_, _, role) in enumerate(cells) if role.startswith("answer:")), default=-1)
        cells = cells[: last + 1]
    return cells


@dataclass
class Graded:
    verdicts: dict  # {item: Verdict}
    outputs: dict  # {cell index: [notebook outputs]} (with tests=True)
    visible_passed: dict  # {test grade_id: whether the visible test ran without an error}
    seconds: dict = field(default_factory=dict)  # {stage: wall seconds}: sandbox start, cells, judge


def run_notebook(
    nb: nbformat.NotebookNode,
    entry: Notebook,
    seed: int | None = None,
    limits: Limits = Limits(),
    release: nbformat.NotebookNode | None = None,
    tests: bool = False,
) -> "Graded":
    """Run nb's cells (notebook_cells) in one sandbox, then judge every autograded item of the
    manifest entry by calling the learner's functions there. A cell or call that hangs or ends
    the process costs only itself: the sandbox is restarted, the cells that ran before are run
    again (quietly), and grading goes on while the notebook's time budget lasts."""
    items = [item.id for item in entry.items if not item.written]
    cells = notebook_cells(nb, release, tests)
    graded = Graded({}, {}, {})
    errors, ran = {}, []

    with Sandbox(limits) as box:
        began = time.monotonic()

        def ready():
            if not box.alive:
                box.start()
                for source in ran:
                    box.run(source)

        for index, source, role in cells:
            try:
                ready()
                result = box.run(source, capture=tests)
            except SandboxFailure as failure:
                result = {
                    "outputs": [
                        error_output(
                            "CellTimeoutError" if failure.status == "timeout" else "DeadKernelError", failure.message
                        )
                    ],
                    "error": {"ename": failure.status, "evalue": failure.message},
                }
                if box.deadline <= time.monotonic():
                    graded.outputs[index] = result["outputs"]
                    break
            else:
                if not role.startswith("test:"):
                    ran.append(source)
            graded.outputs[index] = result["outputs"]
            error = result["error"]
            if role.startswith("answer:") and error is not None:
                errors[role[7:]] = f"{error['ename']}: {error['evalue']}"[:500]
            if role.startswith("test:"):  # nbgrader's rule: no error and nothing on stderr
                graded.visible_passed[role[5:]] = error is None and not any(
                    out.get("output_type") == "stream" and out.get("name") == "stderr" for out in result["outputs"]
                )

        cells_done, started = time.monotonic(), box.start_seconds
        answers = answer_sources(nb)
        for name in items:
            try:
                found = delegation.library_calls(name, answers.get(name, ""), entry.item(name).derive)
                if found:
                    text = f"{name} calls {', '.join(found)}, which computes it for you; write your own."
                    raise CheckFailed(text, failure=Failure("library", text))
                ready()
                strict = judge.ITEMS[name].forbids_warnings
                judge.run(name, lambda args, name=name, strict=strict: box.call(name, args, strict), seed)
                graded.verdicts[name] = Verdict(name, "ok", "")
            except CheckFailed as error:
                failure = error.failure
                # not defined because its cell raised, or a name its cell should have defined
                # (a NameError inside it): the cell's error says more
                if name in errors and (failure.kind == "undefined" or failure.error == "NameError"):
                    failure = Failure("cell raised", f"its cell raised {errors[name]}")
                graded.verdicts[name] = failed(name, "failed", failure)
            except SandboxFailure as error:
                graded.verdicts[name] = failed(name, error.status, Failure(error.status, error.message))
        _judge_with_right_callees(entry, graded, box, ready, seed)
        graded.seconds = {
            "sandbox start": box.start_seconds,
            "cells": cells_done - began - started,
            "judge": time.monotonic() - cells_done - (box.start_seconds - started),
        }
    failing = {name for name, verdict in graded.verdicts.items() if verdict.status != "ok"}
    for item in entry.items:  # a failure that may come from a function it calls
        if item.id in failing:
            verdict = graded.verdicts[item.id]
            graded.verdicts[item.id] = failed(
                item.id, verdict.status, verdict.failure.after(item.failing_calls(failing))
            )
    return graded


def _judge_with_right_callees(entry, graded, box, ready, seed):
    """A slip costs once: an item that failed while a function its exercise says it calls fails its
    own test is judged again, on the same inputs, with each such function answered by this process
    (the course's reference, on the learner's own arguments: values cross the wire, never code). If
    it passes then, its points are its own, and the verdict says where the slip is."""
    failing = {name for name, verdict in graded.verdicts.items() if verdict.status != "ok"}
    for item in entry.items:
        verdict = graded.verdicts.get(item.id)
        callees = [c for c in item.failing_calls(failing) if c in judge.ITEMS]
        if verdict is None or verdict.status != "failed" or not callees or verdict.failure.kind == "not written":
            continue
        answered = {c: judge.ITEMS[c].reference for c in callees}
        strict = judge.ITEMS[item.id].forbids_warnings
        try:
            ready()
            call = functools.partial(box.call, item.id, forbid_warnings=strict, answered=answered)
            judge.run(item.id, call, seed, explain=False)
        except (CheckFailed, SandboxFailure):
            continue  # wrong with right callees too: its own mistake as well
        names = " and ".join(callees)
        graded.verdicts[item.id] = Verdict(
            item.id,
            "ok",
            f"{item.id} is right when the course's {names} stands in for yours, and your {names} "
            f"fails its own test: that slip costs points there only.",
        )


def answer_sources(nb):
    """{grade_id: source} of the notebook's answer cells."""
    return {
        cell_roles.grade_id(cell): cell.source
        for cell in nb.cells
        if cell.cell_type == "code" and cell_roles.is_answer(cell) and cell_roles.grade_id(cell)
    }


def grade_notebook(
    nb: nbformat.NotebookNode,
    entry: Notebook,
    seed: int | None = None,
    limits: Limits = Limits(),
    release: nbformat.NotebookNode | None = None,
) -> list[Verdict]:
    """A Verdict for every autograded item of the manifest entry, judged outside the learner's
    process (no test cells run). nb is a read notebook (nbformat), entry its manifest.Notebook,
    release the released notebook it started from (see notebook_cells)."""
    graded = run_notebook(nb, entry, seed, limits, release)
    return [graded.verdicts[item.id] for item in entry.items if not item.written]


def grade_file(path, entry, seed=None, limits=Limits(), release=None):
    return grade_notebook(nbformat.read(path, as_version=4), entry, seed, limits, release)
