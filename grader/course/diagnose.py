"""Recognising which catalogued mistake (grader.learner.misconceptions) a wrong answer made.

For each graded function, grader.course.items lists the misconceptions that apply to it (Item.mistakes),
each with the function a learner who made that mistake would have written, built from the
reference. A wrong output is a candidate for a mistake when it equals that mistaken function's
output on the same inputs; the judge names it only when a second input of another shape agrees
(grader.course.judge._certain_mistake). A mistake that gives the right answer on these inputs (f'(z) = 1
for an identity layer, W = W^T for a 1x1 weight) cannot be told apart there and is skipped.

Instructor side: hidden tests and the instructor's grader call it.
"""

import copy

from .items import ITEMS
from .revealed import ALL as CATALOGUE


def _mistaken_value(mistaken, args):
    try:
        return True, mistaken(*copy.deepcopy(args))
    except Exception:  # noqa: BLE001 - not applicable to these shapes
        return False, None


def candidates(item, args, actual, expected, compare):
    """[(Misconception, mistaken function)] whose mistaken function gives `actual` on `args`
    (compare(actual, value, name) is None). Mistakes that give `expected` on these inputs are
    skipped: they cannot be told apart there."""
    found = []
    for mid, mistaken in ITEMS[item].mistakes:
        ok, value = _mistaken_value(mistaken, args)
        if ok and compare(value, expected, item) is not None and compare(actual, value, item) is None:
            found.append((CATALOGUE[mid], mistaken))
    return found


def reproduces(item, mistaken, args, actual, expected, compare):
    """Whether `actual`, the learner's value on args, is the mistaken function's value there
    while the right value differs (the mistake shows on these inputs and the learner made it)."""
    ok, value = _mistaken_value(mistaken, args)
    return (
        ok and compare(value, expected(*copy.deepcopy(args)), item) is not None and compare(actual, value, item) is None
    )


def for_failure(failure):
    """The catalogue entry a failure (checks.CheckFailed) points to without a value to compare (a
    function that changed its inputs), or None."""
    return CATALOGUE["mutates_input"] if failure.kind == "mutated" else None
