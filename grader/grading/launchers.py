"""How a sandbox process starts, and the limits it starts with.

Three launchers start the same child (grader.grading.sandbox_child) and hand back a process with
stdin, stdout, pid, poll() and wait():

    Bubblewrap   an isolated sandbox (grader.grading.isolation): its own uid, no network, no view
                 of the course's files, a seccomp filter; what the instructor's grader uses
    ZygoteFork   a fork of a process that has already imported IPython and matplotlib (Zygote):
                 a sandbox in milliseconds, for the unisolated runs (the self-check's diagnosis,
                 --unsafe-no-isolation, the mutants' sweep)
    Plain        a fresh Python process, where no zygote can be had
    DroppedUid   for a root grader in a container without user namespaces (Gradescope's): a fresh
                 Python process as an unprivileged uid of its own, with the limits and the
                 system-call filter (no network: only Unix sockets); the grader's files must be
                 unreadable to other users (grader.grading.gradescope sees to that)

Whatever starts it, a child gets its resource limits from one place, rlimits(Limits).
"""

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import isolation, syscall_filter

SITE = sysconfig.get_paths()["purelib"]
CHILD = Path(__file__).with_name("sandbox_child.py")


@dataclass(frozen=True)
class Limits:
    notebook_seconds: float = 120.0  # the whole notebook: every cell, call and restart
    cell_seconds: float = 30.0  # one cell
    call_seconds: float = 30.0  # one call of a graded function
    memory_bytes: int = 3 * 2**30  # address space of the sandbox
    reply_bytes: int = 64 * 2**20  # the largest reply read from it
    file_bytes: int = 64 * 2**20  # the largest file it may write
    disk_bytes: int = 128 * 2**20  # its tmpfs, all files together (isolated sandboxes)
    processes: int = 64  # processes it may start
    isolated: bool = False  # a bubblewrap sandbox (grader.grading.isolation) for every start
    dropped_uid: bool = False  # else, as root: a process of an unprivileged uid (DroppedUid)


def process_limit(headroom, uid=None):
    """An RLIMIT_NPROC value allowing `headroom` more processes than user uid (default: this one)
    runs now, so a fork bomb stops there (Linux counts a user's processes; it does not limit root,
    which is why isolated sandboxes of a root grader run as a uid of their own)."""
    uid = os.getuid() if uid is None else uid
    running = sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid)
    hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    want = running + headroom
    return want if hard == resource.RLIM_INFINITY else min(want, hard)


def _owner(path):
    try:
        return path.stat().st_uid
    except OSError:
        return None


def rlimits(limits: "Limits", uid: int | None = None) -> dict[str, tuple[int, int]]:
    """A sandbox's resource limits, {resource name: (soft, hard)}, however it starts (bubblewrap's
    preexec function, a fork of the zygote): hard, so the learner's code cannot raise them again.
    CPU time is the notebook's whole budget; processes, `limits.processes` more than uid runs."""
    cpu = int(limits.notebook_seconds) + 5
    nproc = process_limit(limits.processes, uid)
    return {
        "RLIMIT_AS": (limits.memory_bytes,) * 2,
        "RLIMIT_FSIZE": (limits.file_bytes,) * 2,
        "RLIMIT_CORE": (0, 0),
        "RLIMIT_CPU": (cpu, cpu),
        "RLIMIT_NPROC": (nproc, nproc),
    }


def _preexec_limits(limits, uid=None):
    """The preexec function that sets a sandbox's limits (rlimits)."""
    chosen = rlimits(limits, uid)

    def apply():
        for name, pair in chosen.items():
            resource.setrlimit(getattr(resource, name), pair)

    return apply


def running_in_group(pgid):
    """Whether a process of group pgid is still running (zombies, dead but not yet collected by
    init, do not count). Without /proc: whether the group has any process at all."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    if not Path("/proc/self/stat").exists():
        return True
    for proc in Path("/proc").iterdir():
        try:
            state, _, group = (proc / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # not a process, or gone meanwhile
        if int(group) == pgid and state != "Z":
            return True
    return False


def _environment(home, pythonpath):
    """An unisolated sandbox's environment: an isolated one's (grader.grading.isolation.environment), with
    its own folder as home."""
    return isolation.environment(
        pythonpath,
        {
            "HOME": str(home),
            "MPLCONFIGDIR": str(Path(home) / ".matplotlib"),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        },
    )


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

    _running = {}  # {os.getpid(): Zygote}

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
        self.proc = subprocess.Popen(
            [sys.executable, "-S", str(self.home / "sandbox_child.py"), "--zygote", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            cwd=self.home,
            env=_environment(self.home, SITE),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        self.sock.settimeout(60)  # the first reply waits for the imports

    def fork(self, home, limits):
        """A Forked child whose stdin and stdout are pipes to this process."""
        to_child, child_in = os.pipe()[::-1]  # (write end, read end)
        child_out, from_child = os.pipe()[::-1]
        try:
            socket.send_fds(
                self.sock,
                [
                    json.dumps(
                        {
                            "home": str(home),
                            "env": _environment(home, f"{home}{os.pathsep}{SITE}"),
                            "rlimits": rlimits(limits),
                        }
                    ).encode()
                ],
                [child_in, child_out],
            )
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


class Bubblewrap:
    """Starts the child in a bubblewrap sandbox of its own (grader.grading.isolation), as the
    sandbox's uid, with the limits set before bubblewrap runs (they hold for everything inside)."""

    def __init__(self, stage=None):
        self.stage = stage  # isolation.Stage: the course's files staged for a root grader

    def start(self, home, limits):
        child = [sys.executable, "-S", f"{isolation.COURSE_LIB}/sandbox_child.py"]
        env = isolation.environment(f"{isolation.COURSE_LIB}{os.pathsep}{SITE}")
        seccomp_fd = syscall_filter.program_fd()
        try:
            argv = isolation.command(child, home, limits.disk_bytes, env, seccomp_fd, self.stage)
            return subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                pass_fds=(seccomp_fd,),
                start_new_session=True,
                preexec_fn=_preexec_limits(limits, isolation.sandbox_uid()),
            )
        finally:
            os.close(seccomp_fd)

    @staticmethod
    def exit_code(code):
        """The child's exit as subprocess gives it (a negative code: the signal that ended it):
        bubblewrap exits with 128 + the signal that ended the child."""
        return 128 - code if code is not None and code > 128 else code


class ZygoteFork:
    """Forks the child from this process's Zygote (OSError if there is none to be had)."""

    def start(self, home, limits):
        return Zygote.get().fork(home, limits)

    @staticmethod
    def exit_code(code):
        return code


class Plain:
    """Starts the child as a fresh Python process."""

    def start(self, home, limits):
        return subprocess.Popen(
            [sys.executable, "-S", str(Path(home) / "sandbox_child.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=home,
            env=_environment(home, f"{home}{os.pathsep}{SITE}"),
            start_new_session=True,
            preexec_fn=_preexec_limits(limits),
        )

    @staticmethod
    def exit_code(code):
        return code


class DroppedUid:
    """Starts the child as a fresh Python process of an unprivileged uid of its own (the
    sandbox's, isolation.sandbox_uid), with the limits and the system-call filter set before it
    runs; it reads the sandbox's home and writes only in a folder of its own there. end_all() ends
    every process of that uid, so none outlives the sandbox (not even one that left its session)."""

    def __init__(self):
        if os.geteuid() != 0:
            raise OSError("dropping to another uid needs root")
        self.uid = isolation.sandbox_uid()

    def start(self, home, limits):
        import pyseccomp  # noqa: F401 - the filter is loaded in the child: fail here, not there

        uid, chosen, rules = self.uid, rlimits(limits, self.uid), syscall_filter._build()
        own = Path(home) / "own"
        own.mkdir(exist_ok=True)
        os.chown(own, uid, uid)
        own.chmod(0o700)

        def drop():
            for name, pair in chosen.items():
                resource.setrlimit(getattr(resource, name), pair)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            rules.load()  # no new privileges, then the filter

        env = _environment(own, f"{home}{os.pathsep}{SITE}")
        return subprocess.Popen(
            [sys.executable, "-S", str(Path(home) / "sandbox_child.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=own,
            env=env,
            start_new_session=True,
            preexec_fn=drop,
        )

    def end_all(self):
        """SIGKILL every process of the sandbox's uid (from a process of that uid: kill(-1))."""
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                os.setresuid(self.uid, self.uid, self.uid)
                os.kill(-1, 9)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)

    @staticmethod
    def exit_code(code):
        return code


def launchers(limits, stage=None):
    """The launchers a sandbox with these limits tries, in order: bubblewrap alone when isolated
    (no fallback to less isolation), a dropped uid alone when asked for, else a zygote's fork, then
    a fresh process."""
    if limits.isolated:
        return [Bubblewrap(stage)]
    if limits.dropped_uid:
        return [DroppedUid()]
    return [ZygoteFork(), Plain()]


def start(tried, home, limits):
    """(process, its launcher) from the first of `tried` that starts; the last one's OSError if none does."""
    for launcher in tried[:-1]:
        try:
            return launcher.start(home, limits), launcher
        except OSError:
            continue
    return tried[-1].start(home, limits), tried[-1]
