"""The student bundle: what an instructor hands to learners.

`python -m grader bundle --out course.zip` writes a zip holding the release notebooks
(notebooks/<id>/<id>.ipynb) and the part of the `grader` package their visible tests and
`python -m grader check` need. It leaves out the reference implementation, the hidden tests'
judge, the solutions, the release machinery and any gradebook, so a learner who unpacks it can
do and check every notebook but cannot look the answers up.
"""
import zipfile
from pathlib import Path

from ..learner import manifest

ROOT = Path(__file__).resolve().parents[2]

# What learners get: the folder grader/learner/ as it is (everything the release notebooks import,
# and the self-check), with the command line that runs the self-check and a package __init__.
LEARNER = "learner"
TOP_LEVEL = ("__main__.py", "cli.py")
# Never shipped, whatever else changes: a test asserts nothing from these folders is in the bundle.
INSTRUCTOR_ONLY = ("course", "grading", "authoring")

INIT = '''"""The backpropagation course's learner tools (grader.learner) and `python -m grader check`."""
'''


def learner_files(root=ROOT):
    """(source path, name in the bundle) for every file learners get."""
    grader = Path(root) / "grader"
    files = [(grader / name, f"grader/{name}") for name in TOP_LEVEL]
    for path in sorted((grader / LEARNER).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files.append((path, path.relative_to(grader.parent).as_posix()))
    return files


README = """# Backpropagation, from one neuron to any depth: learner's bundle

Unpack this folder, install the packages once, and open the notebooks in JupyterLab from here:

    python -m pip install -r requirements.txt
    jupyter lab

Work through the notebooks in order: {notebooks}.
Fill in each `# YOUR CODE HERE`, run the test cell below it, and read its message if it fails.
Stuck on one function? Go on: the cells after it use the course's version until yours passes.
The last cell of each notebook lists your results and prints the command that checks the saved
notebook from scratch with the notebook's own Python; from this folder it is:

    python -m grader check notebooks/01_chain_rule/01_chain_rule.ipynb
"""

REQUIREMENTS = ["jupyterlab>=4.2,<5", "ipywidgets>=8.1,<9", "numpy>=2,<3", "matplotlib>=3.8",
                "scikit-learn>=1.4", "tqdm>=4.66", "nbclient>=0.10", "nbformat>=5.9",
                "nbgrader>=0.9.6,<0.10"]


def learner_package(dest, root=ROOT):
    """Write the learners' `grader` package (grader/learner/, the command line, an __init__) to dest/grader."""
    pkg = Path(dest) / "grader"
    for source, name in learner_files(root):
        target = Path(dest) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    (pkg / "__init__.py").write_text(INIT)
    return pkg


def bundle(out, root=ROOT):
    """Write the learners' zip to `out` and return the list of names it holds."""
    root = Path(root)
    out = Path(out)
    notebooks = manifest.load(root / "grader" / "learner" / "course.toml")
    missing = [nb.id for nb in notebooks if not (root / "notebooks" / nb.id / nb.filename).exists()]
    if missing:
        raise FileNotFoundError(f"the release has no notebook for {missing}; run `python -m grader release` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for nb in notebooks:
            zf.write(root / "notebooks" / nb.id / nb.filename, f"notebooks/{nb.id}/{nb.filename}")
        for source, name in learner_files(root):
            zf.write(source, name)
        zf.writestr("grader/__init__.py", INIT)
        zf.writestr("README.md", README.format(notebooks=", ".join(nb.id for nb in notebooks)))
        zf.writestr("requirements.txt", "\n".join(REQUIREMENTS) + "\n")
        names = zf.namelist()
    return names
