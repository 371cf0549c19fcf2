"""`python -m grader gradescope --out autograder.zip`: the course's autograder for Gradescope.

The zip holds what Gradescope's autograder specification asks for at its top, and the course:

    setup.sh          run once when Gradescope builds the image: Debian/Ubuntu packages
                      (python3, bubblewrap, libseccomp), a virtual environment in /opt/backprop-grader
                      with the course's dependencies (requirements.txt, versions from
                      constraints.txt); the course itself is not installed into it
    run_autograder    run for each submission (as root, in /autograder): grades the submitted
                      notebooks with the course's pipeline (grader.grading.gradescope) and writes
                      /autograder/results/results.json
    requirements.txt  the course's dependencies and its [grading] extra
    constraints.txt   the versions the course is tested with
    course/           the course's grader, release notebooks and solutions, read from
                      /autograder/source/course by the grading process only

Choose Gradescope's Ubuntu 24.04 base image (the course needs Python 3.11 or newer). Learner code
never sees /autograder/source: bubblewrap sandboxes where the container allows them, otherwise
an unprivileged uid of its own with /autograder/source and /autograder/results closed to it
(results.json says which).
"""

import subprocess
import tomllib
import zipfile
from pathlib import Path

from ..course.layout import ROOT

VENV = "/opt/backprop-grader"
COURSE = ("grader", "notebooks", "solutions", "pyproject.toml", "nbgrader_config.py")

SETUP = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-dev bubblewrap util-linux libseccomp2 \\
    libseccomp-dev gcc
python3 -m venv {VENV}
{VENV}/bin/python -m pip install --upgrade pip
{VENV}/bin/python -m pip install -r /autograder/source/requirements.txt -c /autograder/source/constraints.txt
"""

RUN = f"""#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, in /autograder.
cd /autograder
export PYTHONPATH=/autograder/source/course
exec "${{COURSE_PYTHON:-{VENV}/bin/python}}" -m grader.grading.gradescope
"""


def requirements(root=ROOT):
    """The course's dependencies and its [grading] extra (pyproject.toml), one per line."""
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["dependencies"] + project["optional-dependencies"]["grading"]


def course_files(root=ROOT):
    """The course's files under version control that grading reads (COURSE)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *COURSE], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (Path(root) / name).is_file()]


def build(out, root=ROOT):
    """Write the autograder zip to out; returns the names it holds."""
    out = Path(out)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text, mode in (("setup.sh", SETUP, 0o755), ("run_autograder", RUN, 0o755)):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, text)
        zf.writestr("requirements.txt", "\n".join(requirements(root)) + "\n")
        zf.write(Path(root) / "constraints.txt", "constraints.txt")
        for name in course_files(root):
            zf.write(Path(root) / name, f"course/{name}")
        return zf.namelist()
