"""A JupyterLab server for tests, started exactly as a Makefile target starts it."""

import json
import os
import secrets
import shlex
import socket
import subprocess
import time
import urllib.request

from conftest import ROOT


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server started by `make <target> [make_vars]`'s own command line (from `make -n`,
    with the variables it sets), on 127.0.0.1 with a token, run in `folder` and serving it where
    the command would serve this repository; environ adds to the environment."""

    def __init__(self, target, folder, make_vars=(), **environ):
        self.port, self.token, self.folder = _free_port(), secrets.token_hex(16), folder
        args = f"--port {self.port} --no-browser --ServerApp.ip=127.0.0.1 --IdentityProvider.token={self.token}"
        dry = subprocess.run(
            ["make", "-s", "-n", target, f"LAB_ARGS={args}", *make_vars],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        words = shlex.split(dry.stdout.replace("\\\n", " ").strip().splitlines()[-1])
        env = dict(os.environ, **environ)
        while "=" in words[0] and not words[0].startswith("-"):  # VAR=value before the command
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        assert words[1:2] == ["lab"], dry.stdout
        self.command = [f"--ServerApp.root_dir={folder}" if w == f"--ServerApp.root_dir={ROOT}" else w for w in words]
        self.log = folder / "server.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=folder,
                env=env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        for _ in range(240):
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"the lab did not start:\n{self.log.read_text()}")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}{'&' if '?' in path else '?'}token={self.token}"

    def api(self, path, method="GET"):
        request = urllib.request.Request(self.url(f"/api/{path}"), method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernel_state(self, notebook_path):
        """The execution state of the kernel of the notebook at notebook_path (relative to the
        folder), or None while it has none."""
        for session in self.api("sessions"):
            if session["path"] == notebook_path:
                return session["kernel"]["execution_state"]
        return None

    def shut_down_kernels(self):
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def stop(self):
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=60)
