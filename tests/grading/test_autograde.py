"""Autograding through nbgrader itself, in a temporary course: solutions get full marks, untouched
releases get 0, and nbgrader's Validator passes the solutions and fails the releases.

Written answers are graded by hand, so before manual grading a notebook's score is out of
all its points but can reach only its autograded points."""

import shutil
import subprocess

import nbformat
import pytest
from conftest import course_config

from grader.grading.autograde import without_demonstrations
from grader.grading.gradebook import nbgrader_schema_head, setup_nbgrader
from grader.learner import manifest

NOTEBOOKS = manifest.load()
setup_nbgrader()  # as `grader autograde` does: new gradebooks get the schema head without a subprocess


def test_the_schema_head_is_the_one_the_alembic_command_gives():
    """What nbgrader itself would stamp a new gradebook with (it runs `alembic heads`)."""
    import nbgrader
    from nbgrader.api import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////nowhere/gradebook.db") as ini:
        heads = subprocess.run(["alembic", "-c", ini, "heads"], capture_output=True, text=True, check=True).stdout
    assert heads.split()[:2] == [nbgrader_schema_head(), "(head)"], heads
    assert nbgrader.api.get_alembic_version is nbgrader_schema_head


# jupyter_client's words for a kernel that ended before it answered: ipykernel could not bind a
# port it was given (another process can take a port between the client's choice and the bind).
DIED_AT_START = "Kernel died before replying to kernel_info"

NOISE = "import sys, warnings\nprint('debugging output', file=sys.stderr)\nwarnings.warn('a learner warning')\n"


def make_noisy(root, out, nb):
    """The correct solution of nb that prints to stderr and warns, in every answer cell and when
    called; notebook 01's sigmoid takes another route, 1/2 (1 + tanh(z/2)), with no overflow (the
    exercise forbids the naive form's overflow warning).
    The course's demonstrations are left out (the solution's own run keeps them): only the answers
    make noise."""
    notebook = without_demonstrations(
        nbformat.read(root / "solutions" / nb.id / nb.filename, as_version=4),
        nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4),
    )
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            source = cell.source.replace(
                "### BEGIN SOLUTION\n", "### BEGIN SOLUTION\n    print('in here', file=sys.stderr)\n"
            )
            cell.source = NOISE + source
            if cell.metadata["nbgrader"]["grade_id"] == "sigmoid":
                cell.source = (
                    NOISE + "def sigmoid(z):\n    return 0.5 * (1 + np.tanh(np.asarray(z, dtype=float) / 2))\n"
                )
    (out / nb.id).mkdir(parents=True)
    nbformat.write(notebook, out / nb.id / nb.filename)
    return out


def scores(nb, course, root):
    """{student: (score, max_score)} after nbgrader autograde of one notebook, handed in as the
    solution ("full-marks"), the untouched release ("untouched") and the noisy solution ("noisy")."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    course.mkdir()
    config = course_config(course, root)
    api = NbGraderAPI(config=config)
    result = api.generate_assignment(nb.id)
    assert result["success"], result.get("error", "") + result.get("log", "")
    submissions = {
        "full-marks": root / "solutions",
        "untouched": course / "release",
        "noisy": make_noisy(root, course / "noisy", nb),
    }
    found = {}
    for student, source in submissions.items():
        target = course / "submitted" / student / nb.id / nb.filename
        target.parent.mkdir(parents=True)
        shutil.copyfile(source / nb.id / nb.filename, target)
        result = api.autograde(nb.id, student)
        if DIED_AT_START in result.get("log", ""):  # not the notebook's doing: once more
            result = api.autograde(nb.id, student)
        assert result["success"], result.get("error", "") + result.get("log", "")
        with Gradebook(config.CourseDirectory.db_url) as gb:
            sub = gb.find_submission_notebook(nb.id, nb.id, student)
            found[student] = (sub.score, sub.max_score)
    return found


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_solution_full_marks_noise_nothing_release_zero(nb, tmp_path, root):
    """One notebook through plain nbgrader: the solution gets full marks, the solution with
    warnings and stderr in its answers too, the untouched release 0."""
    got = scores(nb, tmp_path / "course", root)
    assert got == {
        "full-marks": (nb.auto_points, nb.points),
        "noisy": (nb.auto_points, nb.points),
        "untouched": (0, nb.points),
    }


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_validator_passes_solution_and_fails_release(nb, root, tmp_path):
    from nbgrader.validator import Validator

    validator = Validator(config=course_config(tmp_path, root))
    solution = nbformat.read(root / "solutions" / nb.id / nb.filename, as_version=4)
    release = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4)
    nbformat.write(without_demonstrations(solution, release), tmp_path / nb.filename)  # nbval runs them
    assert validator.validate(str(tmp_path / nb.filename)) == {}
    # the release's demonstrations run on the course's fallbacks: test_selfcheck runs them
    (tmp_path / "release").mkdir()
    nbformat.write(without_demonstrations(release, release), tmp_path / "release" / nb.filename)
    result = validator.validate(str(tmp_path / "release" / nb.filename))
    # every test cell fails, and nbgrader also flags each written answer left as "YOUR ANSWER HERE"
    assert len(result.get("failed", [])) == len(nb.items), result.keys()
