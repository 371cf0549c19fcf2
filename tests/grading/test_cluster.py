"""`autograde --cluster`: four students of the sample class (every kind of submission but broken
files, which never reach a worker) graded through a real `dask scheduler` and two `dask worker`
processes on 127.0.0.1 give the CSVs of a local run; a worker killed mid-run loses nothing,
doubles nothing and leaves no process behind; plain tcp:// to another machine is refused unless
allowed; tls:// works with the cluster's certificates and refuses a client without them."""

import csv
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from conftest import processes_with

from grader.cli import main
from grader.grading import cluster as cluster_module
from grader.grading.autograde import autograde
from grader.grading.cluster import ClusterRefused, WorkerNeeds, cluster, code_digest, worker_problems

DASK = str(Path(sys.executable).parent / "dask")
LIMITS = {"timeout": 10, "notebook_timeout": 60, "progress": False}  # as tests/e2e/test_examples.py grades it
KILLED_RUN = ["s04", "s09"]  # mistakes in every notebook; endless loops, crashes, a memory bomb
# correct work, KILLED_RUN, and tampered test cells: 19 notebooks (the whole class is 46, and
# tests/e2e/test_examples.py grades all of it locally)
STUDENTS = ["s01", "s04", "s07", "s09"]


class DaskProcesses:
    """A `dask scheduler` and `dask worker`s started by a test, on 127.0.0.1 only, each worker in a
    scratch folder of its own (its TMPDIR: its grading processes and sandboxes can be told apart),
    stopped by their process ids."""

    def __init__(self, base, tls=()):
        self.base, self.tls, self.procs, self.workers = Path(base), tls, [], {}
        self.file = self.base / "scheduler.json"
        self.certificates = ["--tls-ca-file", tls[0], "--tls-cert", tls[1], "--tls-key", tls[2]] if tls else []
        self._start(
            "scheduler",
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(self.file),
            ]
            + (["--protocol", "tls", *self.certificates] if tls else []),
        )
        deadline = time.monotonic() + 60
        while not self.file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]

    def _start(self, name, cmd, **env):
        scratch = self.base / name
        scratch.mkdir()
        log = open(self.base / f"{name}.log", "w")
        proc = subprocess.Popen(
            cmd,
            cwd=scratch,
            env=dict(os.environ, TMPDIR=str(scratch), **env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc, scratch

    def worker(self, name, nanny=False, **env):
        proc, scratch = self._start(
            name,
            [
                DASK,
                "worker",
                "--scheduler-file",
                str(self.file),
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
                "--local-directory",
                str(self.base / name),
                "--nanny" if nanny else "--no-nanny",
                *self.certificates,
            ],
            **env,
        )
        self.workers[name] = (proc, scratch)
        return proc

    def security(self):
        from distributed.security import Security

        if not self.tls:
            return None
        return Security(
            tls_ca_file=self.tls[0], tls_client_cert=self.tls[1], tls_client_key=self.tls[2], require_encryption=True
        )

    def wait_for_workers(self, n):
        from distributed import Client

        with Client(self.address, security=self.security(), timeout=60, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=120)

    def log(self, name):
        return (self.base / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self):
        """The workers, then the scheduler (a worker stopped after it waits for it to answer)."""
        workers = [proc for proc in self.procs[1:] if proc.poll() is None]
        for group in (workers, self.procs[:1]):
            for proc in group:
                proc.terminate()
            for proc in group:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def csv_rows(out, name, keep=None):
    """The rows of a results CSV, header first, and of the others those keep(row) accepts."""
    with open(out / name, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[:1] + [row for row in rows[1:] if keep is None or keep(row)]


def wait_until_gone(folder, seconds=15):
    deadline = time.monotonic() + seconds
    while (left := processes_with(str(folder))) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def process_name(process):
    try:
        return process.name()
    except psutil.Error:
        return None


def running(process):
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.fixture(scope="module")
def students(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    for student in STUDENTS:
        shutil.copytree(root / "examples" / "class" / student, folder / student)
    return folder


@pytest.fixture(scope="module")
def local_run(students, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    autograde(students, out, jobs=2, **LIMITS)
    return out


@pytest.fixture(scope="module")
def two_workers(local_run, tmp_path_factory):
    dask = DaskProcesses(tmp_path_factory.mktemp("dask", numbered=True))
    try:
        dask.worker("a")
        dask.worker("b")
        dask.wait_for_workers(2)
        yield dask
    finally:
        dask.stop()


def test_four_students_graded_on_two_dask_workers_give_the_local_csvs(students, local_run, two_workers, tmp_path):
    out = tmp_path / "results"
    autograde(students, out, cluster=cluster(two_workers.address), **LIMITS)
    for name in ("grades.csv", "summary.csv"):
        assert csv_rows(out, name) == csv_rows(local_run, name), name
    for name, (_, scratch) in two_workers.workers.items():  # both graded: each started its grading processes
        assert any("forkserver" in cmd for cmd in processes_with(str(scratch))), two_workers.log(name)
    assert not list(out.glob(".cluster-check-*")) and not list(out.glob(".unpacked-*"))


def test_a_sqlite_gradebook_is_refused_for_workers_on_other_machines(root, two_workers, tmp_path, monkeypatch):
    (tmp_path / "class" / "s01").mkdir(parents=True)
    shutil.copy(root / "examples" / "class" / "s01" / "01_chain_rule.ipynb", tmp_path / "class" / "s01")
    monkeypatch.setattr(cluster_module, "machine", lambda: "another machine")  # as this process sees it
    with pytest.raises(ClusterRefused, match="cannot share a SQLite gradebook.*--db postgresql://"):
        autograde(tmp_path / "class", tmp_path / "out", cluster=cluster(two_workers.address), **LIMITS)
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_nothing(root, local_run, two_workers, tmp_path):
    classroom = tmp_path / "class"
    for student in KILLED_RUN:
        shutil.copytree(root / "examples" / "class" / student, classroom / student)
    out = tmp_path / "results"
    victim, scratch = two_workers.workers["a"]
    killed = {}

    def kill_worker_a_while_it_grades():
        """SIGKILL worker a once a few notebooks are graded and it is running a sandbox (its grading
        process has children); note what it had started."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and "after" not in killed:
            pages = len(list((out / "feedback").rglob("*.html")))
            started = psutil.Process(victim.pid).children(recursive=True)
            if pages >= 3 and any(process_name(p) in ("unshare", "sh", "setpriv", "bwrap") for p in started):
                os.kill(victim.pid, signal.SIGKILL)
                victim.wait()
                killed.update(after=pages, started=started)
            time.sleep(0.1)

    killer = threading.Thread(target=kill_worker_a_while_it_grades)
    killer.start()
    try:
        rows, _ = autograde(classroom, out, cluster=cluster(two_workers.address), **LIMITS)
    finally:
        killed.setdefault("after", None)
        killer.join()
    notebooks = sum(1 for _ in classroom.rglob("*.ipynb"))
    assert killed["after"] is not None and killed["after"] < notebooks, "worker a was not killed mid-run"
    graded = {(r.student, r.notebook) for r in rows if r.status != "missing"}
    assert len(graded) == notebooks
    keys = [(r.student, r.notebook, r.item) for r in rows]
    assert len(keys) == len(set(keys))  # no duplicate rows
    for name in ("grades.csv", "summary.csv"):
        assert csv_rows(out, name) == csv_rows(local_run, name, lambda row: row[0] in KILLED_RUN), name
    deadline = time.monotonic() + 10
    while (alive := [p for p in killed["started"] if running(p)]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not alive, f"the killed worker's grading processes or sandboxes live on: {alive}"
    assert not wait_until_gone(scratch) and not wait_until_gone(out)


def test_plain_tcp_to_another_machine_is_refused_unless_allowed(tmp_path, capsys):
    for address in ("tcp://10.1.2.3:8786", "tcp://grading.example.org:8786", "tcp://[2001:db8::1]:8786"):
        with pytest.raises(ClusterRefused, match="neither encrypted nor authenticated"):
            cluster(address)
        assert cluster(address, allow_plaintext=True).address == address  # checked, not connected to
    for address in ("tcp://127.0.0.1:8786", "tcp://127.3.4.5:1", "tcp://localhost:8786", "tcp://[::1]:8786"):
        assert cluster(address).address == address
    for address, reason in [
        ("tls://10.1.2.3:8786", "needs --tls-ca, --tls-cert, --tls-key"),
        ("10.1.2.3:8786", "give the scheduler's address"),
        ("ucx://127.0.0.1:8786", "give the scheduler's address"),
    ]:
        with pytest.raises(ClusterRefused, match=reason):
            cluster(address)
    with pytest.raises(ClusterRefused, match="use tls://"):
        cluster("tcp://127.0.0.1:8786", tls_ca=__file__)
    assert main(["autograde", str(tmp_path), "--out", str(tmp_path / "out"), "--cluster", "tcp://10.1.2.3:8786"]) == 2
    assert "--cluster-allow-plaintext" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_worker_says_what_keeps_it_from_grading(root, tmp_path):
    """The checks every worker runs before grading (and again when a task reaches a worker that
    joined later), here in this process and in a daemonic one, as a Dask nanny starts workers."""
    import multiprocessing

    (tmp_path / "token").write_text("run 1")
    fine = WorkerNeeds((str(root), str(tmp_path)), str(tmp_path / "token"), "run 1", code_digest(root), False)
    assert worker_problems(fine) == []
    for changed, problem in [
        ({"paths": (str(root), str(tmp_path / "elsewhere"))}, "cannot see .*elsewhere .*shared"),
        ({"token": "run 2"}, "is another folder than the grader's"),
        ({"version": "0" * 64}, "another version of the course"),
    ]:
        problems = worker_problems(replace(fine, **changed))
        assert len(problems) == 1 and re.search(problem, problems[0]), (problem, problems)
    with multiprocessing.get_context("spawn").Pool(1) as daemonic:  # pool processes are daemonic
        problems = daemonic.apply(worker_problems, (fine,))
    assert len(problems) == 1 and "DASK_DISTRIBUTED__WORKER__DAEMON=False" in problems[0]


def certificates(folder, name, ca=None):
    """An EC key and certificate; self-signed (a CA) when ca is None, else signed by ca (files)."""
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    if shutil.which("openssl") is None:
        pytest.fail("the TLS test makes its certificates with the openssl command: install openssl")
    new = [
        "openssl",
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        str(key),
        "-subj",
        f"/CN={name}",
    ]
    if ca is None:
        subprocess.run(new + ["-x509", "-days", "2", "-out", str(cert)], check=True, capture_output=True)
    else:
        request = folder / f"{name}.csr"
        subprocess.run(new + ["-out", str(request)], check=True, capture_output=True)
        subprocess.run(
            [
                "openssl",
                "x509",
                "-req",
                "-in",
                str(request),
                "-CA",
                str(ca[1]),
                "-CAkey",
                str(ca[0]),
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
    return key, cert


def scheduler_accepts(address, ca, cert=None, key=None):
    """Whether a TLS scheduler keeps a connection from a client with this certificate (or none)
    open after the handshake: one that refuses the client aborts it with an alert."""
    host, port = address.removeprefix("tls://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(ca))
    context.check_hostname = False  # Dask's certificates name no host
    if cert:
        context.load_cert_chain(str(cert), str(key))
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        try:
            with context.wrap_socket(raw) as connection:
                connection.settimeout(2)
                return connection.recv(1) != b""
        except TimeoutError:  # still open, waiting for Dask's first message
            return True
        except (ssl.SSLError, ConnectionResetError):
            return False


def test_tls_grades_with_certificates_and_refuses_clients_without(root, local_run, tmp_path_factory, tmp_path):
    folder = tmp_path_factory.mktemp("tls")
    ca = certificates(folder, "course-ca")
    node = certificates(folder, "node", ca)
    stranger_ca = certificates(folder, "other-ca")
    stranger = certificates(folder, "stranger", stranger_ca)
    tls = (str(ca[1]), str(node[1]), str(node[0]))
    dask = DaskProcesses(folder, tls)
    try:
        assert dask.address.startswith("tls://127.0.0.1:")
        picked = [("s04", "01_chain_rule"), ("s07", "02_worked_example")]
        for student, nb_id in picked:
            (tmp_path / "class" / student).mkdir(parents=True)
            shutil.copy(root / "examples" / "class" / student / f"{nb_id}.ipynb", tmp_path / "class" / student)
        spec = cluster(dask.address, *tls)

        dask.worker("w", nanny=True, DASK_DISTRIBUTED__WORKER__DAEMON="False")  # as docs/jupyterhub.md starts them
        rows, _ = autograde(tmp_path / "class", tmp_path / "out", cluster=spec, **LIMITS)
        assert {(r.student, r.notebook) for r in rows if r.status != "missing"} == set(picked)
        graded = lambda row: (row[0], row[1]) in picked  # noqa: E731
        assert csv_rows(tmp_path / "out", "grades.csv", graded) == csv_rows(local_run, "grades.csv", graded)

        node_files = (str(node[1]), str(node[0]))
        assert scheduler_accepts(dask.address, ca[1], *node_files)  # (the probe tells one from the other)
        assert not scheduler_accepts(dask.address, ca[1])  # no client certificate
        assert not scheduler_accepts(dask.address, ca[1], stranger[1], stranger[0])  # another CA's
        with pytest.raises(ClusterRefused, match="needs --tls-ca"):
            cluster(dask.address)
    finally:
        dask.stop()
    assert not wait_until_gone(folder)


def test_nothing_of_the_cluster_outlives_it(two_workers):
    """Last: the workers stopped by their ids leave none of their grading processes behind."""
    two_workers.stop()
    for name, (_, scratch) in two_workers.workers.items():
        assert not wait_until_gone(scratch), name
    assert not wait_until_gone(two_workers.base)
