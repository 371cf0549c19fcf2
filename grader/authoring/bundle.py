"""The learners' bundle: what an instructor hands to learners.

`python -m grader bundle --out course.zip` writes a zip holding

    notebooks/<id>/<id>.ipynb   the release notebooks
    wheels/<wheel>.whl          the learner package as a wheel (distribution backprop-course-learner,
                                import name `grader`): grader/learner/ as it is, the command line
                                (`python -m grader check`) and a short package __init__
    requirements.txt            that wheel, so `python -m pip install -r requirements.txt` run in the
                                unpacked folder installs it and, from PyPI, what it needs
    README.md                   what is in the folder and the steps that work

The wheel leaves out the reference implementation, the hidden tests' judge, the grading pipeline,
the release machinery and any gradebook (grader/course, grader/grading, grader/authoring), and the
zip holds no solutions, so a learner can do and check every notebook but cannot look the answers up.
Installed, `grader` is importable from any folder, in particular from a notebook's own folder,
where JupyterLab starts its kernel.

The wheel is built by a real build backend (flit_core, through `pip wheel`) from a project
generated in a temporary folder: the learner files, an __init__ and a pyproject.toml that names
the distribution, the course's version and the learners' dependencies (learner_requirements).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

from ..course import layout
from ..course.layout import ROOT
from ..grading.learner_package import learner_package
from ..learner import manifest

# Never shipped, whatever else changes: a test asserts nothing from these folders is in the bundle.
INSTRUCTOR_ONLY = ("course", "grading", "authoring")


# The learners' distribution: its own name, so that it is never taken for the instructor's
# `backprop-course` (which holds the whole grader), and the course's version.
DISTRIBUTION = "backprop-course-learner"


# What learners need, and nothing else: the course's own dependencies, without its extras
# (pyproject.toml says why each). No nbgrader: its JupyterLab extensions would show learners the
# instructor's panels (lab/learner turns them off, but a learner's own `jupyter lab` reads no such
# configuration), and the check scores cells by nbgrader's rule itself.
def learner_requirements(root=ROOT):
    return tomllib.loads((Path(root) / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


FIXED_DATE = "1577836800"  # 2020-01-01, the files' date in the wheel

PYPROJECT = """[build-system]
requires = ["flit_core>=3.12,<5"]
build-backend = "flit_core.buildapi"

[project]
name = "{name}"
version = "{version}"
description = "The backpropagation course's learner tools: the checks the notebooks' tests call and python -m grader check"
requires-python = ">=3.11"
license = "MIT"
dependencies = {dependencies}

[tool.flit.module]
name = "grader"
"""


def version(root=ROOT):
    """The course's version, from pyproject.toml."""
    return tomllib.loads((Path(root) / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def wheel_filename(root=ROOT):
    """The file name of the learners' wheel (PEP 427: the name's '-' become '_')."""
    return f"{DISTRIBUTION.replace('-', '_')}-{version(root)}-py3-none-any.whl"


def learner_wheel(out_dir, root=ROOT):
    """Build the learners' wheel into out_dir and return its path."""
    import importlib.util

    if importlib.util.find_spec("flit_core") is None:
        raise ModuleNotFoundError(
            "building the learners' wheel needs flit_core (a dependency of the course: `make setup` installs it)"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="learner-wheel-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        learner_package(project, root)
        deps = "[\n" + "".join(f'    "{req}",\n' for req in learner_requirements(root)) + "]"
        (project / "pyproject.toml").write_text(
            PYPROJECT.format(name=DISTRIBUTION, version=version(root), dependencies=deps), encoding="utf-8"
        )
        built = Path(tmp) / "built"
        # This environment's flit_core, not one downloaded into an isolated build environment:
        # the build needs no network and uses the pinned backend. Files are stamped with a fixed
        # date (unless SOURCE_DATE_EPOCH says otherwise), so the same files give the same wheel.
        env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", FIXED_DATE)}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--disable-pip-version-check",
                "--quiet",
                "--wheel-dir",
                str(built),
                str(project),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        wheels = list(built.glob("*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise RuntimeError(f"building the learners' wheel failed:\n{proc.stdout}{proc.stderr}")
        if wheels[0].name != wheel_filename(root):
            raise RuntimeError(f"the backend named the wheel {wheels[0].name}, not {wheel_filename(root)}")
        target = out_dir / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target


def notation(root=ROOT):
    """The course's notation table from its README (the course's own columns, without the sources'
    symbols, which refer to articles the bundle does not hold), and the recursion under it."""
    text = (Path(root) / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Notation\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    table = ["| " + " | ".join(cell.strip() for cell in row.strip().strip("|").split("|")[:4]) + " |" for row in rows]
    after = section.split(rows[-1], 1)[1].strip()
    return "\n".join(table) + "\n\n" + after


def readme(notebooks, wheel, root=ROOT):
    first = notebooks[0]
    return f"""# Backpropagation, from one neuron to any depth: learner's bundle

## What is in this folder

* `notebooks/`: the course's {len(notebooks)} notebooks, one folder each; work through them in this
  order: {", ".join(nb.id for nb in notebooks)}.
* `wheels/{wheel}`:
  the course's learner package, `grader` (what the notebooks import: the checks their test
  cells call, the helpers and data they hand you, and `python -m grader check`).
* `requirements.txt`: installs that wheel and, from PyPI, what it needs (numpy, matplotlib,
  scikit-learn for the digits data, ipywidgets, tqdm, JupyterLab and what checking a notebook uses).
* this README.

Nothing else: no solutions, no reference implementation, no hidden tests and no grader of your
instructor's. Your instructor grades your notebooks with hidden tests as well as the visible ones.

## Set up once, then open the notebooks

Python 3.11 or newer. In a terminal, in this folder (the one that holds this README):

```bash
python3 -m venv .venv
source .venv/bin/activate
python -m pip install -r requirements.txt
jupyter lab
```

On Windows, create the environment with `py -m venv .venv` and activate it with
`.venv\\Scripts\\activate`; the other steps are the same. Next time, activate the environment and
run `jupyter lab` from this folder again. The install fetches its packages from PyPI, so it needs
the network once; `requirements.txt` names the wheel by its path in this folder, so run it here.

## Working through a notebook

Fill in each `# YOUR CODE HERE`, run the test cell below it, and read its message if it fails.
Stuck on one function? Go on: the cells after it carry on with the course's results until yours
passes.

## Checking your work

The last cell of each notebook lists your results in that session and prints the command that
checks the saved notebook from scratch, naming the notebook's own Python in full, so it works in
any terminal. From this folder, with the environment active:

```bash
python -m grader check notebooks/{first.id}/{first.filename}
```

It runs the notebook in a fresh kernel and prints one row per graded item (points, pass or fail,
the message); it exits 1 if anything fails. If it says `No module named grader`, the environment
is not active in that terminal (JupyterLab's terminal may start without it): run
`source .venv/bin/activate` there first, or use the command the last cell prints. This bundle has
no nbgrader, so JupyterLab has no *Validate* button: this command is the check.

## Notation

One notation throughout: per-layer lists are indexed by the layer number with index 0 unused
(`W[l]` is $W^{{(l)}}$, `A[0]` is the input), so the code reads like the maths.

{notation(root)}
"""


def bundle(out, root=ROOT):
    """Write the learners' zip to `out` and return the list of names it holds."""
    root = Path(root)
    out = Path(out)
    notebooks = manifest.released(layout.manifest_path(root))  # only what learners have been given
    missing = [nb.id for nb in notebooks if not (layout.release_path(nb, root)).exists()]
    if missing:
        raise FileNotFoundError(f"the release has no notebook for {missing}; run `python -m grader release` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        wheel = learner_wheel(tmp, root)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for nb in notebooks:
                zf.write(layout.release_path(nb, root), f"notebooks/{nb.id}/{nb.filename}")
            zf.write(wheel, f"wheels/{wheel.name}")
            zf.writestr("README.md", readme(notebooks, wheel.name, root))
            zf.writestr(
                "requirements.txt",
                "# The course's learner package; pip reads this path from the folder it runs in,\n"
                "# so run `python -m pip install -r requirements.txt` in the bundle's folder.\n"
                f"./wheels/{wheel.name}\n",
            )
            names = zf.namelist()
    return names
