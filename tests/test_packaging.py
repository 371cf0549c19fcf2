"""The course's own package, as pyproject.toml describes it: a wheel built from it holds every
file of grader/, data files included, asks a learner's install for the learner's dependencies
only, and works installed: the self-check runs from it in a fresh virtual environment (pip builds
the wheel in its own environment: this test needs the network for setuptools)."""

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from grader.authoring.bundle import learner_requirements


@pytest.fixture(scope="module")
def wheel(root, tmp_path_factory):
    """The wheel pip builds from a copy of grader/ and pyproject.toml."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"
    shutil.copytree(root / "grader", source / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(root / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return next((tmp_path / "dist").glob("*.whl"))


def test_a_wheel_of_the_course_holds_every_file_of_grader(root, wheel):
    """A non-editable install gets the data files too (course.toml, expected.json, the recordings,
    the grading budgets): the wheel holds exactly git's files of grader/."""
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("grader/")}
    tracked = subprocess.run(["git", "ls-files", "grader"], cwd=root, capture_output=True, text=True, check=True)
    assert shipped == set(tracked.stdout.split())


def test_the_wheel_asks_a_learners_install_for_the_learners_dependencies_only(wheel):
    with zipfile.ZipFile(wheel) as z:
        meta = Parser().parsestr(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())
    required = meta.get_all("Requires-Dist")
    plain = {r.split(">")[0].split("<")[0].split("=")[0].strip() for r in required if "extra ==" not in r}
    assert plain == {name.split(">")[0] for name in learner_requirements()}
    assert not plain & {"nbgrader", "pyseccomp", "distributed", "pytest", "nbval", "playwright"}
    assert set(meta.get_all("Provides-Extra")) == {"grading", "cluster", "test"}
    assert any(r.startswith("nbgrader") and 'extra == "grading"' in r for r in required)


def test_the_self_check_runs_from_the_installed_wheel(root, wheel, tmp_path):
    """The wheel installed (without its dependencies) in a fresh virtual environment that reaches
    this one's packages through a .pth file (site-packages only: not this checkout). Its data files
    load from where it is installed, and `python -m grader check` of a solution notebook passes,
    in a kernel of that environment's Python."""
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    purelib = Path(sysconfig.get_paths(vars={"base": str(fresh), "platbase": str(fresh)})["purelib"])
    (purelib / "course-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    kernels = tmp_path / "jupyter" / "kernels" / "python3"  # a kernel of the fresh environment's Python
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
            }
        )
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "JUPYTER_PATH": str(tmp_path / "jupyter"), "PYTHONPATH": ""}
    env.pop("VIRTUAL_ENV", None)
    loads = subprocess.run(
        [str(python), "-c", LOADS_EVERY_DATA_FILE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert loads.returncode == 0, loads.stdout + loads.stderr
    assert Path(loads.stdout.strip()).is_relative_to(purelib), loads.stdout

    notebook = tmp_path / "04_l_layers.ipynb"
    shutil.copyfile(root / "solutions" / "04_l_layers" / "04_l_layers.ipynb", notebook)
    checked = subprocess.run(
        [str(python), "-m", "grader", "check", str(notebook)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "items pass" in checked.stdout and " fail " not in checked.stdout, checked.stdout


LOADS_EVERY_DATA_FILE = """
import grader
from grader.learner import data, expected, manifest, recorded
entries = manifest.load()
assert entries and all(e.items for e in entries)
assert expected._stored()
assert all(recorded.load(entry.id) is not None for entry in entries)
assert data.digits().X_train.shape[1] > 1000
print(grader.__path__[0])
"""
