"""The learners' `grader` package, as learners receive it (grader.authoring.bundle ships it in
a wheel) and as every sandbox sees it (grader.grading.trusted copies it into the sandbox's home):
grader/learner/ as it is (everything the release notebooks import, and the self-check), the
command line that runs the self-check, and a short package __init__. Nothing of grader/course,
grader/grading or grader/authoring."""

from pathlib import Path

from ..course.layout import ROOT

LEARNER = "learner"
TOP_LEVEL = ("__main__.py", "cli.py")

INIT = '''"""The backpropagation course's learner tools (grader.learner) and `python -m grader check`."""
'''


def learner_files(root=ROOT):
    """(source path, name in the package's folder) for every file of the learners' `grader` but
    its __init__ (INIT): grader/__main__.py, grader/cli.py and grader/learner/ (data files
    included, no __pycache__)."""
    grader = Path(root) / "grader"
    files = [(grader / name, f"grader/{name}") for name in TOP_LEVEL]
    for path in sorted((grader / LEARNER).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append((path, path.relative_to(grader.parent).as_posix()))
    return files


def learner_package(dest, root=ROOT):
    """Write the learners' `grader` package (grader/learner/, the command line, an __init__) to dest/grader."""
    pkg = Path(dest) / "grader"
    for source, name in learner_files(root):
        target = Path(dest) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    (pkg / "__init__.py").write_text(INIT)
    return pkg
