"""`make lab`'s terminals can run the course's command: JupyterLab opens a login shell by default,
which resets PATH, so `python -m grader check` found no `python`; the Makefile gives terminals a
plain bash that keeps the course's PATH. This starts the lab exactly as `make lab` would (its
command line from `make -n`), opens a terminal through the server's API and runs the command."""
import json
import os
import secrets
import shlex
import socket
import subprocess
import time
import urllib.request

from tornado import ioloop, websocket


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_lab_terminal_finds_the_course_python(root, tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    args = f"--port {port} --no-browser --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token}"
    dry = subprocess.run(["make", "-s", "-n", "lab", f"LAB_ARGS={args}"], cwd=root, capture_output=True, text=True)
    command = dry.stdout.replace("\\\n", " ").strip().splitlines()[-1]
    assert " lab " in command and "terminado_settings" in command, dry.stdout
    env = dict(os.environ, HOME=str(tmp_path), SHELL="/bin/bash",
               PATH=f"{root / '.venv' / 'bin'}{os.pathsep}/usr/bin:/bin")    # as make exports it
    lab = subprocess.Popen(shlex.split(command), cwd=root, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.25)
        request = urllib.request.Request(f"{base}/api/terminals?token={token}", method="POST", data=b"")
        name = json.load(urllib.request.urlopen(request, timeout=10))["name"]

        async def run():
            ws = await websocket.websocket_connect(f"ws://127.0.0.1:{port}/terminals/websocket/{name}?token={token}")
            ws.write_message(json.dumps(["stdin", "python -m grader --help | head -1; echo DONE-$((6 * 7))\r"]))
            out = ""
            while "DONE-42" not in out:
                message = await ws.read_message()
                if message is None:
                    break
                kind, *rest = json.loads(message)
                out += rest[0] if kind == "stdout" else ""
            return out

        out = ioloop.IOLoop.current().run_sync(run, timeout=60)
    finally:
        os.killpg(lab.pid, 15)
        lab.wait(timeout=30)
    assert "usage: python -m grader" in out, out
