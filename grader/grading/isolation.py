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

# Sandboxes of a root grader run as SANDBOX_UIDS + the grading process's id: no account uses uids
# from a thousand million up (system and user accounts stay far below, container ranges too), and
# no two live processes share an id, so no two sandboxes running at once share a uid.
SANDBOX_UIDS = 1_000_000_000
SANDBOX_TMP = "/tmp"                 # the tmpfs, also the working folder
COURSE_LIB = "/opt/course"           # the learners' grader package and the sandbox's own script
# Variables that choose numerical back-ends (not secrets): tests run notebooks under several.
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")

FIX = ("Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`) "
       "and allow unprivileged user namespaces (Ubuntu 24.04+: `sysctl kernel.apparmor_restrict_unprivileged_userns=0`; "
       "older Debian: `sysctl kernel.unprivileged_userns_clone=1`; in a container: run it with user namespaces "
       "allowed, e.g. Docker's `--security-opt seccomp=unconfined`). macOS and Windows have neither: grade on "
       "Linux. Or grade without isolation, only for trusted submissions: --unsafe-no-isolation.")


def as_root():
    return os.geteuid() == 0


def sandbox_uid():
    """The uid this process's sandboxes run as (a process runs one sandbox at a time)."""
    return SANDBOX_UIDS + os.getpid() if as_root() else os.getuid()


def python_paths():
    """The folders Python and the course's packages need, outermost first, without repeats."""
    wanted = [sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    executable = Path(sys.executable).resolve().parent.parent
    wanted.append(str(executable))
    found = []
    for path in sorted({str(Path(p).resolve()) for p in wanted}, key=len):
        if not any(path == f or path.startswith(f + "/") for f in found) and path != "/usr" and not path.startswith("/usr/"):
            found.append(path)
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


def environment(pythonpath, extra=None):
    """The sandbox's whole environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": SANDBOX_TMP, "PYTHONPATH": pythonpath, "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": f"{SANDBOX_TMP}/.matplotlib", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "LANG": "C.UTF-8"}
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


def command(argv, course_lib, tmp_bytes, env, stage=None):
    """The argument list that runs argv in a new sandbox (see the module's docstring).
    course_lib is a host folder bound read-only at COURSE_LIB; tmp_bytes the size of the tmpfs;
    env the whole environment; stage a Stage, needed when running as root."""
    binds = [(src, dest) for src, dest, kind in system_binds() if kind == "bind"]
    binds += [(path, path) for path in python_paths()]
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
    bwrap = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
             "--cap-drop", "ALL", "--hostname", "sandbox",
             "--size", str(int(tmp_bytes)), "--tmpfs", SANDBOX_TMP]     # first: a bind may lie below /tmp
    for src, dest in binds:
        bwrap += ["--ro-bind", src, dest]
    for target, link, kind in system_binds():
        if kind == "symlink":
            bwrap += ["--symlink", target, link]
    bwrap += ["--proc", "/proc", "--dev", "/dev", "--chdir", SANDBOX_TMP, "--clearenv"]
    for key, value in env.items():
        bwrap += ["--setenv", key, value]
    bwrap += ["--", *argv]
    if not as_root():
        return bwrap
    uid = sandbox_uid()
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all"]
    script = " && ".join(mounts + ["exec " + shlex.join(drop + bwrap)])
    return ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script]


@functools.lru_cache(maxsize=1)
def problem():
    """Why sandboxes cannot be started here, or None: bubblewrap (and, as root, unshare and
    setpriv) must be installed and a sandbox must start and see itself unprivileged."""
    needed = ["bwrap"] + (["unshare", "setpriv"] if as_root() else [])
    missing = [tool for tool in needed if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} is not installed. {FIX}"
    lib = Path(tempfile.mkdtemp(prefix="sandbox-probe-"))
    stage = Stage() if as_root() else None
    try:
        lib.chmod(0o755)
        probe = "import os, sys; print(os.getuid(), os.path.exists(sys.argv[1]))"
        argv = command([sys.executable, "-S", "-c", probe, str(Path(__file__).resolve())], lib, 2 ** 20,
                       environment(""), stage)
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"a sandbox could not be started ({err}). {FIX}"
        if out.returncode != 0:
            reason = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit code {out.returncode}"
            return f"a sandbox could not be started ({reason}). {FIX}"
        if out.stdout.split() != [str(sandbox_uid()), "False"]:
            return f"a sandbox started but was not isolated (it answered {out.stdout.strip()!r}). {FIX}"
        return None
    finally:
        shutil.rmtree(lib, ignore_errors=True)
        if stage is not None:
            stage.remove()
