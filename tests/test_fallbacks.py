"""grader.learner.fallbacks and grader.authoring.fallbacks: the course's working versions are right
(the judge passes them), are the solutions' code except for the derive-it-yourself items (which
are numerical, so nothing shipped gives a derivation away), and `use.X` picks the learner's X only
once it has passed its test."""
import io
import contextlib

import pytest

from grader.authoring import fallbacks as authoring
from grader.course import judge
from grader.learner import checks, fallbacks, manifest

ITEMS = [(nb.id, item.id) for nb in manifest.load() for item in nb.items if not item.written]


@pytest.mark.parametrize("nb", manifest.load(), ids=lambda nb: nb.id)
def test_the_committed_modules_are_what_release_writes(nb):
    assert authoring.path(nb).read_text(encoding="utf-8") == authoring.source(nb)


@pytest.mark.parametrize("notebook, item", ITEMS, ids=[i for _, i in ITEMS])
def test_every_course_version_passes_the_judge(notebook, item):
    for seed in (0, 1):
        judge.check(item, fallbacks.course_version(notebook, item), seed=seed)   # raises if wrong


def test_derive_items_fall_back_on_numbers_only():
    derived = [(nb, item) for nb in manifest.load() for item in nb.items if item.derive]
    assert {item.id for _, item in derived} == {"bce_grads", "input_gradients", "softmax_ce_grads",
                                                "l2_gradients", "tanh_prime"}
    assert {nb.id for nb, _ in derived} == {nb.id for nb in manifest.load()}     # one in every notebook
    for nb, item in derived:
        assert fallbacks.course_version(nb.id, item.id).__module__ == "grader.learner.fallbacks.numeric"
        assert f"def {item.id}(" not in authoring.path(nb).read_text(encoding="utf-8")


def test_use_picks_the_learners_function_only_after_its_test_passed():
    def sigmoid(z):
        raise NotImplementedError()

    namespace = {"sigmoid": sigmoid}
    use = fallbacks.Working(namespace, "01_chain_rule")
    checks.PASSED.pop("sigmoid", None)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert use.sigmoid(0.0) == 0.5                     # the course's: no test has run
        assert use.sigmoid(0.0) == 0.5                     # noted once only (in the same cell)
    assert out.getvalue() == "(Using the course's sigmoid here: yours has not been through its test cell yet.)\n"
    with contextlib.redirect_stderr(io.StringIO()) as err, checks.test("sigmoid"):
        checks.call(sigmoid, 0.0)
    assert err.getvalue().startswith("✗ sigmoid fails its test: sigmoid is not written yet")
    assert checks.PASSED["sigmoid"] is False and use.sigmoid is not sigmoid

    def sigmoid(z):                                      # noqa: F811 - the learner fixes it
        return 0.5
    namespace["sigmoid"] = sigmoid
    with contextlib.redirect_stdout(io.StringIO()) as ok, checks.test("sigmoid"):
        checks.close(checks.call(sigmoid, 0.0), 0.5, "sigmoid(0)")
    assert ok.getvalue() == "✓ sigmoid passes its test.\n" and use.sigmoid is sigmoid
    checks.PASSED.pop("sigmoid")
