"""grader.learner.failures: a failure's fields, and the one sentence made from them."""

import json
import pickle

import pytest

from grader.learner.checks import CheckFailed
from grader.learner.failures import Failure
from grader.learner.misconceptions import CATALOGUE


def test_a_hidden_tests_failure_reads_input_seed_mistake_note_and_replay_in_that_order():
    failure = Failure(
        "wrong",
        "backward: dW[1] differs.",
        "backward",
        input=3,
        inputs=10,
        seed=7,
        mistake="W_not_transposed",
        replay="backward(W, Z, A, Y)",
        calls_failing=("forward",),
    )
    text = failure.message(CATALOGUE)
    assert text.startswith("Hidden test, input 3 of 10 (seed 7): " + CATALOGUE["W_not_transposed"].message())
    first, replay = text.split("\n")
    assert first.endswith(
        " What differs: backward: dW[1] differs. Note: backward calls your forward, as its "
        "exercise says, and forward fails its own test: fix it first."
    )
    assert replay == "The input was: backward(W, Z, A, Y)"


def test_a_mistake_without_a_value_leads_its_detail_plainly():
    failure = Failure("mutated", "gd_step changed its argument #1 in place.", "gd_step", mistake="mutates_input")
    assert failure.message(CATALOGUE) == CATALOGUE["mutates_input"].message() + " " + failure.detail


def test_a_function_not_written_gets_no_note_on_its_callees():
    failure = Failure("not written", "train is not written yet.", "train")
    assert failure.after(("forward_pass",)) == failure
    assert Failure("raised", "x", "train").after(("forward_pass",)).calls_failing == ("forward_pass",)


def test_the_note_ends_the_first_line_where_a_summary_shows_it():
    failure = Failure(
        "raised", "it raised IndexError: no\nin your code:\n  line 3", "train", calls_failing=("forward",)
    )
    first, *rest = failure.message(CATALOGUE).split("\n")
    assert first.endswith("fix it first.") and rest == ["in your code:", "  line 3"]


def test_two_callees_are_named_together():
    text = Failure("wrong", "off.", "train", calls_failing=("forward_pass", "gradient_step")).message(CATALOGUE)
    assert text.endswith("forward_pass and gradient_step fail their own test: fix them first.")


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        Failure("differs", "x")


def test_a_failure_goes_through_json_and_pickle_unchanged():
    failure = Failure(
        "raised", "it raised ValueError: no", "sigmoid", 1, 4, 99, error="ValueError", calls_failing=("a", "b")
    )
    assert Failure.from_record(json.loads(json.dumps(failure.as_record()))) == failure
    again = pickle.loads(pickle.dumps(CheckFailed("the words", failure=failure)))
    assert (str(again), again.failure, again.kind) == ("the words", failure, "raised")
