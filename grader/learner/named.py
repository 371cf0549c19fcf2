"""Naming a catalogued mistake in the learner's own session, without the reference.

`python -m grader release` runs each solution notebook once and keeps the arguments of every call a
test block makes of its own function (checks.call inside checks.test(item)). For each such call it
computes what each catalogued mistake of that item gives (grader.course.items: Item.mistakes) and
writes the arguments and those values to mistaken.json beside this file (grader.authoring.mistaken).
Nothing there computes an answer: the arguments are the visible tests' own, and the values are the
mistakes', on inputs whose right answers the visible tests hold already. The derive-it-yourself items
are left out (their visible tests compare with central differences, not with stored answers, and a
mistake's value could give the answer away), and so are the mistakes whose explanations only the
instructor's catalogue has.

When a test block fails, its function is called again on each stored input, and a mistake is named
when the results equal that mistake's values on every one of them, and there are at least two whose
inputs differ in shape, or two inputs at all where every input of the function has one shape (the
2-2-2 network): the rule the judge uses (grader.course.judge._certain_mistake).
"""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import expected

FILE = Path(__file__).with_name("mistaken.json")


def signature(args):
    """The shapes of a call's arrays and the lengths of its lists: inputs that differ here differ in
    shape or in the number of samples."""

    def of(a):
        if isinstance(a, np.ndarray):
            return list(a.shape)
        if isinstance(a, (list, tuple)):
            return [len(a), [of(v) for v in a]]
        if isinstance(a, dict):
            return {str(k): of(v) for k, v in a.items()}
        return type(a).__name__

    return json.dumps([of(a) for a in args], sort_keys=True)


@lru_cache(maxsize=1)
def _stored():
    return json.loads(FILE.read_text()) if FILE.exists() else {}


def cases(item):
    """[(args, kwargs, signature, [(mistake id, which of its functions, value)])] stored for item."""
    return [
        (
            expected.decode(case["args"]),
            expected.decode(case["kwargs"]),
            case["signature"],
            [(mid, which, expected.decode(value)) for mid, which, value in case["values"]],
        )
        for case in _stored().get(item, [])
    ]


def mistake(item, call, compare):
    """The id of the catalogued mistake item's function shows for certain, or "". call(args, kwargs)
    gives the function's result (or raises); compare(actual, expected, name) -> message or None."""
    stored = cases(item)
    one_shape = len({sig for _, _, sig, _ in stored}) == 1
    seen = {}  # (mistake id, which of its mistaken functions) -> [(equal?, signature)]
    for k, (args, kwargs, sig, values) in enumerate(stored):
        sig = f"{sig} #{k}" if one_shape else sig  # one shape for every input: two inputs suffice
        try:
            result = call(args, kwargs)
        except Exception:  # noqa: BLE001 - it fails there another way: that input tells nothing
            continue
        for mid, which, value in values:
            seen.setdefault((mid, which), []).append((compare(result, value, item) is None, sig))
    for (mid, _), found in seen.items():
        if all(equal for equal, _ in found) and len({sig for _, sig in found}) >= 2:
            return mid
    return ""
