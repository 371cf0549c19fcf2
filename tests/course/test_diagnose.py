"""grader.course.diagnose and grader.learner.misconceptions: every catalogued mistake, written as the learner
would have written it, fails its hidden test with the mistake named; other wrong answers and
right ones are not given a name."""

import numpy as np
import pytest

from grader.course import judge, reference as R
from grader.course.inputs import z_designed
from grader.course.items import ITEMS, nb02_worked_example as nb02
from grader.course.mistakes import mistaken_backward
from grader.course.revealed import ALL as CATALOGUE
from grader.grading.report import common_message
from grader.grading.submissions import Row
from grader.learner.checks import CheckFailed

CASES = [(name, mid, fn) for name, item in ITEMS.items() for mid, fn in item.mistakes]


def failed(item, fn, seed):
    """The hidden test's CheckFailed, or None if fn passes."""
    try:
        judge.check(item, fn, seed=seed)
    except CheckFailed as failure:
        return failure
    return None


def verdict(item, fn, seed):
    failure = failed(item, fn, seed)
    return None if failure is None else str(failure)


@pytest.mark.parametrize("item, mid, mistaken", CASES, ids=[f"{i}-{m}" for i, m, _ in CASES])
def test_each_catalogued_mistake_is_named(item, mid, mistaken):
    failures = [failed(item, mistaken, seed) for seed in range(6)]
    assert all(failures), f"{item} with {mid} passed a hidden test"
    assert mid in [f.failure.mistake for f in failures], str(failures[0])


def test_the_diagnosis_reads_as_a_lesson():
    message = verdict("sigmoid_prime", lambda z: R.sigmoid_prime(R.sigmoid(z)), 0)
    assert "Recognised mistake: f'(a) is used where f'(z) belongs." in message
    assert "sigma'(sigma(z))" in message and "What differs:" in message


def test_a_wrong_answer_outside_the_catalogue_is_not_named():
    for seed in range(3):
        failure = failed(
            "backward", lambda *a: tuple([None] + [x + 0.01 for x in part[1:]] for part in R.backward(*a)), seed
        )
        assert failure.failure.mistake == "" and "Recognised mistake" not in str(failure)


def test_a_function_that_changes_its_input_is_named():
    def in_place(W, b, dW, db, lr):
        for l in range(1, len(W)):
            W[l] -= lr * dW[l]
            b[l] -= lr * db[l]
        return W, b

    failure = failed("gd_step", in_place, 0)
    assert (failure.kind, failure.failure.mistake) == ("mutated", "mutates_input")
    assert str(failure).count(CATALOGUE["mutates_input"].message()) == 1


def test_mistaken_backward_with_no_mistake_is_the_reference():
    rng = np.random.default_rng(4)
    for _ in range(10):
        args = judge.ITEMS["backward"].random_case(rng)
        assert judge.ITEMS["backward"].compare(mistaken_backward(*args), R.backward(*args), "b") is None


def test_the_report_counts_a_mistake_once_whatever_its_numbers():
    a, b = (failed("relu_prime", lambda z: (np.asarray(z) >= 0).astype(float), seed) for seed in (0, 1))
    rows = [Row("s", "05", "relu_prime", 0, 1, "failed", str(f), f.failure) for f in (a, b)]
    assert str(a) != str(b)
    assert common_message(rows[0]) == common_message(rows[1]) == "recognised: ReLU'(0) is taken as 1"


def test_the_report_groups_unnamed_differences_by_their_words_without_numbers():
    wrong = [failed("sigmoid", lambda z, k=k: 1 / (1 + np.exp(-z)) + k, 0) for k in (0.1, 0.2)]
    rows = [Row("s", "01", "sigmoid", 0, 1, "failed", str(f), f.failure) for f in wrong]
    assert common_message(rows[0]) == common_message(rows[1])
    assert "Hidden test" not in common_message(rows[0]) and "The input was" not in common_message(rows[0])


def test_every_catalogue_entry_is_used():
    used = {mid for _, mid, _ in CASES} | {"mutates_input"}
    assert used == set(CATALOGUE)


def test_a_factor_is_described_but_named_only_where_it_is_certain():
    """Wrong answers whose values are a constant factor off for another reason than a catalogued
    mistake (the misdiagnoses a factor-2 rule of thumb made) get the factor described, no name."""

    def mean_taken_twice(W, Z, A, Y, f="sigmoid", cost="half_sse"):  # mse's 1/n applied again
        delta, dW, db = R.backward(W, Z, A, Y, f, cost)
        k = 1 / A[0].shape[1] if cost == "mse" else 1
        return delta, [None] + [g * k for g in dW[1:]], [None] + [g * k for g in db[1:]]

    def per_output(out_o1, out_o2, t1, t2):  # divided by the 2 outputs
        return {k: v / 2 for k, v in nb02.ref_total_error(out_o1, out_o2, t1, t2).items()}

    def bound_off_by_one(W, delta_L, fprime_max):  # W^(l) for W^(l+1)
        bound = [None] * len(W)
        bound[-1] = float(np.linalg.norm(delta_L))
        for l in range(len(W) - 2, 0, -1):
            bound[l] = float(fprime_max * np.linalg.norm(W[l], 2) * bound[l + 1])
        return bound

    for item, wrong in (("backward", mean_taken_twice), ("total_error", per_output), ("delta_bound", bound_off_by_one)):
        for seed in range(5):
            failure = failed(item, wrong, seed)
            assert failure.failure.mistake == "" and "Recognised mistake" not in str(failure), (item, str(failure))
    assert "half the expected value" in verdict("total_error", per_output, 0)


def test_a_name_needs_a_second_input_that_shows_it():
    """An answer that matches a catalogued mistake on one input only (here: relu_prime wrong at 0
    in the first designed input alone) is described, not named."""
    first = z_designed(np.random.default_rng(0))[0][0]  # the first designed input of seed 0

    def wrong_once(z):
        z = np.asarray(z, dtype=float)
        out = R.relu_prime(z)
        if z.shape == first.shape:  # the vector input: there it takes ReLU'(0) = 1
            out = (z >= 0).astype(float)
        return out

    message = verdict("relu_prime", wrong_once, 0)
    assert message and "Recognised mistake" not in message
    assert "Recognised mistake: ReLU'(0) is taken as 1" in verdict(
        "relu_prime", lambda z: (np.asarray(z) >= 0).astype(float), 0
    )
