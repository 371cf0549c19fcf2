"""Bubblewrap sandboxes: how a learner's code is started when an instructor grades it.

`command(...)` gives the argument list that starts a program inside a new bubblewrap sandbox:

* new user, pid, network, ipc, uts and cgroup namespaces (`--unshare-all`), no capabilities, its
  own session (`--new-session`), and it dies with the grading process (`--die-with-parent`);
  killing the sandbox's first process ends the pid namespace and everything started in it;
* an unprivileged uid: the grading user's own when that is not root; when the grader runs as root
  (as CI does), a uid no account uses and no other sandbox has at the same time (`sandbox_uid()`),
  switched to before bubblewrap starts, with no supplementary groups and an empty capability
  bounding set. Linux counts a process limit per uid: with a uid of its own, a sandbox's fork bomb
  uses up its own 64 processes and never a classmate's;
* a filesystem of read-only binds of only what Python needs (the system's /usr, the Python
  installation, the course's virtual environment) and the folder holding the learners' `grader`
  package; a size-limited tmpfs for /tmp, which is also the working folder; a private /proc and
  a minimal /dev. The repository, solutions, reference, judge, other submissions, results,
  gradebook and the instructor's home are not there;
* a clean environment: only the variables named in `environment()`;
* no network: the sandbox talks to the grader over the two pipes it is started with.

Root and paths an unprivileged uid cannot reach: a Python installed under root's home (pyenv)
cannot be opened by the sandbox's uid. The grader then starts bubblewrap from a private mount namespace
(`unshare --mount`, util-linux) in which each bound folder is first bind-mounted, as root, onto a
stage folder that any uid can reach; bubblewrap binds the stage to the original path. Nothing
outside that private namespace changes.

`problem()` says why isolation cannot work on this machine (no bubblewrap, user namespaces
refused), or None.
"""

import functools
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from . import syscall_filter

# Sandboxes of a root grader run as SANDBOX_UIDS + the grading process's id: no account uses uids
# from a thousand million up (system and user accounts stay far below, container ranges too), and
# no two live processes share an id, so no two sandboxes running at once share a uid.
SANDBOX_UIDS = 1_000_000_000
SANDBOX_TMP = "/tmp"  # the tmpfs, also the working folder
COURSE_LIB = "/opt/course"  # the learners' grader package and the sandbox's own script
# Variables that choose numerical back-ends (not secrets): tests run notebooks under several.
# /proc entries about the kernel, not the sandbox's processes (hidden_kernel_entries).
KERNEL_FILES = (
    "kallsyms",
    "config.gz",
    "kcore",
    "keys",
    "key-users",
    "modules",
    "iomem",
    "ioports",
    "timer_list",
    "sched_debug",
    "latency_stats",
    "vmallocinfo",
    "slabinfo",
    "pagetypeinfo",
    "kpageflags",
    "kpagecount",
    "kpagecgroup",
    "sysrq-trigger",
    "lockdep",
    "lock_stat",
)
KERNEL_FOLDERS = ("acpi", "asound", "bus", "driver", "dynamic_debug", "fs", "irq", "scsi", "sysvipc", "tty")
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")

FIX = (
    "Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`) "
    "and allow unprivileged user namespaces (Ubuntu 24.04+: `sysctl kernel.apparmor_restrict_unprivileged_userns=0`; "
    "older Debian: `sysctl kernel.unprivileged_userns_clone=1`; in a container: run it with user namespaces "
    "allowed, e.g. Docker's `--security-opt seccomp=unconfined`). macOS and Windows have neither: grade on "
    "Linux. Or grade without isolation, only for trusted submissions: --unsafe-no-isolation."
)


def as_root():
    return os.geteuid() == 0


def sandbox_uid():
    """The uid this process's sandboxes run as (a process runs one sandbox at a time)."""
    return SANDBOX_UIDS + os.getpid() if as_root() else os.getuid()


def python_paths():
    """(source, destination) for the folders Python and the course's packages need, outermost
    first, without repeats. Each folder is bound at its real place and, where it is reached through
    a symbolic link (a course whose .venv links to an environment kept elsewhere), at the linked
    place too: Python finds its virtual environment by the path it was started from."""
    wanted = [
        sys.base_prefix,
        sys.prefix,
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
        str(Path(sys.executable).parent.parent),
        str(Path(sys.executable).resolve().parent.parent),
    ]
    pairs = set()
    for path in wanted:
        literal, real = os.path.abspath(path), str(Path(path).resolve())
        pairs |= {(real, real), (real, literal)}
    found = []
    for src, dest in sorted(pairs, key=lambda pair: (len(pair[1]), pair)):
        system = dest == "/usr" or dest.startswith("/usr/")
        inside = any(dest.startswith(d + "/") and src == s + dest[len(d) :] for s, d in found)
        if not system and not inside and all(dest != d for _, d in found):
            found.append((src, dest))
    return found


def system_binds():
    """(source, destination, kind) for the system's own folders: /usr, and /bin, /lib... as the
    host has them (symlinks into /usr on merged-/usr systems, real folders elsewhere)."""
    out = [("/usr", "/usr", "bind")]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            out.append((os.readlink(path), str(path), "symlink"))
        elif path.is_dir():
            out.append((str(path), str(path), "bind"))
    return out


def hidden_kernel_entries(proc="/proc"):
    """bubblewrap options that cover the /proc entries describing the kernel rather than the
    sandbox's own processes (symbol addresses, configuration, memory, keys, devices): files by
    /dev/null (bound without device access, so opening one is refused), folders by an empty
    read-only tmpfs. Only entries this kernel has."""
    options = []
    for name in KERNEL_FILES:
        if os.path.isfile(f"{proc}/{name}"):
            options += ["--ro-bind", "/dev/null", f"/proc/{name}"]
    for name in KERNEL_FOLDERS:
        if os.path.isdir(f"{proc}/{name}"):
            options += ["--perms", "0555", "--tmpfs", f"/proc/{name}", "--remount-ro", f"/proc/{name}"]
    return options


def environment(pythonpath, extra=None):
    """The sandbox's whole environment."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": SANDBOX_TMP,
        "PYTHONPATH": pythonpath,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{SANDBOX_TMP}/.matplotlib",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
    }
    env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    env.update(extra or {})
    return env


def _reachable_tmp():
    """The temporary folder if every folder above it lets others pass, otherwise /tmp."""
    path = Path(tempfile.gettempdir()).resolve()
    if all(p.stat().st_mode & 0o001 for p in [path, *path.parents]):
        return str(path)
    return "/tmp"


class Stage:
    """A folder any uid can reach, with one empty mount point per folder to stage (root only)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sandbox-stage-", dir=_reachable_tmp()))
        self.dir.chmod(0o755)
        self.points = {}

    def point(self, source):
        if source not in self.points:
            point = self.dir / str(len(self.points))
            point.mkdir(mode=0o755)
            self.points[source] = str(point)
        return self.points[source]

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def command(argv, course_lib, tmp_bytes, env, seccomp_fd, stage=None):
    """The argument list that runs argv in a new sandbox (see the module's docstring).
    course_lib is a host folder bound read-only at COURSE_LIB; tmp_bytes the size of the tmpfs;
    env the whole environment; seccomp_fd a file descriptor the sandbox inherits (pass_fds),
    holding the system-call filter (syscall_filter.program_fd()); stage a Stage, needed when
    running as root."""
    binds = [(src, dest) for src, dest, kind in system_binds() if kind == "bind"]
    binds += python_paths()
    binds.append((str(course_lib), COURSE_LIB))
    mounts = []
    if as_root():
        if stage is None:
            raise ValueError("running as root needs a Stage")
        staged = []
        for src, dest in binds:
            point = stage.point(src)
            mounts.append(f"mount --bind {shlex.quote(src)} {shlex.quote(point)}")
            staged.append((point, dest))
        binds = staged
    bwrap = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
        "--seccomp",
        str(seccomp_fd),
        "--size",
        str(int(tmp_bytes)),
        "--tmpfs",
        SANDBOX_TMP,
    ]  # first: a bind may lie below /tmp
    for src, dest in binds:
        bwrap += ["--ro-bind", src, dest]
    for target, link, kind in system_binds():
        if kind == "symlink":
            bwrap += ["--symlink", target, link]
    bwrap += ["--proc", "/proc", "--dev", "/dev"]
    bwrap += hidden_kernel_entries()
    bwrap += ["--chdir", SANDBOX_TMP, "--clearenv"]
    for key, value in env.items():
        bwrap += ["--setenv", key, value]
    bwrap += ["--", *argv]
    if not as_root():
        return bwrap
    uid = sandbox_uid()
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
    script = " && ".join(mounts + ["exec " + shlex.join(drop + bwrap)])
    return ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script]


def start_failure(stderr, returncode):
    """Why a sandbox did not start, from bubblewrap's own words, with the fix for that cause."""
    lines = stderr.strip().splitlines()
    reason = lines[-1] if lines else f"exit code {returncode}"
    if "execvp" in reason:
        return (
            f"bubblewrap started a sandbox but could not run Python in it ({reason}): the sandbox binds "
            f"{', '.join(dest for _, dest in python_paths())} and /usr. Start the grader with the course's "
            "own Python (e.g. .venv/bin/python -m grader ...)."
        )
    if "seccomp" in reason.lower():
        return f"bubblewrap could not load the sandbox's system-call filter ({reason}). Use bubblewrap 0.8 or newer."
    if "disable-userns" in reason or "unrecognized option" in reason.lower() or "Unknown option" in reason:
        return f"this bubblewrap is too old ({reason}). Install bubblewrap 0.8 or newer."
    return f"a sandbox could not be started ({reason}). {FIX}"


@functools.lru_cache(maxsize=1)
def problem():
    """Why sandboxes cannot be started here, or None: bubblewrap (and, as root, unshare and
    setpriv) and libseccomp must be installed, and a sandbox must start, see itself unprivileged
    and not see the grader's files, under its system-call filter."""
    needed = ["bwrap"] + (["unshare", "setpriv"] if as_root() else [])
    missing = [tool for tool in needed if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} is not installed. {FIX}"
    try:
        seccomp_fd = syscall_filter.program_fd()
    except (ImportError, OSError, RuntimeError) as err:
        return (
            f"the sandbox's system-call filter cannot be built ({type(err).__name__}: {err}). Install "
            "libseccomp (Debian/Ubuntu: `apt-get install libseccomp2`; Fedora: `dnf install libseccomp`)."
        )
    lib = Path(tempfile.mkdtemp(prefix="sandbox-probe-"))
    stage = Stage() if as_root() else None
    try:
        lib.chmod(0o755)
        probe = (
            "import os, sys; seccomp = [l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')]; "
            "print(os.getuid(), os.path.exists(sys.argv[1]), *seccomp)"
        )
        argv = command(
            [sys.executable, "-S", "-c", probe, str(Path(__file__).resolve())],
            lib,
            2**20,
            environment(""),
            seccomp_fd,
            stage,
        )
        try:
            out = subprocess.run(
                argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, pass_fds=(seccomp_fd,)
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"a sandbox could not be started ({err}). {FIX}"
        if out.returncode != 0:
            return start_failure(out.stderr, out.returncode)
        if out.stdout.split() != [str(sandbox_uid()), "False", "2"]:
            return (
                f"a sandbox started but was not isolated (uid, grader visible, seccomp mode: "
                f"{out.stdout.strip()!r}; wanted {sandbox_uid()} False 2). {FIX}"
            )
        return None
    finally:
        os.close(seccomp_fd)
        shutil.rmtree(lib, ignore_errors=True)
        if stage is not None:
            stage.remove()
