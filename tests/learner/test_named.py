"""grader.learner.named: a visible test names a catalogued mistake by the judge's rule, from the
mistakes' stored values on the visible tests' inputs."""

import numpy as np
import pytest

from grader.learner import checks, expected, named


def case(z, values):
    return {
        "args": expected.encode([z]),
        "kwargs": {},
        "signature": named.signature([z]),
        "values": [[mid, which, expected.encode(v)] for mid, which, v in values],
    }


@pytest.fixture
def stored(monkeypatch):
    """Two inputs of sigmoid_prime of different shapes, with the value of 'f'(a) for f'(z)' on each."""

    def fprime_of_a(z):
        s = 1 / (1 + np.exp(-z))
        t = 1 / (1 + np.exp(-s))
        return t * (1 - t)

    z1, z2 = np.array([0.0, 1.0]), np.array([[0.5, -2.0, 3.0]])
    data = {
        "sigmoid_prime": [
            case(z1, [("fprime_of_a", 0, fprime_of_a(z1))]),
            case(z2, [("fprime_of_a", 0, fprime_of_a(z2))]),
        ]
    }
    monkeypatch.setattr(named, "_stored", lambda: data)
    return fprime_of_a


def test_a_mistake_that_shows_on_two_inputs_of_different_shapes_is_named(stored):
    assert named.mistake("sigmoid_prime", lambda a, k: stored(*a), checks.difference) == "fprime_of_a"


def test_a_function_that_differs_on_one_input_is_not_named(stored):
    def once(z):
        return stored(z) if z.ndim == 1 else stored(z) + 0.01

    assert named.mistake("sigmoid_prime", lambda a, k: once(*a), checks.difference) == ""
    assert named.mistake("sigmoid_prime", lambda a, k: a[0] * 0, checks.difference) == ""


def test_where_every_input_has_one_shape_two_inputs_suffice_and_one_does_not(monkeypatch):
    """As for the judge on the 2-2-2 network: no input of another shape exists, so another input will do."""
    z = np.array([0.0, 1.0])
    kink = [case(z, [("relu_kink", 0, (z >= 0).astype(float))])]
    monkeypatch.setattr(named, "_stored", lambda: {"relu_prime": kink})
    assert named.mistake("relu_prime", lambda a, k: (a[0] >= 0).astype(float), checks.difference) == ""
    both = kink + [case(z - 2, [("relu_kink", 0, (z - 2 >= 0).astype(float))])]
    monkeypatch.setattr(named, "_stored", lambda: {"relu_prime": both})
    assert named.mistake("relu_prime", lambda a, k: (a[0] >= 0).astype(float), checks.difference) == "relu_kink"


def test_a_failing_test_block_names_the_mistake_in_its_message(stored, capsys):
    with checks.test("sigmoid_prime"):
        checks.close(
            checks.call(stored, np.array([0.0, 1.0]), name="sigmoid_prime"), [0.25, 0.19661193], "sigmoid_prime(z)"
        )
    err = capsys.readouterr().err
    assert err.startswith("✗ sigmoid_prime fails its test: Recognised mistake: f'(a) is used where f'(z) belongs.")
    assert checks.FAILED.pop("sigmoid_prime").mistake == "fprime_of_a"
    checks.PASSED.pop("sigmoid_prime")


def test_a_function_that_raises_on_one_input_is_named_from_the_others(monkeypatch, capsys):
    """W for W^T raises on non-square shapes and gives the mistake's value on square ones: named."""

    def mistaken(z):
        return z.T * 2.0 if z.shape[0] == z.shape[1] else np.ones((3, 3)) @ z.T

    squares = [np.eye(2), np.arange(9.0).reshape(3, 3)]
    data = {"perceptron_grad": [case(z, [("W_not_transposed", 0, z.T * 2.0)]) for z in squares]}
    monkeypatch.setattr(named, "_stored", lambda: data)
    with checks.test("perceptron_grad"):
        checks.call(mistaken, np.ones((2, 4)), name="perceptron_grad")
    err = capsys.readouterr().err
    assert "Recognised mistake: W is used where W^T belongs." in err and "it raised ValueError" in err
    checks.FAILED.pop("perceptron_grad")
    checks.PASSED.pop("perceptron_grad")
