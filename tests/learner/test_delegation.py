"""grader.learner.delegation: an answer that hands its work to the course (its recorded results,
a building block, the course's central differences) or to a library function computing the same
thing gets nothing, with a message saying so, in the visible test, `grader check` and `autograde`."""

import contextlib
import importlib.util
import io
import subprocess
import sys

import nbformat
import pytest
from conftest import with_answers

from grader.grading.autograde import autograde
from grader.learner import checks, delegation, manifest

NOTEBOOKS = manifest.load()


def visible_test(fn, item, *args):
    """The visible test's one-line message for fn (the learner's `item`)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), checks.test(item):
        checks.call(fn, *args, name=item)
    return err.getvalue()


def module(tmp_path, source):
    """A learner's functions in a file (so that their source can be read, as in a notebook)."""
    path = tmp_path / "answers.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("answers", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def test_building_blocks_and_central_differences_refuse_to_stand_in(tmp_path):
    answers = module(
        tmp_path,
        (
            "import numpy as np\n"
            "from grader.learner.activations import activation\n"
            "from grader.learner import gradcheck\n"
            "hidden = getattr(gradcheck, 'numerical' + '_gradient')      # out of sight of a reading of the code\n"
            "def sigmoid(z):\n    return activation('sigmoid')[0](z)\n"
            "def sigmoid_prime(z):\n    return activation('sigmoid')[1](z)\n"
            "def relu_prime(z):\n    return activation('relu')[1](z)\n"
            "def numerical_derivative(f, x, h=1e-5):\n    return hidden(f, x)\n"
            "def bce_grads(a, w, b, y):\n    try:\n        return hidden(lambda v: v, w)\n"
            "    except Exception:\n        return 0.0\n"
        ),
    )
    assert visible_test(answers.sigmoid, "sigmoid", 0.0) == (
        "✗ sigmoid fails its test: sigmoid calls the course's sigmoid (activation('sigmoid')); write your own.\n"
    )
    assert "sigmoid_prime calls the course's sigma'" in visible_test(answers.sigmoid_prime, "sigmoid_prime", 0.0)
    assert "relu_prime calls the course's ReLU'" in visible_test(answers.relu_prime, "relu_prime", 0.0)
    assert "numerical_derivative calls the course's central differences" in visible_test(
        answers.numerical_derivative, "numerical_derivative", lambda t: t**3, 2.0
    )
    assert "bce_grads calls the course's central differences" in visible_test(
        answers.bce_grads, "bce_grads", 1.0, 1.0, 0.0, 1.0
    )
    # the same building blocks serve other functions: last_layer_grads may use the course's sigma'
    assert delegation.under_test() is None
    with delegation.testing("last_layer_grads"):
        answers.sigmoid_prime(0.0)


def test_library_functions_that_compute_the_item_are_named(tmp_path):
    answers = module(
        tmp_path,
        (
            "from scipy.special import expit\n"
            "def sigmoid(z):\n    return expit(z)\n"
            "def tanh_prime(z):\n    import sympy\n    return 0.0\n"
        ),
    )
    assert visible_test(answers.sigmoid, "sigmoid", 0.0) == (
        "✗ sigmoid fails its test: sigmoid calls expit, which computes it for you; write your own.\n"
    )
    assert "tanh_prime calls sympy" in visible_test(answers.tanh_prime, "tanh_prime", 0.0)
    assert delegation.library_calls("sigmoid", "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n") == []
    # a variable of the answer's own that happens to bear a library's name is not a call of it
    own = "def tanh_prime(z):\n    derivative = 1 - np.tanh(z) ** 2\n    return derivative\n"
    assert delegation.library_calls("tanh_prime", own, derive=True) == []
    imported = "def tanh_prime(z):\n    from scipy.misc import derivative\n    return derivative(np.tanh, z)\n"
    assert delegation.library_calls("tanh_prime", imported, derive=True) == ["derivative"]
    attribute = "def tanh_prime(z):\n    derivative = scipy.misc.derivative\n    return derivative(np.tanh, z)\n"
    assert delegation.library_calls("tanh_prime", attribute, derive=True) == ["derivative"]
    assert delegation.library_calls("sigmoid", "def sigmoid(z):\n    return activations._sigmoid(z)\n") == ["_sigmoid"]
    assert delegation.library_calls(
        "bce_grads", "def bce_grads(a, w, b, y):\n    return gradcheck._central_differences(C, w)\n", derive=True
    ) == ["_central_differences"]


def delegating(nb, root):
    """Notebook nb solved, except that every graded function hands its work to `use`."""
    release = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4)
    solved = with_answers(release, nbformat.read(root / "solutions" / nb.id / nb.filename, as_version=4))
    for cell in solved.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            cell.source = f"def {grade_id}(*args, **kwargs):\n    return use.{grade_id}(*args, **kwargs)\n"
    return solved


@pytest.fixture(scope="module")
def delegated_class(tmp_path_factory, root):
    folder = tmp_path_factory.mktemp("delegating")
    for nb in NOTEBOOKS:
        (folder / "lazy").mkdir(exist_ok=True)
        nbformat.write(delegating(nb, root), folder / "lazy" / nb.filename)
    return folder


def test_autograde_gives_a_delegating_answer_nothing(delegated_class, tmp_path):
    rows, _ = autograde(delegated_class, tmp_path / "out", jobs=2, timeout=20, progress=False)
    code = {(nb.id, item.id) for nb in NOTEBOOKS for item in nb.items if not item.written}
    got = {(r.notebook, r.item): r for r in rows if (r.notebook, r.item) in code}
    assert got.keys() == code
    for (notebook, item), row in got.items():
        assert row.score == 0, (notebook, item, row.message)
        assert f"{item} calls the course's {item} (use.{item}); write your own." in row.message, (item, row.message)


def test_grader_check_fails_a_delegating_answer(delegated_class):
    paths = [delegated_class / "lazy" / nb.filename for nb in NOTEBOOKS]
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", *map(str, paths)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for nb in NOTEBOOKS:
        assert f"total: 0 / {nb.auto_points:g} points" in proc.stdout, proc.stdout
        for item in nb.items:
            if not item.written:
                assert f"{item.id} calls the course's {item.id} (use.{item.id}); write your own." in proc.stdout, (
                    item.id
                )


def test_nbgraders_validate_fails_a_delegating_answer(delegated_class, root, tmp_path):
    """What the learners' lab's Validate button reports for notebook 01 with every answer delegated."""
    from conftest import course_config
    from nbgrader.validator import Validator

    nb = NOTEBOOKS[0]
    result = Validator(config=course_config(tmp_path, root)).validate(str(delegated_class / "lazy" / nb.filename))
    failed = result.get("failed", [])
    assert len(failed) == len(nb.items), result.keys()
    for item in nb.items:
        assert any(
            f"{item.id} calls the course's {item.id} (use.{item.id}); write your own." in str(f) for f in failed
        ), item.id
