"""The Gradescope autograder (grader.authoring.gradescope builds it, grader.grading.gradescope
grades): `run_autograder` is run as Gradescope runs it, as root in a tree laid out as Gradescope
lays it out, bind-mounted at /autograder in a bubblewrap root where the course's checkout is not
to be seen. Two containers: one that allows bubblewrap's sandboxes, and one with Docker's default
capabilities, where they cannot start and the learner's code runs as an unprivileged uid. For a
correct, a wrong, a blank and a hostile submission, results.json has Gradescope's fields and the
grade the course's pipeline gives; the hostile one can neither read the course nor change the
results, and nothing it starts outlives the grading."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import with_answers

from grader.authoring.gradescope import build
from grader.course.layout import ROOT
from grader.learner import manifest

NB = manifest.load()[0]  # 01_chain_rule
DOCKER_CAPS = (  # what Docker gives a container's root by default: no CAP_SYS_ADMIN, so no namespaces
    "CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW CAP_SETGID CAP_SETUID "
    "CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE"
).split()
TEST_FIELDS = {"name", "number", "score", "max_score", "status", "output", "visibility"}

HOSTILE = """
import os, socket, subprocess
found = {}
for name, what in [("source", lambda: open("/autograder/source/course/grader/course/reference.py").read()),
                   ("list", lambda: os.listdir("/autograder/source")),
                   ("results", lambda: open("/autograder/results/results.json", "w").write("{}")),
                   ("plant", lambda: open("/autograder/results/planted.txt", "w").write("x")),
                   ("change", lambda: open("/autograder/source/course/grader/course/reference.py", "a").write("#")),
                   ("network", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))]:
    try:
        what()
        found[name] = "done"
    except Exception as err:
        found[name] = type(err).__name__
open("/tmp/hostile-report.json", "w").write(__import__("json").dumps(found))
subprocess.Popen(["/bin/sh", "-c", "sleep 4; echo alive > /tmp/survivor"], start_new_session=True)
def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
"""


def released():
    return nbformat.read(ROOT / "notebooks" / NB.id / NB.filename, as_version=4)


def answered(**sources):
    nb = released()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source = sources[grade_id]
    return nb


SUBMISSIONS = {
    "correct": lambda: with_answers(released(), nbformat.read(ROOT / "solutions" / NB.id / NB.filename, as_version=4)),
    "wrong": lambda: answered(sigmoid="def sigmoid(z):\n    return 1 / (1 + np.exp(z))"),
    "blank": released,
    "hostile": lambda: answered(sigmoid=HOSTILE),
}


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    names = build(path)
    assert {"setup.sh", "run_autograder", "requirements.txt", "constraints.txt"} <= set(names)
    assert f"course/solutions/{NB.id}/{NB.filename}" in names and "course/grader/course/reference.py" in names
    return path


def container(tmp_path, autograder_zip, nb):
    """/autograder as Gradescope lays it out, and a /tmp of the container's own."""
    ag = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(ag / "source")
    for name in ("setup.sh", "run_autograder"):
        (ag / "source" / name).chmod(0o755)
    shutil.copy(ag / "source" / "run_autograder", ag / "run_autograder")
    (ag / "submission").mkdir()
    nbformat.write(nb, ag / "submission" / NB.filename)
    (ag / "submission_metadata.json").write_text(json.dumps({"id": 1, "users": [{"id": 4242, "name": "A Learner"}]}))
    (ag / "results").mkdir()
    (tmp_path / "tmp").mkdir(mode=0o1777)
    (tmp_path / "tmp").chmod(0o1777)
    return ag


def run_autograder(tmp_path, ag, mode):
    """Run /autograder/run_autograder in a bubblewrap root: the host's files read-only, the course's
    checkout hidden (its virtual environment kept: the image's Python), /autograder and /tmp bound."""
    venv = ROOT / ".venv"
    # a container that allows namespaces sees the host's /proc whole (a fresh one would be partly
    # covered, and a sandbox inside could not mount its own); Docker's default caps do not allow them
    caps = ["--cap-add", "ALL", "--bind", "/proc", "/proc"] if mode == "bubblewrap" else ["--proc", "/proc"]
    if mode == "uid":
        caps += ["--cap-drop", "ALL"]
        for cap in DOCKER_CAPS:
            caps += ["--cap-add", cap]
    image = []  # the host's top-level folders, read-only, as the container's image
    python = Path(sys.base_prefix).resolve()
    for name in sorted(os.listdir("/")):
        path = f"/{name}"
        if name in ("proc", "dev", "tmp", "autograder"):
            continue
        if path == "/root" and python.is_relative_to("/root"):  # a Python in root's home (pyenv): made
            for folder in reversed(python.parents[:-1]):  # reachable, as an image's Python is
                image += ["--perms", "0755", "--dir", str(folder)]
            image += ["--ro-bind", str(python), str(python)]
            continue
        if os.path.islink(path):
            image += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            image += ["--ro-bind", path, path]
    argv = [
        "bwrap",
        *image,
        "--dev", "/dev",
        "--bind", str(tmp_path / "tmp"), "/tmp",
        "--tmpfs", str(ROOT),
        "--ro-bind", str(venv), str(venv),
        "--bind", str(ag), "/autograder",
        "--die-with-parent",
        *caps,
        "--chdir", "/autograder",
        "--setenv", "COURSE_PYTHON", sys.executable,
        "--setenv", "HOME", "/tmp",
        "--setenv", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin",
        "--unsetenv", "PYTHONPATH",
        "--unsetenv", "JUPYTER_PATH",
        "/autograder/run_autograder",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((ag / "results" / "results.json").read_text()), done.stdout


def needs_root_and_bubblewrap():
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        pytest.skip("runs a container as root with bubblewrap")


@pytest.mark.parametrize("mode", ["bubblewrap", "uid"])
@pytest.mark.parametrize("kind", list(SUBMISSIONS))
def test_run_autograder_writes_gradescopes_results(tmp_path, autograder_zip, mode, kind):
    needs_root_and_bubblewrap()
    ag = container(tmp_path, autograder_zip, SUBMISSIONS[kind]())
    reference = ag / "source" / "course" / "grader" / "course" / "reference.py"
    before = hashlib.sha256(reference.read_bytes()).hexdigest()
    record, stdout = run_autograder(tmp_path, ag, mode)

    assert set(record) == {"score", "execution_time", "output", "stdout_visibility", "tests"}
    assert ("bubblewrap sandboxes" in record["output"]) == (mode == "bubblewrap")
    assert ("unprivileged user" in record["output"]) == (mode == "uid")
    tests = record["tests"]
    assert [t["name"] for t in tests] == [f"{NB.id}: {item.id}" for item in NB.items]
    assert all(set(t) == TEST_FIELDS and t["status"] in ("passed", "failed") for t in tests)
    assert [t["max_score"] for t in tests] == [item.points for item in NB.items]
    assert record["score"] == sum(t["score"] for t in tests)
    passed = {t["name"].split(": ")[1]: t["status"] == "passed" for t in tests}
    if kind == "correct":
        assert all(passed.values()) and record["score"] == NB.auto_points
    elif kind == "blank":
        assert record["score"] == 0 and "not written yet" in tests[0]["output"]
    elif kind == "wrong":
        assert not passed["sigmoid"] and record["score"] < NB.auto_points
    else:  # hostile: its sigmoid is right, and nothing it tried got through
        assert passed["sigmoid"], tests[0]["output"]
        assert not (ag / "results" / "planted.txt").exists()
        assert hashlib.sha256(reference.read_bytes()).hexdigest() == before
        time.sleep(5)
        assert not (tmp_path / "tmp" / "survivor").exists()
        if mode == "uid":  # a shared /tmp: its own report of what it tried
            report = json.loads((tmp_path / "tmp" / "hostile-report.json").read_text())
            assert report == {
                "source": "PermissionError",
                "list": "PermissionError",
                "results": "PermissionError",
                "plant": "PermissionError",
                "change": "PermissionError",
                "network": "PermissionError",
            }
    assert stdout.strip().endswith(record["output"])


def test_a_submission_without_a_course_notebook_and_a_failing_grader(tmp_path, autograder_zip):
    """No notebook of the course: one failed "submission" test that names the files to hand in.
    A grader that fails: one "autograder failed" test, the traceback on Gradescope's stdout."""
    from grader.grading import gradescope

    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "homework.py").write_text("print(1)")
    record = gradescope.grade(tmp_path)
    assert record["score"] == 0 and [t["name"] for t in record["tests"]] == ["submission"]
    assert NB.filename in record["tests"][0]["output"]

    def broken(root):
        raise RuntimeError("the gradebook is locked")

    original, gradescope.grade = gradescope.grade, broken
    try:
        assert gradescope.main(tmp_path) == 0
    finally:
        gradescope.grade = original
    record = json.loads((tmp_path / "results" / "results.json").read_text())
    assert [t["name"] for t in record["tests"]] == ["autograder failed"]
    assert "RuntimeError: the gradebook is locked" in record["output"]
