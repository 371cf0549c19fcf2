"""grader.learner.fallbacks: `use.X` is the learner's X once it passed its test, else the course's
recorded result for that very call; a notebook's own function runs once what it uses passes, else
its recorded result; nothing is computed for a call the release does not make."""

import contextlib
import io

import numpy as np
import pytest

from grader.learner import checks, fallbacks, recorded


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(3)
    draw = np.random.default_rng(3)
    draw.normal(size=2)  # the state a real call leaves rng in
    calls = [
        ("sigmoid", (0.0,), {}, 0.5, {}),
        ("sigmoid", (np.array([0.0, 2.0]),), {}, np.array([0.5, 0.8807970779778823]), {}),
        ("run", (rng, 2), {"lr": 0.5}, {"cost": [1.0, 0.5]}, {"0": draw.bit_generator.state}),
    ]
    recorded.write("01_chain_rule", calls, "test", tmp_path)
    recorded.load.cache_clear()
    yield tmp_path
    recorded.load.cache_clear()


@pytest.fixture(autouse=True)
def fresh_results():
    saved = dict(checks.PASSED)
    checks.PASSED.clear()
    yield
    checks.PASSED.clear()
    checks.PASSED.update(saved)


def quietly(fn, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        return fn(*args, **kwargs), out.getvalue()


def test_use_gives_the_recorded_result_until_the_learners_function_passes(folder):
    def sigmoid(z):
        raise NotImplementedError()

    namespace = {"sigmoid": sigmoid}
    use = fallbacks.Working(namespace, "01_chain_rule", folder)
    value, note = quietly(lambda: use.sigmoid(0.0))
    assert value == 0.5
    assert (
        note == "(Using the course's recorded result for sigmoid here: yours has not been through its test cell yet.)\n"
    )
    assert quietly(lambda: use.sigmoid(np.array([0.0, 2.0 + 1e-12])))[0][1] == pytest.approx(0.8807970779778823)

    with contextlib.redirect_stderr(io.StringIO()), checks.test("sigmoid"):
        checks.call(sigmoid, 0.0)
    again = fallbacks.Working(namespace, "01_chain_rule", folder)  # a note is shown once per cell
    assert quietly(lambda: again.sigmoid)[1].endswith("yours does not pass its test yet.)\n")

    def sigmoid(z):  # noqa: F811 - the learner fixes it
        return 1 / (1 + np.exp(-z))

    namespace["sigmoid"] = sigmoid
    with contextlib.redirect_stdout(io.StringIO()), checks.test("sigmoid"):
        checks.close(checks.call(sigmoid, 0.0), 0.5, "sigmoid(0)")
    assert use.sigmoid is sigmoid


def test_a_call_the_release_does_not_make_computes_nothing(folder):
    use = fallbacks.Working({}, "01_chain_rule", folder)
    for args in [(0.1,), (np.array([0.0, 2.1]),), (np.array([0.0, 2.0, 3.0]),), ()]:
        with pytest.raises(recorded.NotRecorded, match="only for the arguments this notebook's cells use"):
            quietly(lambda args=args: use.sigmoid(*args))
    with pytest.raises(AttributeError, match="not a graded function"):
        _ = use.no_such_thing


NOTEBOOK_CODE = """
def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def helper(t):
    return sigmoid(t)

def run(rng, steps, lr=0.1):
    return {"cost": [helper(lr * rng.normal()) for _ in range(steps)]}
"""


def test_a_notebooks_own_function_runs_once_what_it_uses_passes(folder):
    namespace = {"np": np}
    exec(NOTEBOOK_CODE, namespace)  # as a notebook's cells define them: globals
    run = namespace["run"]
    use = fallbacks.Working(namespace, "01_chain_rule", folder)
    assert use.needs(run) == {"sigmoid"}
    rng = np.random.default_rng(3)
    value, note = quietly(lambda: use.run(rng, 2, lr=0.5))
    assert value == {"cost": [1.0, 0.5]}
    assert note == "(Using the course's recorded results for run here: your sigmoid does not pass its test yet.)\n"
    expected = np.random.default_rng(3)
    expected.normal(size=2)
    assert rng.normal() == expected.normal()  # the generator moved on as the real run moved it
    checks.PASSED["sigmoid"] = True
    assert use.run(np.random.default_rng(0), 2, lr=0.0) == {"cost": [0.5, 0.5]}  # the learner's, live


def test_an_activation_named_in_the_arguments_brings_in_its_derivative(folder):
    namespace = {"np": np}
    exec("def sweep(names):\n    return len(names)\n", namespace)
    use = fallbacks.Working(namespace, "05_vanishing", folder)
    assert use._named((["sigmoid", "tanh"], {"f": "relu"})) == {"tanh_prime", "relu_prime"}
    checks.PASSED.update(tanh_prime=True, relu_prime=True)
    assert use.sweep(["sigmoid", "tanh"]) == 2
    checks.PASSED["tanh_prime"] = False
    with pytest.raises(recorded.NotRecorded):
        quietly(lambda: use.sweep(["sigmoid", "tanh"]))
    assert use.sweep(["sigmoid", "relu"]) == 2


def test_recording_keeps_top_level_calls_only(tmp_path, monkeypatch):
    monkeypatch.setenv(fallbacks.RECORD, str(tmp_path))
    namespace = {}
    use = fallbacks.Working(namespace, "01_chain_rule")

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def curve(zs):
        return [use.sigmoid(z) for z in zs]

    namespace.update(sigmoid=sigmoid, curve=curve)
    use.sigmoid(0.0)
    use.curve([1.0, 2.0])
    fallbacks.save()
    fallbacks._RECORDING.clear()
    calls = recorded.Recordings(recorded.path("01_chain_rule", tmp_path)).calls
    assert [call["name"] for call in calls] == ["sigmoid", "curve"]
