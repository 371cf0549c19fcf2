"""The sandbox's system-call filter (grader.grading.syscall_filter), asked from inside a real
isolated sandbox (grader.grading.trusted.Sandbox, as the instructor's grader starts it): every
blocked family fails with EPERM (or ENOSYS), what a notebook needs still works, no user namespace
can be made, and the kernel's own /proc entries cannot be read."""

import errno
import json

import pytest

from grader.grading import isolation, syscall_filter, trusted

pytestmark = pytest.mark.skipif(isolation.problem() is not None, reason=f"no isolation here: {isolation.problem()}")

AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_VSOCK = 2, 10, 16, 17, 40
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW = 1, 2, 3
NETLINK_NETFILTER = 12

# (family, system call, arguments): each must fail with EPERM or ENOSYS inside a sandbox. The
# arguments are harmless even where a call were allowed (zeros, an unprivileged request).
NEW_USER, NEW_NET, NEW_NS, SIGCHLD = 0x10000000, 0x40000000, 0x20000, 17
BLOCKED = [
    ("namespaces", "unshare", [NEW_USER]),
    ("namespaces", "unshare", [NEW_NET]),
    ("namespaces", "unshare", [NEW_NS]),
    ("namespaces", "setns", [0, 0]),
    ("namespaces", "clone", [NEW_USER | SIGCHLD, 0, 0, 0, 0]),
    ("namespaces", "clone", [NEW_NET | SIGCHLD, 0, 0, 0, 0]),
    ("namespaces", "clone3", [0, 0]),
    ("keyring", "keyctl", [0, 0, 0, 0, 0]),
    ("keyring", "add_key", [0, 0, 0, 0, 0]),
    ("keyring", "request_key", [0, 0, 0, 0]),
    ("io_uring", "io_uring_setup", [1, 0]),
    ("io_uring", "io_uring_enter", [0, 0, 0, 0, 0, 0]),
    ("io_uring", "io_uring_register", [0, 0, 0, 0]),
    ("other processes", "ptrace", [0, 0, 0, 0]),
    ("other processes", "process_vm_readv", [1, 0, 0, 0, 0, 0]),
    ("other processes", "process_vm_writev", [1, 0, 0, 0, 0, 0]),
    ("other processes", "kcmp", [1, 1, 0, 0, 0]),
    ("other processes", "pidfd_getfd", [0, 0, 0]),
    ("kernel interfaces", "perf_event_open", [0, 0, -1, -1, 0]),
    ("kernel interfaces", "bpf", [0, 0, 0]),
    ("kernel interfaces", "userfaultfd", [0]),
    ("kernel interfaces", "syslog", [3, 0, 0]),
    ("kernel interfaces", "lookup_dcookie", [0, 0, 0]),
    ("kernel interfaces", "fanotify_init", [0, 0]),
    ("kernel interfaces", "inotify_init1", [0]),
    ("mounting", "mount", [0, 0, 0, 0, 0]),
    ("mounting", "umount2", [0, 0]),
    ("mounting", "pivot_root", [0, 0]),
    ("mounting", "chroot", [0]),
    ("mounting", "fsopen", [0, 0]),
    ("mounting", "fsmount", [0, 0, 0]),
    ("mounting", "move_mount", [0, 0, 0, 0, 0]),
    ("mounting", "open_tree", [0, 0, 0]),
    ("mounting", "name_to_handle_at", [0, 0, 0, 0, 0]),
    ("mounting", "open_by_handle_at", [0, 0, 0]),
    ("the machine", "reboot", [0, 0, 0, 0]),
    ("the machine", "init_module", [0, 0, 0]),
    ("the machine", "finit_module", [0, 0, 0]),
    ("the machine", "delete_module", [0, 0]),
    ("the machine", "kexec_load", [0, 0, 0, 0]),
    ("the machine", "kexec_file_load", [0, 0, 0, 0, 0]),
    ("the machine", "swapon", [0, 0]),
    ("the machine", "swapoff", [0]),
    ("the machine", "acct", [0]),
    ("the machine", "quotactl", [0, 0, 0, 0]),
    ("the machine", "sethostname", [0, 0]),
    ("the machine", "setdomainname", [0, 0]),
    ("the machine", "iopl", [0]),
    ("the machine", "ioperm", [0, 0, 0]),
    ("clocks", "settimeofday", [0, 0]),
    ("clocks", "clock_settime", [0, 0]),
    ("clocks", "clock_adjtime", [0, 0]),
    ("clocks", "adjtimex", [0]),
    ("memory policy", "set_mempolicy", [0, 0, 0]),
    ("memory policy", "mbind", [0, 0, 0, 0, 0, 0]),
    ("memory policy", "move_pages", [0, 0, 0, 0, 0, 0]),
    ("identity", "setuid", [0]),
    ("identity", "setgid", [0]),
    ("identity", "setresuid", [0, 0, 0]),
    ("identity", "setgroups", [0, 0]),
    ("identity", "capset", [0, 0]),
    ("identity", "personality", [0xFFFFFFFF]),
    ("message queues", "mq_open", [0, 0, 0, 0]),
    ("sockets", "socket", [AF_INET, SOCK_STREAM, 0]),
    ("sockets", "socket", [AF_INET6, SOCK_DGRAM, 0]),
    ("sockets", "socket", [AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER]),
    ("sockets", "socket", [AF_PACKET, SOCK_RAW, 0]),
    ("sockets", "socket", [AF_VSOCK, SOCK_STREAM, 0]),
    ("sockets", "socketpair", [AF_INET, SOCK_STREAM, 0, 0]),
]

# Asked inside the sandbox: each call by number, through the C library's syscall(); its errno.
PROBE = """
import ctypes, json, os, socket, threading, multiprocessing, tempfile

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long

def errnos(calls):
    out = []
    for number, args in calls:
        ctypes.set_errno(0)
        result = _libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
        out.append(ctypes.get_errno() if result == -1 else "returned %d" % result)
    return out

def works():
    done = {}
    a, b = socket.socketpair(socket.AF_UNIX)
    a.sendall(b"x"); done["unix socket"] = b.recv(1) == b"x"
    t = threading.Thread(target=lambda: done.setdefault("thread", True)); t.start(); t.join()
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    done["fork"] = os.waitpid(pid, 0)[1] >> 8 == 7
    with tempfile.NamedTemporaryFile("w+") as f:
        f.write("x"); f.flush(); f.seek(0); done["tmp file"] = f.read() == "x"
    import numpy, matplotlib.pyplot as plt
    plt.plot([1, 2]); plt.savefig("/tmp/figure.png"); done["matplotlib"] = os.path.getsize("/tmp/figure.png") > 0
    done["numpy"] = float(numpy.linalg.inv(numpy.eye(3) * 2)[0, 0]) == 0.5
    done["seccomp"] = [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")][0]
    return done

def kernel_entries(names):
    out = {}
    for name in names:
        try:
            with open("/proc/" + name, "rb") as f:
                out[name] = len(f.read(4096))
        except OSError as err:
            out[name] = err.strerror
    return out

def sigmoid(what):
    return json.dumps(errnos(what["calls"]) if what["ask"] == "calls" else works() if what["ask"] == "works"
                      else kernel_entries(what["names"]))
"""


def numbers():
    import pyseccomp

    arch = pyseccomp.system_arch()
    return {name: pyseccomp.resolve_syscall(arch, name) for _, name, _ in BLOCKED}


@pytest.fixture(scope="module")
def sandbox():
    with trusted.Sandbox(trusted.Limits(isolated=True, notebook_seconds=120)) as box:
        box.start()
        box.run(PROBE)
        yield lambda **what: json.loads(box.call("sigmoid", [what]))


def test_every_blocked_call_fails_with_eperm_or_enosys(sandbox):
    number = numbers()
    calls = [(family, name, args) for family, name, args in BLOCKED if number[name] >= 0]  # on this architecture
    got = sandbox(ask="calls", calls=[[number[name], args] for _, name, args in calls])
    wrong = [
        (family, name, args, errno.errorcode.get(e, e))
        for (family, name, args), e in zip(calls, got)
        if e not in (errno.EPERM, errno.ENOSYS)
    ]
    assert wrong == []
    assert {family for family, _, _ in calls} == {family for family, _, _ in BLOCKED}


def test_what_a_notebook_needs_still_works(sandbox):
    assert sandbox(ask="works") == {
        "unix socket": True,
        "thread": True,
        "fork": True,
        "tmp file": True,
        "matplotlib": True,
        "numpy": True,
        "seccomp": "2",
    }


def test_the_kernels_own_proc_entries_show_nothing(sandbox):
    names = [name for name in isolation.KERNEL_FILES if (isolation.Path("/proc") / name).is_file()]
    assert "kallsyms" in names
    seen = sandbox(ask="proc", names=names)
    assert {name: what for name, what in seen.items() if what not in (0, "Permission denied")} == {}


def test_the_probe_can_see_an_allowed_call():
    """The same probe outside any sandbox: an unblocked call returns, so a pass above means the filter."""
    import pyseccomp

    namespace = {}
    exec(PROBE, namespace)
    getpid = pyseccomp.resolve_syscall(pyseccomp.system_arch(), "getppid")
    assert namespace["errnos"]([[getpid, []]]) != [errno.EPERM]


def test_the_filter_allows_no_blocked_call_by_name():
    allowed = set(syscall_filter.allowed_names())
    assert allowed.isdisjoint({name for _, name, _ in BLOCKED}), "a call blocked above is in the allow-list"


GRADE_ONE = """
import sys
from pathlib import Path
import nbformat
from grader.learner import manifest
from grader.grading import isolation, trusted
print(isolation.problem())
nb = manifest.load()[0]
root = Path(sys.argv[1])
verdicts = trusted.grade_file(root / "solutions" / nb.id / nb.filename, nb, 0, trusted.Limits(isolated=True),
                              nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4))
print(sys.prefix, sum(v.status == "ok" for v in verdicts), len(verdicts))
"""


def test_a_course_whose_venv_is_a_symbolic_link_grades_as_usual(tmp_path, root):
    """Instructors keep environments elsewhere and link them: Python started through the link finds
    its virtual environment by that path, so the sandbox must have it there too."""
    import subprocess
    import sys

    link = tmp_path / "course" / ".venv"
    link.parent.mkdir()
    link.symlink_to(root / ".venv")
    out = subprocess.run(
        [str(link / "bin" / "python"), "-c", GRADE_ONE, str(root)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    problem, graded = out.stdout.splitlines()[-2:]
    prefix, ok, total = graded.split()
    assert problem == "None" and prefix == str(link) != sys.prefix
    assert ok == total and int(total) > 0


def test_a_start_up_failure_names_its_cause():
    assert "could not run Python" in isolation.start_failure("bwrap: execvp /x/.venv/bin/python: No such file", 1)
    assert "apt-get install bubblewrap" not in isolation.start_failure("bwrap: execvp /x: No such file", 1)
    assert "allow unprivileged user namespaces" in isolation.start_failure(
        "bwrap: setting up uid map: Permission denied", 1
    )
    assert "0.8 or newer" in isolation.start_failure("bwrap: Unknown option --disable-userns", 1)
