"""A learner's trial of the bundle, as a learner meets it: unpack the zip, follow its README's
set-up steps verbatim in a fresh virtual environment (pip installs the learner wheel and its
dependencies from PyPI: this test needs the network), then work in it. Nothing of this checkout is
importable there. Every release notebook, filled with the solutions' answers, runs in a kernel of
that environment started in the notebook's own folder (as JupyterLab starts it) with no error and
full marks in its last cell; the check command that cell prints, and the README's, give full marks
from the bundle's folder; and `jupyter lab` started there runs a notebook's kernel that imports
the installed `grader`.

One environment for the module (a module-scoped fixture: conftest.py runs these tests in one
worker); its pip cache and HOME are the test's own.
"""

import asyncio
import json
import os
import re
import shlex
import socket
import subprocess
import time
import urllib.request
import uuid
import zipfile

import nbformat
import pytest

from grader.authoring.bundle import DISTRIBUTION, INSTRUCTOR_ONLY, bundle, version
from grader.authoring.release import filled, solution_answers
from grader.learner import manifest

NOTEBOOKS = manifest.load()

# Runs a notebook with the learner environment's own nbclient, kernel "python3" (the environment's
# ipykernel), in the folder given: JupyterLab's way of starting a notebook's kernel. The client is
# the one `python -m grader check` uses (selfcheck.notebook_client: nbclient, without its stall on
# widget cells).
RUN_NOTEBOOK = """\
import sys
import nbformat
from grader.learner.selfcheck import notebook_client

source, out, folder = sys.argv[1:]
nb = nbformat.read(source, as_version=4)
notebook_client(nb, folder, timeout=600).execute()     # raises on any cell's error
nbformat.write(nb, out)
"""


def readme_block(readme, containing):
    """The lines of the README's first bash block that contains `containing`."""
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    block = next(b for b in blocks if containing in b)
    return [line for line in block.splitlines() if line.strip()]


def learner_environ(home):
    """The test's environment less what points at this checkout or its tools (a learner's terminal
    has none of it), with a HOME of its own and pip's cache below it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PYTHONPATH",
            "VIRTUAL_ENV",
            "JUPYTER_PATH",
            "JUPYTER_CONFIG_PATH",
            "JUPYTER_DATA_DIR",
            "JUPYTER_CONFIG_DIR",
            "MPLBACKEND",
            "PYTHONDONTWRITEBYTECODE",
        )
    }
    env.update(
        HOME=str(home),
        PIP_CACHE_DIR=str(home / "pip-cache"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        # pip would byte-compile every module it installs, most of which the trial never
        # imports; Python caches the bytecode of what it imports, the first time
        # (a learner's pip compiles: the same files, at another moment)
        PIP_NO_COMPILE="1",
    )
    return env


class Trial:
    def __init__(self, folder, env, install_seconds, readme):
        self.folder = folder
        self.env = env
        self.install_seconds = install_seconds
        self.readme = readme
        self.python = folder / ".venv" / "bin" / "python"

    def run(self, args, cwd=None, timeout=900):
        return subprocess.run(
            args, cwd=cwd or self.folder, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def python_code(self, code, cwd=None):
        proc = self.run([str(self.python), "-c", code], cwd=cwd)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    def save_filled(self, nb):
        """The release notebook with the solutions' answers, saved where the learner works on it."""
        path = self.folder / "notebooks" / nb.id / nb.filename
        nbformat.write(filled(nb, solution_answers(nb)), path)
        return path


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    base = tmp_path_factory.mktemp("trial")
    names = bundle(base / "course.zip")
    folder = base / "course"
    with zipfile.ZipFile(base / "course.zip") as zf:
        zf.extractall(folder)
    assert not any(n.startswith("grader/") for n in names)
    home = base / "home"
    home.mkdir()
    env = learner_environ(home)
    readme = (folder / "README.md").read_text()
    steps = readme_block(readme, "pip install")
    assert steps[-1] == "jupyter lab", steps  # a server that runs until stopped: tested below
    script = "set -euo pipefail\n" + "\n".join(steps[:-1]) + "\n"
    start = time.perf_counter()
    proc = subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True, timeout=1200)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, f"the README's steps failed:\n{script}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    print(f"README's set-up steps (fresh venv, pip install -r requirements.txt) took {seconds:.0f} s")
    return Trial(folder, env, seconds, readme)


def test_the_readme_installs_the_learner_wheel_and_nothing_of_the_checkout(trial):
    assert trial.python.exists()
    purelib = trial.python_code("import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    assert purelib.startswith(str(trial.folder / ".venv"))
    probe = (
        "import grader, importlib.util, sys\n"
        "print(grader.__file__)\n"
        f"print([m for m in {['grader.' + m for m in INSTRUCTOR_ONLY]!r} if importlib.util.find_spec(m)])\n"
        "print(importlib.util.find_spec('nbgrader'))\n"
    )
    for cwd in (trial.folder, trial.folder / "notebooks" / NOTEBOOKS[0].id):
        where, found, nbgrader = trial.python_code(probe, cwd=cwd).splitlines()
        assert where == f"{purelib}/grader/__init__.py", where
        assert found == "[]" and nbgrader == "None"
    for module in INSTRUCTOR_ONLY:
        proc = trial.run([str(trial.python), "-c", f"import grader.{module}"])
        assert proc.returncode != 0 and f"No module named 'grader.{module}'" in proc.stderr
    installed = trial.python_code(f"from importlib.metadata import version; print(version({DISTRIBUTION!r}))").strip()
    assert installed == version()
    proc = trial.run([str(trial.python), "-m", "grader", "--help"])
    assert proc.returncode == 0 and proc.stdout.startswith("usage: python -m grader [-h] {check} ..."), proc.stdout


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_a_solved_notebook_gets_full_marks_in_its_last_cell_and_from_the_command_it_prints(trial, nb, tmp_path):
    path = trial.save_filled(nb)
    notebook = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell(
        "import grader, os, sys\nprint(grader.__file__)\nprint(os.getcwd())\nprint(sys.executable)"
    )
    notebook.cells.insert(0, probe)
    source, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook, source)
    (tmp_path / "run_notebook.py").write_text(RUN_NOTEBOOK)
    proc = trial.run([str(trial.python), str(tmp_path / "run_notebook.py"), str(source), str(out), str(path.parent)])
    assert proc.returncode == 0, proc.stderr[-5000:]
    executed = nbformat.read(out, as_version=4)

    where, cwd, python = executed.cells[0].outputs[0].text.splitlines()
    assert where.startswith(str(trial.folder / ".venv")) and where.endswith("site-packages/grader/__init__.py")
    assert cwd == str(path.parent) and python == str(trial.python)
    for cell in executed.cells:
        if cell.cell_type == "code":
            assert not any(o.output_type == "error" for o in cell.outputs), cell.source[:300]
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert not any(o.get("name") == "stderr" for o in cell.outputs), (cell.source, cell.outputs)

    last = executed.cells[-1]
    assert "selfcheck.summary" in last.source
    summary = "".join(o.get("text", "") for o in last.outputs)
    assert f"{nb.auto_points:g} of {nb.auto_points:g} autograded points pass here." in summary, summary
    for item in nb.items:
        assert re.search(rf"^  {re.escape(item.id)} .*(passes|graded by your instructor)$", summary, re.M), summary

    # The command the last cell prints for a terminal (JupyterLab's opens in the bundle's folder)
    lines = summary.splitlines()
    command = lines[lines.index("To check the saved notebook from scratch (save it first), in a terminal:") + 1]
    args = shlex.split(command)
    assert args[:4] == [str(trial.python), "-m", "grader", "check"] and args[4] == str(path), command
    proc = trial.run(args, cwd=trial.folder)
    n = sum(not item.written for item in nb.items)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"total: {nb.auto_points:g} / {nb.auto_points:g} points; {n} of {n} items pass" in proc.stdout, proc.stdout


def test_the_readmes_check_command(trial):
    """The README's check command, verbatim, from the bundle's folder with the environment active."""
    (command,) = readme_block(trial.readme, "grader check")
    first = NOTEBOOKS[0]
    assert command == f"python -m grader check notebooks/{first.id}/{first.filename}"
    trial.save_filled(first)
    proc = trial.run(["bash", "-c", f"set -e; source .venv/bin/activate; {command}"])
    n = sum(not item.written for item in first.items)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"total: {first.auto_points:g} / {first.auto_points:g} points; {n} of {n} items pass" in proc.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_in_kernel(url, token, kernel_id, code, timeout=60):
    """Execute code in a running kernel through the server's websocket; its stdout."""
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(f"{url.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels?token={token}")
    msg_id = uuid.uuid4().hex
    ws.write_message(
        json.dumps(
            {
                "channel": "shell",
                "buffers": [],
                "metadata": {},
                "parent_header": {},
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "username": "learner",
                    "session": uuid.uuid4().hex,
                    "version": "5.3",
                },
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
    )
    text, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            text.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            text.append("\n".join(msg["content"]["traceback"]))
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    ws.close()
    return "".join(text)


def test_jupyter_lab_from_the_bundle_folder_runs_a_notebooks_kernel_that_imports_grader(trial):
    """The README's last step: `jupyter lab` in the bundle's folder (here headless, on a free
    port, as root where the tests run as root). A notebook's kernel starts in the notebook's
    folder, where the learner package must import: the first cell of every notebook imports it."""
    port, token = free_port(), uuid.uuid4().hex
    args = [
        str(trial.folder / ".venv" / "bin" / "jupyter"),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
    ]
    if os.geteuid() == 0:
        args.append("--allow-root")
    log = trial.folder.parent / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(args, cwd=trial.folder, env=trial.env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}

    def api(path, data=None):
        request = urllib.request.Request(
            url + path,
            headers=headers,
            method="POST" if data else "GET",
            data=json.dumps(data).encode() if data else None,
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    try:
        for _ in range(120):
            try:
                api("/api/status")
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                time.sleep(0.5)
        else:
            pytest.fail(f"jupyter lab did not answer:\n{log.read_text()}")
        listing = {entry["name"] for entry in api("/api/contents/notebooks")["content"]}
        assert listing == {nb.id for nb in NOTEBOOKS}
        nb = NOTEBOOKS[1]
        session = api(
            "/api/sessions",
            {
                "path": f"notebooks/{nb.id}/{nb.filename}",
                "type": "notebook",
                "name": nb.filename,
                "kernel": {"name": "python3"},
            },
        )
        code = (
            "import os, sys, grader\nfrom grader.learner import checks\n"
            "print(grader.__file__); print(os.getcwd()); print(sys.executable)"
        )
        output = asyncio.run(run_in_kernel(url, token, session["kernel"]["id"], code))
        where, cwd, python = output.splitlines()[-3:]
        assert where.startswith(str(trial.folder / ".venv")) and where.endswith("site-packages/grader/__init__.py"), (
            output
        )
        assert cwd == str(trial.folder / "notebooks" / nb.id) and python == str(trial.python)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
