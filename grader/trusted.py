"""Trusted grading: the verdict on each graded function comes from code the learner cannot reach.

A hidden test cell runs inside the learner's kernel, so an answer cell that replaces np.allclose,
the grader's helpers or the traceback display can fake a pass. Here instead:

1. The submission's code runs in a separate Python process, the sandbox, with a memory limit,
   time limits, its output thrown away, and only the learners' `grader` package importable (no
   reference, no judge). It runs what defines the graded functions: the cells before the first
   answer (imports, given code), the answer cells, and any cell the learner added or edited; the
   course's own demonstration cells between answers are skipped (they only call the functions,
   and a function that loops or exits would take every other item down with it).
2. This process draws the random inputs (grader.judge's cases), sends them, and gets back plain
   data: numbers and arrays (grader.sandbox_child's wire format builds nothing else).
3. This process compares the values with grader.reference. Nothing the learner's code did to its
   own numpy or builtins can change that comparison.

A function that loops forever or kills its process costs only its own item: the sandbox is killed
(its whole process group) and restarted for the remaining items.
"""
import json
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import judge
from .bundle import learner_package
from .checks import CheckFailed
from .sandbox_child import WireError, decode, encode

SITE = sysconfig.get_paths()["purelib"]
CHILD = Path(__file__).with_name("sandbox_child.py")


@dataclass(frozen=True)
class Limits:
    setup_seconds: float = 120.0        # running the notebook's cells in the sandbox
    cell_seconds: float = 30.0          # one of those cells
    call_seconds: float = 30.0          # one call of a graded function
    memory_bytes: int = 3 * 2 ** 30     # address space of the sandbox
    reply_bytes: int = 64 * 2 ** 20     # the largest reply read from it
    file_bytes: int = 64 * 2 ** 20      # the largest file it may write


@dataclass
class Verdict:
    item: str
    status: str      # "ok", "failed", "error" or "timeout"
    message: str


class SandboxFailure(Exception):
    """The sandbox process timed out, died or spoke nonsense; status is 'timeout' or 'error'."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def process_limit(headroom):
    """An RLIMIT_NPROC value allowing `headroom` more processes than this user runs now, so a fork
    bomb stops there (Linux counts a user's processes; it does not limit root)."""
    uid = os.getuid()
    running = sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid)
    hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    want = running + headroom
    return want if hard == resource.RLIM_INFINITY else min(want, hard)


def _owner(path):
    try:
        return path.stat().st_uid
    except OSError:
        return None


def _limit(limits):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, resource.getrlimit(resource.RLIMIT_NPROC)[1]))
    nproc = process_limit(64)
    return apply


def _environment(home, pythonpath):
    return {"PYTHONPATH": pythonpath, "HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}


class Forked:
    """A sandbox child forked by the Zygote, with the parts of subprocess.Popen that Sandbox uses."""

    def __init__(self, zygote, pid, stdin, stdout):
        self.zygote, self.pid, self.stdin, self.stdout = zygote, pid, stdin, stdout
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            self.returncode = self.zygote.status(self.pid, 0.5)
        return self.returncode

    def wait(self):
        if self.returncode is None:
            self.returncode = self.zygote.status(self.pid, 5)
        return self.returncode


class Zygote:
    """A process that has imported IPython and matplotlib and forks sandbox children on request
    (sandbox_child.zygote), so that a sandbox starts in milliseconds, not a second. One per
    grading process, started on first use; it has never seen learner code (each child is forked
    from it, and the children run the learner's code) and ends when this process does."""

    _running = {}                                 # {os.getpid(): Zygote}

    @classmethod
    def get(cls):
        zygote = cls._running.get(os.getpid())
        if zygote is None or zygote.proc.poll() is not None:
            zygote = cls._running[os.getpid()] = cls()
        return zygote

    def __init__(self):
        self.home = Path(tempfile.mkdtemp(prefix="sandbox-zygote-"))
        shutil.copyfile(CHILD, self.home / "sandbox_child.py")
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.proc = subprocess.Popen([sys.executable, "-S", str(self.home / "sandbox_child.py"), "--zygote",
                                      str(theirs.fileno())], pass_fds=[theirs.fileno()], cwd=self.home,
                                     env=_environment(self.home, SITE), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.sock.settimeout(60)                  # the first reply waits for the imports

    def fork(self, home, limits):
        """A Forked child whose stdin and stdout are pipes to this process."""
        to_child, child_in = os.pipe()[::-1]      # (write end, read end)
        child_out, from_child = os.pipe()[::-1]
        try:
            socket.send_fds(self.sock, [json.dumps({
                "home": str(home), "env": _environment(home, f"{home}{os.pathsep}{SITE}"),
                "memory_bytes": limits.memory_bytes, "file_bytes": limits.file_bytes,
                "processes": process_limit(64)}).encode()],
                [child_in, child_out])
            reply = json.loads(self.sock.recv(1 << 16) or b"{}")
        finally:
            os.close(child_in)
            os.close(child_out)
        if "pid" not in reply:
            raise OSError("the sandbox zygote did not answer")
        return Forked(self, reply["pid"], os.fdopen(to_child, "wb"), os.fdopen(from_child, "rb"))

    def status(self, pid, seconds):
        try:
            self.sock.send(json.dumps({"status": pid, "seconds": seconds}).encode())
            return json.loads(self.sock.recv(1 << 16) or b"{}").get("code")
        except (OSError, ValueError):
            return None


class Sandbox:
    """One child process holding a learner's notebook code; call(name, args) runs a function there."""

    def __init__(self, cells, limits=Limits()):
        self.cells, self.limits = cells, limits
        self.proc = None
        self.buffer = b""
        self.home = Path(tempfile.mkdtemp(prefix="sandbox-"))
        learner_package(self.home)
        shutil.copyfile(CHILD, self.home / "sandbox_child.py")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def start(self):
        """Start the process and run the cells. Returns {answer grade_id: error text} for answer
        cells that raised. Raises SandboxFailure if the cells time out or end the process."""
        try:
            self.proc = Zygote.get().fork(self.home, self.limits)
        except OSError:                            # no zygote: start the child from scratch
            self.proc = subprocess.Popen([sys.executable, "-S", str(self.home / "sandbox_child.py")],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, cwd=self.home,
                                         env=_environment(self.home, f"{self.home}{os.pathsep}{SITE}"),
                                         start_new_session=True, preexec_fn=_limit(self.limits))
        self.buffer = b""
        self._send({"cells": self.cells, "cell_seconds": self.limits.cell_seconds})
        reply = self._receive(self.limits.setup_seconds, "running the notebook's cells")
        return reply.get("errors", {})

    def call(self, name, args):
        """The learner's name(*args), or CheckFailed saying why there is no value; SandboxFailure
        if the process times out or dies."""
        try:
            payload = encode(tuple(args))
        except WireError as err:   # the grader's own inputs: a bug here, not the learner's
            raise RuntimeError(f"cannot send the inputs for {name}: {err}") from None
        self._send({"call": name, "args": payload})
        reply = self._receive(self.limits.call_seconds, f"running {name}")
        if not reply.get("ok"):
            raise CheckFailed(str(reply.get("error", "no value came back"))[:500])
        if reply.get("changed"):
            raise CheckFailed(f"{name} changed its argument #{reply['changed'][0]} in place. Compute "
                              "new values instead (for example `W = W - lr * dW` creates a new array; "
                              "`W -= lr * dW` overwrites the caller's W).")
        try:
            return decode(reply.get("value"))
        except (WireError, ValueError, TypeError, KeyError) as err:
            raise CheckFailed(f"{name} returned a value the grader cannot read ({err}).") from None

    def close(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # the child and anything it started
        except ProcessLookupError:
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.proc = None

    def _send(self, message):
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise SandboxFailure("error", self._death("before it could be asked anything")) from None

    def _death(self, when):
        code = self.proc.poll()
        if code is not None and code < 0 and -code == signal.SIGKILL:
            how = "was killed (SIGKILL: out of memory?)"
        elif code is not None and code < 0:
            how = f"was ended by signal {signal.Signals(-code).name}"
        else:
            how = f"exited (code {code}: os._exit, sys.exit at the top level, or a crash)"
        return f"The notebook's Python process {how} {when}."

    def _receive(self, seconds, doing):
        deadline = time.monotonic() + seconds
        fd = self.proc.stdout.fileno()
        chunks, size = [self.buffer], len(self.buffer)
        complete = b"\n" in self.buffer
        while not complete:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise SandboxFailure("timeout", f"Still {doing} after {seconds:g} s: stopped. "
                                                "Look for an endless loop or a very slow computation.")
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
            complete = b"\n" in chunk              # look at the new bytes only: replies can be long
            if size > self.limits.reply_bytes:
                self.close()
                raise SandboxFailure("error", f"The answer to {doing} was larger than "
                                              f"{self.limits.reply_bytes // 2 ** 20} MB.")
        line, _, self.buffer = b"".join(chunks).partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:
            self.close()
            raise SandboxFailure("error", f"The notebook's process answered nonsense while {doing}.") from None


def demonstrations(nb, release):
    """Indices of nb's code cells that are the course's own demonstrations, as released and not
    edited: after the first answer cell, neither answer nor test, with the id and source of a
    release cell. They only call the learner's functions (plots, training runs, tables), so
    grading does not run them; what the tests and answers need is defined before the first
    answer or in answer cells (tests/test_autograde.py grades the solutions this way)."""
    course_cells = {(c.get("id"), c.source) for c in release.cells if c.cell_type == "code"
                    and not c.metadata.get("nbgrader", {}).get("solution")
                    and not c.metadata.get("nbgrader", {}).get("grade")}
    found, seen_answer = set(), False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            seen_answer = True
        elif seen_answer and not meta.get("grade") and (cell.get("id"), cell.source) in course_cells:
            found.add(i)
    return found


def notebook_cells(nb, release=None):
    """The code cells the sandbox runs, each tagged with its answer grade_id (or None): no test
    cells, nothing after the last answer cell, and, given the released notebook, none of the
    course's demonstrations (see demonstrations)."""
    skip = demonstrations(nb, release) if release is not None else set()
    cells = []
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or i in skip or (meta.get("grade") and not meta.get("solution")):
            continue
        cells.append({"source": cell.source, "answer": meta.get("grade_id") if meta.get("solution") else None})
    last = max((i for i, c in enumerate(cells) if c["answer"]), default=-1)
    return cells[:last + 1]


def grade_notebook(nb, entry, seed=None, limits=Limits(), release=None):
    """A Verdict for every autograded item of the manifest entry, judged outside the learner's
    process. nb is a read notebook (nbformat), entry its manifest.Notebook, release the released
    notebook it started from (see notebook_cells)."""
    items = [item.id for item in entry.items if not item.written]
    verdicts = {}
    cells = notebook_cells(nb, release)
    with Sandbox(cells, limits) as box:
        pending = list(items)
        while pending:
            try:
                errors = box.start()
            except SandboxFailure as failure:
                for name in pending:
                    verdicts[name] = Verdict(name, failure.status, failure.message)
                break
            while pending:
                name = pending.pop(0)
                try:
                    judge.run(name, lambda args, name=name: box.call(name, args), seed)
                    verdicts[name] = Verdict(name, "ok", "")
                except CheckFailed as failure:
                    message = str(failure)
                    if name in errors and "is not defined" in message:
                        message = f"its cell raised {errors[name]}"
                    verdicts[name] = Verdict(name, "failed", message)
                except SandboxFailure as failure:
                    verdicts[name] = Verdict(name, failure.status, failure.message)
                    break            # restart the sandbox for the items still pending
    return [verdicts[name] for name in items]


def grade_file(path, entry, seed=None, limits=Limits(), release=None):
    return grade_notebook(nbformat.read(path, as_version=4), entry, seed, limits, release)
