"""The course's own package, as pyproject.toml describes it: a wheel built from it holds every
file of grader/, data files included (pip builds it in its own environment: this test needs the
network for setuptools)."""

import shutil
import subprocess
import sys
import zipfile


def test_a_wheel_of_the_course_holds_every_file_of_grader(root, tmp_path):
    """A non-editable install gets the data files too (course.toml, expected.json, the recordings,
    the grading budgets): the wheel holds exactly git's files of grader/."""
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
    wheel = next((tmp_path / "dist").glob("*.whl"))
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("grader/")}
    tracked = subprocess.run(["git", "ls-files", "grader"], cwd=root, capture_output=True, text=True, check=True)
    assert shipped == set(tracked.stdout.split())
