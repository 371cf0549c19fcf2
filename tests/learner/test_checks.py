"""grader.learner.checks: each failure names what differs; learners' warnings and mutations are handled."""

import sys
import warnings

import numpy as np
import pytest

from grader.learner import checks
from grader.learner.checks import CheckFailed

E = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def message(actual, expected, **kw):
    with pytest.raises(CheckFailed) as info:
        checks.close(actual, expected, "dW", **kw)
    return str(info.value)


def test_match_passes():
    checks.close(E + 1e-12, E, "dW")
    checks.close([0.0, 1.0], [0.0, 1.0], "list of numbers")
    checks.close({"a": 1.0, "b": (2.0, np.ones(2))}, {"a": 1.0, "b": (2.0, np.ones(2))}, "nested")


@pytest.mark.parametrize(
    "actual, words",
    [
        (E.T, "equals the expected value transposed"),
        (E.ravel(), "numbers are right but arranged in the wrong shape"),
        (np.array(21.0), "single number; was it summed over the wrong axis, or over every axis"),
        (2 * E, "twice the expected value"),
        (0.5 * E, "half the expected value"),
        (-E, "sign is flipped"),
        (E / 7, "0.142857 times the expected value"),
        (None, "forget to `return`"),
        ("text", "dtype <U4"),
    ],
)
def test_failure_messages_say_what_differs(actual, words):
    assert words in message(actual, E)


def test_exact_integer_and_boolean_values_pass_with_a_note(capsys):
    slopes = np.array([0.0, 1.0, 1.0])
    checks.close(np.array([0, 1, 1]), slopes, "relu_prime(z)")
    checks.close(np.array([False, True, True]), slopes, "relu_prime(z)")
    assert capsys.readouterr().out.count("note: relu_prime(z) holds") == 2
    assert "holds int64 numbers, which cannot have fractions" in message((E / 4).astype(int), E / 4)


def test_square_transpose_and_entries():
    S = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert "transposed" in message(S.T, S)
    wrong = S.copy()
    wrong[1, 0] = 3.5
    msg = message(wrong, S)
    assert "1 of 4 entries differ" in msg and "index (1, 0)" in msg and "got 3.5, expected 3" in msg
    assert "off by 5.00e-01 where at most 3.00e-07 is allowed: |got - expected| <= 1e-10 + 1e-07 |expected|" in msg


def test_nan_is_reported():
    msg = message(np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    assert "nan at index (1,)" in msg


def test_dicts_and_tuples_name_the_part():
    with pytest.raises(CheckFailed, match=r"missing the key\(s\) \['w6'\]"):
        checks.close({"w5": 1.0}, {"w5": 1.0, "w6": 2.0}, "grads")
    with pytest.raises(CheckFailed, match=r"grads\['w6'\] is 2.5 but should be 2"):
        checks.close({"w5": 1.0, "w6": 2.5}, {"w5": 1.0, "w6": 2.0}, "grads")
    with pytest.raises(CheckFailed, match="should hold 3 values but holds 2"):
        checks.close((1.0, 2.0), (1.0, 2.0, 3.0), "last_layer_grads")


def test_layers_name_the_first_wrong_layer_going_backwards():
    expected = [None, np.ones((2, 2)), 2 * np.ones((3, 2)), 3 * np.ones((1, 3))]
    actual = [None, np.zeros((2, 2)), 2 * np.ones((2, 3)), 3 * np.ones((1, 3))]
    with pytest.raises(CheckFailed) as info:
        checks.layers(actual, expected, "dW")
    msg = str(info.value)
    assert "first wrong layer is l=2" in msg and "layer 3 is right" in msg and "transposed" in msg
    with pytest.raises(CheckFailed, match=r"dW\[0\] should be None"):
        checks.layers([np.zeros(1)] + expected[1:], expected, "dW")


def test_gradient_check():
    x = np.array([0.3, -1.2])
    assert checks.gradient(2 * x, lambda v: np.sum(v**2), x, "g") is None  # no partial score in nbgrader
    with pytest.raises(CheckFailed, match="disagrees with central differences"):
        checks.gradient(x, lambda v: np.sum(v**2), x, "g")


def test_call_reports_unwritten_functions():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="stub is not written yet"):
        checks.call(stub, 1.0)

    def step(x):
        return stub(x) + 1

    with pytest.raises(CheckFailed, match="step calls stub, which is not written yet"):
        checks.call(step, 1.0)


def test_call_catches_mutation():
    def update(W, dW):
        W -= 0.1 * dW
        return W

    W = np.ones(3)
    with pytest.raises(CheckFailed, match=r"changed its argument #1 in place"):
        checks.call(update, W, np.ones(3))
    assert np.array_equal(W, np.ones(3)), "the caller's array must survive the check"

    def pop(p):
        p.pop("w1")
        return p

    with pytest.raises(CheckFailed, match="in place"):
        checks.call(pop, {"w1": 1.0})


def test_call_keeps_warnings_and_stderr_out_of_the_cell(capfd):
    def naive_sigmoid(z):
        print("debugging", file=sys.stderr)
        warnings.warn("a learner's warning", stacklevel=2)
        return 1 / (1 + np.exp(-z))  # overflows at -1000

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any escaping warning would raise here
        out = checks.call(naive_sigmoid, np.array([-1000.0, 0.0]))
    np.testing.assert_allclose(out, [0.0, 0.5])
    assert capfd.readouterr().err == ""


def test_a_test_block_reports_a_learners_error_with_only_the_learners_lines(capsys):
    """checks.test: an error raised in the learner's code is one message on stderr, naming the
    error and the learner's lines, not the course's frames, and it is not raised (Run All goes on)."""

    def sigmoid(z):
        return 1 / (1 + np.exp(-z)) + undefined_name  # noqa: F821 - the learner's slip

    with checks.test("sigmoid"):
        checks.close(checks.call(sigmoid, 0.0), 0.5, "sigmoid(0)")
    out, err = capsys.readouterr()
    assert out == "" and checks.PASSED["sigmoid"] is False
    assert err.startswith(
        "✗ sigmoid fails its test: it raised NameError: name 'undefined_name' is not defined\nin your code:\n"
    )
    assert "undefined_name" in err and "grader/learner" not in err and "Traceback" not in err
    with checks.test("sigmoid"):
        checks.close(0.4, 0.5, "sigmoid(0)")
    out, err = capsys.readouterr()
    assert err == "✗ sigmoid fails its test: " + checks.difference(0.4, 0.5, "sigmoid(0)") + "\n"
    with checks.test("sigmoid"):
        checks.close(0.5, 0.5, "sigmoid(0)")
    assert capsys.readouterr() == ("✓ sigmoid passes its test.\n", "") and checks.PASSED.pop("sigmoid") is True


def test_the_summary_lists_this_sessions_results_and_the_full_check_command(capsys, monkeypatch, tmp_path):
    from grader.learner import selfcheck

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        checks, "PASSED", {"sigmoid": True, "sigmoid_prime": False, "chain_forward": False, "chain_backward": False}
    )
    selfcheck.summary("01_chain_rule")
    out = capsys.readouterr().out
    assert "sigmoid                1 points  passes" in out
    assert "sigmoid_prime          1 points  FAILS (the message is under its test cell)\n" in out
    assert (
        "chain_backward         3 points  FAILS (the message is under its test cell); it calls your chain_forward"
        in out
    )
    assert "last_layer_grads       3 points  not tested yet" in out
    assert "1 of 14 autograded points pass here." in out
    assert f"{sys.executable} -m grader check {tmp_path / '01_chain_rule.ipynb'}" in out


def test_a_failure_says_its_kind_beside_its_message():
    """Code acts on CheckFailed.kind, never on the message's words; the kind survives pickling."""
    import pickle

    def unwritten(x):
        raise NotImplementedError()

    def mutating(x):
        x[0] = 1.0
        return x

    kinds = {}
    for fn in (unwritten, mutating):
        with pytest.raises(CheckFailed) as caught:
            checks.call(fn, np.zeros(2))
        kinds[fn.__name__] = caught.value.kind
        again = pickle.loads(pickle.dumps(caught.value))
        assert (str(again), again.kind) == (str(caught.value), caught.value.kind)
    assert kinds == {"unwritten": "not written", "mutating": "mutated"}


def test_a_warning_fails_only_where_the_exercise_forbids_it():
    naive = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731 - overflows in exp for z = -1000
    tails = np.array([-1000.0, 1000.0])
    assert np.allclose(checks.call(naive, tails), [0.0, 1.0])  # a warning alone costs nothing elsewhere
    with pytest.raises(CheckFailed) as caught:
        checks.call(naive, tails, forbid_warnings=True, name="sigmoid")
    assert caught.value.kind == "warned"
    assert "sigmoid emitted RuntimeWarning (overflow encountered in exp)" in str(caught.value)
    safe = lambda z: np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))  # noqa: E731
    assert np.allclose(checks.call(safe, tails, forbid_warnings=True), [0.0, 1.0])


def test_booleans_are_refused_where_the_exercise_asks_for_floats():
    z = np.array([-1.0, 0.0, 2.0])
    assert "holds booleans" in checks.floats(z > 0, [0.0, 0.0, 1.0], "relu_prime(z)")
    assert checks.floats((z > 0).astype(float), [0.0, 0.0, 1.0], "relu_prime(z)") is None
    assert checks.difference(z > 0, [0.0, 0.0, 1.0], "relu_prime(z)") is None  # elsewhere right values pass
    with pytest.raises(CheckFailed, match="holds booleans"):
        checks.close(z > 0, [0.0, 0.0, 1.0], "relu_prime(z)", as_floats=True)


def test_a_failing_test_names_the_failing_functions_its_exercise_calls(capsys, monkeypatch):
    """As the terminal check does: train (02) calls forward_pass, total_error and gradient_step."""
    monkeypatch.setattr(
        checks, "PASSED", {"forward_pass": True, "total_error": False, "gradient_step": False, "update_weights": False}
    )
    monkeypatch.setattr(checks, "FAILED", {})
    with checks.test("train"):
        checks.close(1.0, 2.0, "train(...)")
    err = capsys.readouterr().err
    assert err.startswith("✗ train fails its test: train(...) is 1")
    assert "Note: train calls your total_error and gradient_step, as its exercise says" in err
    assert checks.FAILED["train"].calls_failing == ("total_error", "gradient_step")
    with checks.test("gradient_step"):  # not written: writing it comes first, whatever its callees do
        checks.call(lambda: (_ for _ in ()).throw(NotImplementedError()), name="gradient_step")
    assert "Note:" not in capsys.readouterr().err and checks.FAILED["gradient_step"].kind == "not written"
    with checks.test("gradient_step"):  # written, and wrong while update_weights fails
        checks.close(1.0, 2.0, "gradient_step(...)")
    assert "Note: gradient_step calls your update_weights" in capsys.readouterr().err


def test_a_demonstrations_claim_is_printed_with_its_outcome_and_never_raises(capsys):
    assert checks.expect(0.099 < 0.2, "the cross-entropy's neuron is near its target after 50 steps") is None
    checks.expect(False, "the curve is flat")
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "✓ the cross-entropy's neuron is near its target after 50 steps",
        "✗ This run does not show what the text says: the curve is flat",
    ]
    assert err == ""


def test_a_layer_off_by_one_is_said_so_rather_than_a_factor():
    """05's delta_bound with W[l] for W[l+1]: layer 2 holds layer 3's value (once taken for 'a factor 2')."""
    expected = [None, 0.25, 0.5, 1.0]
    with pytest.raises(CheckFailed) as caught:
        checks.layers([None, 0.5, 1.0, 1.0], expected, "delta_bound(...)")
    text = str(caught.value)
    assert "first wrong layer is l=2" in text and "equals the expected value of layer 3" in text
    assert "factor 2" not in text
    with pytest.raises(CheckFailed, match="twice the expected value"):  # a real factor keeps its words
        checks.layers([None, 0.25, 1.0, 0.9], [None, 0.25, 0.5, 0.9], "x")


def test_a_function_that_is_not_defined_cannot_be_tested_and_the_message_says_where_to_look(capsys):
    with checks.test("forward_pass"):
        checks.call(forward_pass_never_defined, 1.0)  # noqa: F821 - the name its answer cell did not define
    err = capsys.readouterr().err
    assert err.startswith("✗ forward_pass cannot be tested: name 'forward_pass_never_defined' is not defined.")
    assert "stopped with an error (a SyntaxError, say)" in err
    assert checks.FAILED.pop("forward_pass").kind == "undefined"
    checks.PASSED.pop("forward_pass")
