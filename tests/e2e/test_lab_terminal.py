"""`make lab`'s terminals can run the course's command: JupyterLab opens a login shell by default,
which resets PATH, so `python -m grader check` found no `python`; the Makefile gives terminals a
plain bash that keeps the course's PATH. This starts the lab exactly as `make lab` would (its
command line from `make -n`), opens a terminal through the server's API and runs the command."""

import json
import os
import urllib.request

from labs import Lab
from tornado import ioloop, websocket


def test_the_lab_terminal_finds_the_course_python(root, tmp_path):
    lab = Lab(
        "lab",
        tmp_path,
        HOME=str(tmp_path),
        SHELL="/bin/bash",
        PATH=f"{root / '.venv' / 'bin'}{os.pathsep}/usr/bin:/bin",
    )  # as make exports it
    try:
        assert any("terminado_settings" in word for word in lab.command), lab.command
        request = urllib.request.Request(lab.url("/api/terminals"), method="POST", data=b"")
        name = json.load(urllib.request.urlopen(request, timeout=10))["name"]

        async def run():
            ws = await websocket.websocket_connect(
                f"ws://127.0.0.1:{lab.port}/terminals/websocket/{name}?token={lab.token}"
            )
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
        lab.stop()
    assert "usage: python -m grader" in out, out
