"""`autograde --cluster ADDRESS`: the class graded by the workers of a Dask distributed cluster.

Each submission is one Dask task. On a worker, the task hands the submission to a grading
process of that worker's own (a pool made with workers.worker_processes, one process per
worker thread, kept between runs), started exactly as local grading starts its workers: the
memory limit, one BLAS thread, nbgrader loaded, learner code in the same bubblewrap sandboxes.
A Dask worker runs tasks in threads, so none of those process-wide settings touch it. The rows
come back to this process, which writes the gradebook's course, the CSVs and the report as for
a local run; the workers write feedback and the gradebook, so they must see the course, the
submissions and the results folder at the same paths (a shared filesystem), and a gradebook on
several machines must be a PostgreSQL server.

A worker lost mid-run: the scheduler runs its tasks again on another worker (Dask's
`distributed.scheduler.allowed-failures`, 3 by default; a task whose workers keep dying, more
of them than that, becomes an `error` row). Grading a submission again replaces its earlier files and updates the
gradebook in place, and each task's rows reach this process once, so nothing is lost or doubled.

Dask's tcp:// is neither encrypted nor authenticated: whoever reaches the scheduler can run code
on every worker. Only tls:// with certificates (checked both ways) is accepted to another
machine; tcp:// only to this machine (loopback), unless the instructor says otherwise.
"""

import contextlib
import functools
import hashlib
import importlib.metadata
import ipaddress
import multiprocessing
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import workers

WORKER_TIMEOUT = 60  # seconds to wait for a first worker, and for the scheduler to answer


class ClusterRefused(RuntimeError):
    """An address, certificates, scheduler or workers the grader will not grade with (the message says why)."""


@dataclass(frozen=True)
class Cluster:
    """A checked scheduler address and, for tls://, the certificates to connect with."""

    address: str
    tls: tuple = ()  # (CA file, certificate file, key file) for tls://

    def security(self):
        if not self.tls:
            return None
        from distributed.security import Security

        ca, cert, key = self.tls
        return Security(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, require_encryption=True)

    def executor(self, settings, folders):
        """Connect, check every worker (see worker_problems), and return a GradingExecutor."""
        return GradingExecutor(self, settings, folders)


def loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cluster(address, tls_ca=None, tls_cert=None, tls_key=None, allow_plaintext=False):
    """The Cluster for `--cluster ADDRESS` and its options, or ClusterRefused saying why not.
    Nothing is connected to: this only reads the address and checks that the files exist."""
    parts = urlsplit(address)
    try:
        host, _ = parts.hostname, parts.port
    except ValueError:
        host = None
    if parts.scheme not in ("tls", "tcp") or not host or parts.path not in ("", "/"):
        raise ClusterRefused(
            f"--cluster {address}: give the scheduler's address as tls://HOST:PORT "
            "(or tcp://127.0.0.1:PORT on this machine)"
        )
    files = {"--tls-ca": tls_ca, "--tls-cert": tls_cert, "--tls-key": tls_key}
    if parts.scheme == "tcp":
        if any(files.values()):
            raise ClusterRefused(f"--cluster {address}: certificates were given for plain tcp://; use tls://")
        if not loopback(host) and not allow_plaintext:
            raise ClusterRefused(
                f"--cluster {address}: Dask's tcp:// is neither encrypted nor authenticated, and anyone who can "
                "reach that scheduler can run code on its workers; use tls:// with --tls-ca, --tls-cert and "
                "--tls-key, or say --cluster-allow-plaintext if that network is yours alone"
            )
        return Cluster(address)
    missing = [flag for flag, path in files.items() if not path]
    if missing:
        raise ClusterRefused(
            f"--cluster {address}: tls:// needs {', '.join(missing)} (the cluster's CA, and this "
            "grader's certificate and key signed by it)"
        )
    for flag, path in files.items():
        if not Path(path).is_file():
            raise ClusterRefused(f"{flag} {path}: no such file")
    return Cluster(address, (str(tls_ca), str(tls_cert), str(tls_key)))


# ---------------------------------------------------------------------------------------------
# What every worker is checked for: the same files, the same course, able to grade
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerNeeds:
    paths: tuple  # folders the worker must see: the course, the submissions, the results
    token_file: str  # a file this run wrote into the results folder ...
    token: str  # ... and what it holds: the same folder, not only the same path
    version: str  # code_digest() here
    isolated: bool


def code_digest(root):
    """A digest of what decides a grade: the grader's code as this process imports it, the course's
    solutions and release notebooks under root, and nbgrader's version."""
    import grader

    digest = hashlib.sha256(importlib.metadata.version("nbgrader").encode())
    package = Path(grader.__file__).parent
    files = [
        (p.relative_to(package.parent), p)
        for p in sorted(package.rglob("*"))
        if p.suffix in (".py", ".toml", ".json") and "__pycache__" not in p.parts
    ]
    files += [
        (p.relative_to(root), p)
        for folder in ("solutions", "notebooks")
        for p in sorted(Path(root).glob(f"{folder}/*/*.ipynb"))
    ]
    for name, path in files:
        digest.update(f"\0{name.as_posix()}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def machine():
    """This machine's kernel (its boot id): processes that agree on it share SQLite's file locks."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return socket.gethostname()


@functools.lru_cache(maxsize=8)
def worker_problems(needs):
    """What stops this worker from grading as this run expects: a list of reasons, empty if none."""
    from . import isolation

    problems = [
        f"cannot see {path} (the workers need the course, the submissions and the results "
        "folder on a shared filesystem, at the same paths)"
        for path in needs.paths
        if not Path(path).exists()
    ]
    try:
        same_folder = Path(needs.token_file).read_text() == needs.token
    except OSError:
        same_folder = False
    if not problems and not same_folder:
        problems.append(
            f"its {Path(needs.token_file).parent} is another folder than the grader's "
            "(a shared filesystem, mounted at the same path, is needed)"
        )
    if not problems and code_digest(needs.paths[0]) != needs.version:
        problems.append(
            "it runs another version of the course (the grader's code, notebooks or nbgrader "
            "differ): install the same commit and constraints.txt on every worker"
        )
    if multiprocessing.current_process().daemon:
        problems.append(
            "it is a daemonic process (a Dask nanny's default) and cannot start grading processes: "
            "start the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False in their environment"
        )
    if needs.isolated and isolation.problem():
        problems.append(f"learner code cannot be isolated there: {isolation.problem()}")
    return problems


def _worker_facts(needs):
    return {"problems": worker_problems(needs), "machine": machine()}


# ---------------------------------------------------------------------------------------------
# On a worker
# ---------------------------------------------------------------------------------------------

_pools = {}
_pools_lock = threading.Lock()


def _grading_pool(memory_bytes, isolated):
    """This worker's grading processes, one per worker thread, started on first use."""
    from distributed import get_worker

    with _pools_lock:
        pool = _pools.get((memory_bytes, isolated))
        if pool is None:
            if isolated:
                workers.compile_sandbox_imports()
            pool = _pools[memory_bytes, isolated] = workers.worker_processes(
                get_worker().state.nthreads,
                _start_grading_process,
                (os.getpid(), memory_bytes, isolated, dict(os.environ)),
            )
        return pool


def _start_grading_process(dask_worker, memory_bytes, isolated, environ):
    """A local grading worker (workers.start_worker) that also ends, with any sandbox it runs,
    within a second of the Dask worker process that started it (killed, say): its parent is the
    fork server, which outlives that worker while grading processes are left."""
    import psutil

    watched = psutil.Process(dask_worker)  # is_running() also tells a reused process id

    def alive():
        try:
            return watched.is_running() and watched.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def watch():
        while alive():
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    workers.start_worker(memory_bytes, isolated, environ)


def run_on_worker(needs, memory_bytes, isolated, fn, *args):
    """A Dask task: fn(*args) in one of this worker's grading processes."""
    from concurrent.futures.process import BrokenProcessPool

    from distributed import get_worker

    problems = worker_problems(needs)
    if problems:
        raise ClusterRefused(f"worker {get_worker().address}: " + "; ".join(problems))
    pool = _grading_pool(memory_bytes, isolated)
    try:
        return pool.submit(fn, *args).result()
    except BrokenProcessPool:  # a grading process died: the next task gets new ones
        with _pools_lock:
            if _pools.get((memory_bytes, isolated)) is pool:
                del _pools[memory_bytes, isolated]
        pool.shutdown(wait=False)
        raise


# ---------------------------------------------------------------------------------------------
# On the grader's machine
# ---------------------------------------------------------------------------------------------


class GradingExecutor:
    """A concurrent.futures-style executor whose submit(fn, *args) runs fn(*args) in a grading
    process of some worker of the cluster. `threads` is the number of tasks the workers run at once."""

    def __init__(self, spec, settings, folders):
        from distributed import Client

        try:
            self.client = Client(spec.address, security=spec.security(), timeout=WORKER_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as err:
            raise ClusterRefused(f"cannot connect to the Dask scheduler at {spec.address}: {err}") from None
        token_file = Path(settings.out) / f".cluster-check-{secrets.token_hex(8)}"
        try:
            self.client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
            token_file.write_text(token := secrets.token_hex(16))
            self.needs = WorkerNeeds(
                tuple(str(p) for p in [settings.root, settings.out, *folders]),
                str(token_file),
                token,
                code_digest(settings.root),
                settings.isolated,
            )
            self._check(settings.db_url)
        except BaseException as err:
            self.client.close()
            token_file.unlink(missing_ok=True)
            if isinstance(err, TimeoutError):
                raise ClusterRefused(
                    f"no Dask worker joined the scheduler at {spec.address} within {WORKER_TIMEOUT} s"
                ) from None
            raise
        self.token_file = token_file
        self.threads = sum(self.client.nthreads().values())
        self.limits = (settings.memory_bytes, settings.isolated)
        self._tasks = self.client.get_executor(pure=False)

    def _check(self, db_url):
        facts = self.client.run(_worker_facts, self.needs, on_error="return")
        problems = [
            f"worker {worker}: "
            + (
                "; ".join(fact["problems"])
                if isinstance(fact, dict)
                else f"cannot run the grader ({type(fact).__name__}: {fact}); start it in the course's environment"
            )
            for worker, fact in sorted(facts.items())
            if not isinstance(fact, dict) or fact["problems"]
        ]
        if problems:
            raise ClusterRefused("\n".join(problems))
        elsewhere = sorted(worker for worker, fact in facts.items() if fact["machine"] != machine())
        if elsewhere and db_url.startswith("sqlite"):
            raise ClusterRefused(
                f"workers on other machines ({', '.join(elsewhere)}) cannot share a SQLite gradebook (its locks do "
                "not hold across machines): give a PostgreSQL one, --db postgresql://USER@HOST/DATABASE"
            )

    def submit(self, fn, *args):
        return self._tasks.submit(run_on_worker, self.needs, *self.limits, fn, *args)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):
            self._tasks.shutdown(wait=exc[0] is None)
        self.client.close()
        self.token_file.unlink(missing_ok=True)
