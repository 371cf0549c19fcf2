"""grader.diagnose and grader.misconceptions: every catalogued mistake, written as the learner
would have written it, fails its hidden test with the mistake named; other wrong answers and
right ones are not given a name."""
import numpy as np
import pytest

from grader import diagnose, judge
from grader import reference as R
from grader.checks import CheckFailed
from grader.misconceptions import CATALOGUE, find
from grader.report import common_message

CASES = [(item, mid, fn) for item, mistakes in diagnose.MISTAKES.items() for mid, fn in mistakes]


def verdict(item, fn, seed):
    try:
        judge.check(item, fn, seed=seed)
    except CheckFailed as failure:
        return str(failure)
    except Exception as err:          # noqa: BLE001 - in a kernel the learner sees the traceback
        return f"raised {type(err).__name__}: {err}"
    return None


@pytest.mark.parametrize("item, mid, mistaken", CASES, ids=[f"{i}-{m}" for i, m, _ in CASES])
def test_each_catalogued_mistake_is_named(item, mid, mistaken):
    messages = [verdict(item, mistaken, seed) for seed in range(6)]
    assert all(messages), f"{item} with {mid} passed a hidden test"
    named = [find(m) for m in messages]
    assert CATALOGUE[mid] in named, messages[0]


def test_the_diagnosis_reads_as_a_lesson():
    message = verdict("sigmoid_prime", lambda z: R.sigmoid_prime(R.sigmoid(z)), 0)
    assert "Recognised mistake: f'(a) is used where f'(z) belongs." in message
    assert "sigma'(sigma(z))" in message and "What differs:" in message


def test_a_wrong_answer_outside_the_catalogue_is_not_named():
    for seed in range(3):
        message = verdict("backward", lambda *a: tuple([None] + [x + 0.01 for x in part[1:]]
                                                       for part in R.backward(*a)), seed)
        assert message and find(message) is None and "Recognised mistake" not in message


def test_a_function_that_changes_its_input_is_named():
    def in_place(W, b, dW, db, lr):
        for l in range(1, len(W)):
            W[l] -= lr * dW[l]
            b[l] -= lr * db[l]
        return W, b
    message = verdict("gd_step", in_place, 0)
    assert find(message) is CATALOGUE["mutates_input"]


def test_mistaken_backward_with_no_mistake_is_the_reference():
    rng = np.random.default_rng(4)
    for _ in range(10):
        args = judge.ITEMS["backward"].cases(rng)
        assert judge.ITEMS["backward"].compare(diagnose.mistaken_backward(*args), R.backward(*args), "b") is None


def test_the_report_counts_a_mistake_once_whatever_its_numbers():
    a = verdict("relu_prime", lambda z: (np.asarray(z) >= 0).astype(float), 0)
    b = verdict("relu_prime", lambda z: (np.asarray(z) >= 0).astype(float), 1)
    assert common_message(a) == common_message(b) == "recognised: ReLU'(0) is taken as 1"


def test_every_catalogue_entry_is_used():
    used = {mid for _, mid, _ in CASES} | {"mutates_input"}
    assert used == set(CATALOGUE)
