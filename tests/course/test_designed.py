"""The rule every item's designed inputs follow (grader.course.inputs, rules D1, D2 and C): every
branch of the specification that an item's random inputs can reach is in its designed inputs,
which every seed tries, so that no answer wrong on one branch only passes on a lucky seed.

The check runs over the inputs themselves: the random inputs an item draws say which dimensions
can be 1 or more, which pairs of dimensions can be equal or different; its designed inputs, on
every one of SEEDS seeds, must show each of these. A new item, or a new kind of random input,
whose designed inputs miss a branch fails here, naming the branch."""

import inspect
from itertools import combinations

import numpy as np
import pytest

from grader.course import inputs
from grader.course.items import ITEMS

RANDOM_DRAWS = 400  # random inputs drawn per item to learn what its specification allows
SEEDS = 10  # seeds on which the designed inputs are checked


def names(item):
    return list(inspect.signature(item.reference).parameters)


def branches(cases, params):
    """The branches a set of inputs shows: ('1', d), ('>1', d), ('=', d, e) at 2 or more, ('!=', d, e)."""
    shown = set()
    for args in cases:
        dims = inputs.dimensions(args, params)
        shown |= {("1" if v == 1 else ">1", d) for d, v in dims.items()}
        for (d, v), (e, w) in combinations(sorted(dims.items()), 2):
            if v == w >= 2:
                shown.add(("=", d, e))
            elif v != w:
                shown.add(("!=", d, e))
    return shown


def random_cases(item):
    rng = np.random.default_rng(20240624)
    return [item.random_case(rng) for _ in range(RANDOM_DRAWS)]


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_designed_inputs_cover_every_shape_relation_the_random_ones_reach(name):
    """Rules D1 and D2: every dimension 1 once and more than 1 once, every pair of dimensions
    equal (at 2 or more) once and different once, wherever the random inputs can be either."""
    item = ITEMS[name]
    params = names(item)
    reachable = branches(random_cases(item), params)
    for seed in range(SEEDS):
        designed = item.designed_cases(np.random.default_rng(seed)) if item.designed_cases else []
        missing = sorted(reachable - branches(designed, params))
        assert missing == [], f"{name}, seed {seed}: no designed input shows {missing[:8]}"


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_every_count_is_tried_once_and_above_every_plausible_cap(name):
    """Rule C: an integer argument that is not a seed (train's steps) is 1 in one designed input,
    more than 1 in another, and more than inputs.CAPPED in a third."""
    item = ITEMS[name]
    params = names(item)
    counted = {c for args in random_cases(item) for c in inputs.counts(args, params)}
    for seed in range(SEEDS):
        designed = item.designed_cases(np.random.default_rng(seed)) if item.designed_cases else []
        for count in counted:
            values = [inputs.counts(args, params)[count] for args in designed]
            assert (
                1 in values and any(1 < v <= inputs.CAPPED for v in values) and max(values, default=0) > inputs.CAPPED
            ), f"{name}, seed {seed}: {count} is {values} in the designed inputs"


def test_the_rule_sees_a_missing_branch():
    """The check itself: perceptron_grad's designed inputs without their square W miss m = d."""
    item = ITEMS["perceptron_grad"]
    params = names(item)
    designed = [
        args
        for args in item.designed_cases(np.random.default_rng(0))
        if args[0].shape[0] != args[0].shape[1] or args[0].shape[0] == 1
    ]
    missing = branches(random_cases(item), params) - branches(designed, params)
    assert ("=", "W.shape[0]", "W.shape[1]") in missing


def test_the_issues_three_lucky_branches_are_designed_inputs():
    """Issue 24's lucky seeds: train capped at 20 steps, perceptron_grad transposed for a square W,
    one_hidden_vectorised's db2 summed over the wrong axis when m = n."""
    rng = np.random.default_rng(0)
    assert max(args[-1] for args in ITEMS["train"].designed_cases(rng)) > inputs.CAPPED
    assert any(W.shape[0] == W.shape[1] > 1 for W, _, _ in ITEMS["perceptron_grad"].designed_cases(rng))
    assert any(
        W2.shape[0] == X.shape[1] > 1 for _, _, W2, _, X, *_ in ITEMS["one_hidden_vectorised"].designed_cases(rng)
    )
