"""The learners' bundle: the release notebooks and the learner tools, without the reference, the
judge, solutions or hidden tests; its notebooks run their visible tests on their own."""
import json
import os
import subprocess
import sys
import sysconfig
import zipfile

import nbformat
import pytest
from conftest import with_answers

from grader.learner import manifest
from grader.authoring.bundle import INSTRUCTOR_ONLY, bundle, learner_files

NOTEBOOKS = manifest.load()


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    names = bundle(out / "course.zip")
    with zipfile.ZipFile(out / "course.zip") as zf:
        zf.extractall(out / "course")
    return out / "course", names


def test_bundle_holds_the_release_and_no_instructor_material(unpacked, root):
    folder, names = unpacked
    assert sorted(n for n in names if n.endswith(".ipynb")) == sorted(
        f"notebooks/{nb.id}/{nb.filename}" for nb in NOTEBOOKS)
    shipped = {n for n in names if n.startswith("grader/")}
    assert shipped == {name for _, name in learner_files()} | {"grader/__init__.py"}
    assert "grader/learner/reference.py" not in shipped and "grader/learner/course.toml" in shipped
    assert not any(n.startswith(f"grader/{folder}/") for folder in INSTRUCTOR_ONLY for n in names)
    assert not any(n.startswith("solutions/") or n.endswith(".db") for n in names)
    for nb in NOTEBOOKS:
        released = (root / "notebooks" / nb.id / nb.filename).read_bytes()
        assert (folder / "notebooks" / nb.id / nb.filename).read_bytes() == released


# A learner's environment: the same packages, but not this repository. The course is installed
# here in editable mode, and its import hook would find grader.course.reference for any `grader`
# package, so these processes start Python with -S (no site hooks) and put the bundle and the
# installed packages on PYTHONPATH themselves.
SITE = sysconfig.get_paths()["purelib"]


def learner_path(folder):
    return f"{folder}{os.pathsep}{SITE}"


def run_in(folder, code):
    """Run Python in a fresh process that sees the bundle, not this repository, as `grader`."""
    return subprocess.run([sys.executable, "-S", "-c", code], cwd=folder, capture_output=True, text=True,
                          env={"PYTHONPATH": learner_path(folder), "PATH": "/usr/bin:/bin", "HOME": str(folder)},
                          timeout=120)


@pytest.fixture(scope="module")
def learner_kernel(unpacked, tmp_path_factory):
    """A kernelspec 'learner' that runs the bundle's notebooks in such an environment."""
    folder, _ = unpacked
    spec_dir = tmp_path_factory.mktemp("jupyter")
    (spec_dir / "kernels" / "learner").mkdir(parents=True)
    (spec_dir / "kernels" / "learner" / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-S", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "learner", "language": "python",
        "env": {"PYTHONPATH": learner_path(folder)}}))
    return spec_dir


def test_bundle_offers_check_but_not_the_answers(unpacked):
    folder, _ = unpacked
    proc = run_in(folder, "import grader, importlib.util; print(grader.__file__); "
                          "print(importlib.util.find_spec('grader.course'), importlib.util.find_spec('grader.grading'))")
    assert proc.returncode == 0, proc.stderr
    where, specs = proc.stdout.splitlines()
    assert where.startswith(str(folder)) and specs == "None None"
    proc = run_in(folder, "import sys; from grader.cli import main; sys.argv = ['grader', '--help']; main()")
    assert proc.stdout.startswith("usage: python -m grader [-h] {check} ..."), proc.stdout + proc.stderr


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_bundle_notebooks_pass_their_visible_tests_without_the_repository(unpacked, learner_kernel, root, nb,
                                                                         monkeypatch):
    from nbclient import NotebookClient

    folder, _ = unpacked
    path = folder / "notebooks" / nb.id / nb.filename
    notebook = with_answers(nbformat.read(path, as_version=4),
                            nbformat.read(root / "solutions" / nb.id / nb.filename, as_version=4))
    probe = nbformat.v4.new_code_cell(
        "import grader, importlib.util\n"
        f"assert grader.__file__.startswith({str(folder)!r}), grader.__file__\n"
        "assert importlib.util.find_spec('grader.course') is None")
    notebook.cells.insert(0, probe)
    monkeypatch.setenv("JUPYTER_PATH", f"{learner_kernel}{os.pathsep}{os.environ['JUPYTER_PATH']}")
    NotebookClient(notebook, timeout=120, kernel_name="learner", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()   # raises on any error
    tests = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert len(tests) == sum(not item.written for item in nb.items)
    assert not any(o.get("name") == "stderr" for c in tests for o in c.get("outputs", []))
    from nbgrader.utils import determine_grade      # the rule `grader check` applies: full marks
    for cell in tests:                              # (a number shown by a test cell is a partial score)
        assert determine_grade(cell)[0] == determine_grade(cell)[1], (cell.metadata["nbgrader"]["grade_id"],
                                                                    cell.outputs)
