"""The student bundle: what an instructor hands to learners.

`python -m grader bundle --out course.zip` writes a zip holding the release notebooks
(notebooks/<id>/<id>.ipynb) and the part of the `grader` package their visible tests and
`python -m grader check` need. It leaves out the reference implementation, the hidden tests'
judge, the solutions, the release machinery and any gradebook, so a learner who unpacks it can
do and check every notebook but cannot look the answers up.
"""
import zipfile
from pathlib import Path

from . import manifest

ROOT = Path(__file__).resolve().parent.parent

# The modules learners get: everything the release notebooks import, and the self-check.
LEARNER_MODULES = ("__main__.py", "cli.py", "selfcheck.py", "manifest.py", "course.toml",
                   "checks.py", "misconceptions.py", "gradcheck.py", "tolerances.py", "activations.py", "costs.py",
                   "data.py", "digits_split.npz", "worked_example.py", "diagrams.py")
# Never shipped, whatever else changes: a test asserts none of these is in the bundle.
INSTRUCTOR_ONLY = ("reference.py", "judge.py", "diagnose.py", "release.py", "bundle.py")

INIT = '''"""The backpropagation course's learner tools.

    grader.checks          the helpers that test cells call; messages say what differs
    grader.misconceptions  the typical mistakes the messages name, and why they are mistakes
    grader.gradcheck       central differences and relative errors
    grader.tolerances      every tolerance the checks use, and why it has that size
    grader.activations     activation functions and their derivatives
    grader.costs           costs and their gradients
    grader.data            the 8x8 digits data set, split and one-hot encoded
    grader.worked_example  the 2-2-2 example's starting values and verified numbers
    grader.diagrams        network pictures
    python -m grader check NOTEBOOK.ipynb   run a notebook and report each graded item
"""
'''

README = """# Backpropagation, from one neuron to any depth: learner's bundle

Unpack this folder, install the packages once, and open the notebooks in JupyterLab from here:

    python -m pip install -r requirements.txt
    jupyter lab

Work through the notebooks in order: {notebooks}.
Fill in each `# YOUR CODE HERE`, run the test cell below it, and read its message if it fails.
To check a whole notebook from a terminal (run it from this folder):

    python -m grader check notebooks/01_chain_rule/01_chain_rule.ipynb
"""

REQUIREMENTS = ["jupyterlab>=4.2,<5", "ipywidgets>=8.1,<9", "numpy>=2,<3", "matplotlib>=3.8",
                "scikit-learn>=1.4", "tqdm>=4.66", "nbclient>=0.10", "nbformat>=5.9",
                "nbgrader>=0.9.6,<0.10"]


def learner_package(dest, root=ROOT):
    """Write the learners' `grader` package (LEARNER_MODULES and a learner __init__) to dest/grader."""
    pkg = Path(dest) / "grader"
    pkg.mkdir(parents=True, exist_ok=True)
    for name in LEARNER_MODULES:
        (pkg / name).write_bytes((Path(root) / "grader" / name).read_bytes())
    (pkg / "__init__.py").write_text(INIT)
    return pkg


def bundle(out, root=ROOT):
    """Write the learners' zip to `out` and return the list of names it holds."""
    root = Path(root)
    out = Path(out)
    notebooks = manifest.load(root / "grader" / "course.toml")
    missing = [nb.id for nb in notebooks if not (root / "notebooks" / nb.id / nb.filename).exists()]
    if missing:
        raise FileNotFoundError(f"the release has no notebook for {missing}; run `python -m grader release` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for nb in notebooks:
            zf.write(root / "notebooks" / nb.id / nb.filename, f"notebooks/{nb.id}/{nb.filename}")
        for name in LEARNER_MODULES:
            zf.write(root / "grader" / name, f"grader/{name}")
        zf.writestr("grader/__init__.py", INIT)
        zf.writestr("README.md", README.format(notebooks=", ".join(nb.id for nb in notebooks)))
        zf.writestr("requirements.txt", "\n".join(REQUIREMENTS) + "\n")
        names = zf.namelist()
    return names
