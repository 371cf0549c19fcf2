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


def test_nothing_shipped_to_learners_states_a_derivation(root):
    """The derive-it-yourself answers (the solution lines of those items, their comments included)
    and the explanations of their mistakes appear nowhere in what learners get: the release
    notebooks and the bundle's grader files. (activations.tanh_prime is the one exception, see
    the README: notebooks 03-05 need it, written differently from the solution line.)"""
    import re

    import nbformat

    from grader.authoring.bundle import learner_files
    from grader.course.revealed import REVEALED

    shipped = "\n".join(path.read_text(encoding="utf-8") for path, _ in learner_files(root)
                        if path.suffix in (".py", ".toml", ".json", ".md"))
    for nb in manifest.load():
        release = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4)
        shipped += "\n".join(cell.source for cell in release.cells)
    for nb in manifest.load():
        solution = nbformat.read(root / "solutions" / nb.id / nb.filename, as_version=4)

        def answer(item_id):               # the lines of an answer between its solution markers
            cell = next(c for c in solution.cells if c.metadata.get("nbgrader", {}).get("grade_id") == item_id)
            block = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
            return {line.strip() for line in (block.group(1) if block else "").splitlines() if len(line.strip()) > 10}

        others = set().union(*(answer(i.id) for i in nb.items if not i.derive and not i.written))
        for item in (i for i in nb.items if i.derive):
            own = answer(item.id) - others      # e.g. z = w a_prev + b is in last_layer_grads too
            assert own and not [line for line in own if line in shipped], item.id
    for mistake in REVEALED.values():
        assert mistake.explanation not in shipped and mistake.title not in shipped, mistake.id
