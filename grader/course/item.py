"""How one graded function is judged (Item), and the comparisons items share.

A comparison is (actual, expected, name) -> a message saying what differs, or None.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..learner import checks
from ..learner.checks import CheckFailed


@dataclass(frozen=True)
class Item:
    """Everything the grader knows about one graded function.

    The judge (grader.course.judge) tries the designed inputs first, the same kinds of input on
    every seed (each branch of the specification: every depth, shape, scheme, activation and cost
    the function takes, and its special values, by the rule per argument in grader.course.inputs:
    every dimension 1 and more, every pair of dimensions equal and not, every count above any cap),
    then `random_trials` random ones, comparing the learner's value with the reference's;
    `extra_check` checks what no single call shows (e.g. that a seed argument is used).

    The rest serves the other tools: `mistakes` names what a wrong answer did (grader.course.diagnose),
    `edits` and `partial` are the mutants of the solution (grader.authoring.mutants), and `visible`
    computes what the visible tests compare with (grader.authoring.expected)."""

    id: str
    reference: Callable  # *arguments -> the right result
    random_case: Callable  # rng -> tuple of arguments
    spec: Callable | None = None  # *arguments -> what `compare` receives, where no single result is right
    designed_cases: Callable | None = None  # rng -> [tuple of arguments, ...], run on every seed
    random_trials: int = 3
    compare: Callable = checks.difference  # (actual, expected, name) -> message or None
    extra_check: Callable | None = None  # (call, rng) -> message or None, after every input passed
    forbids_warnings: bool = False  # its exercise asks for no warnings (no overflow): a call that warns fails
    # [(misconception id, the function a learner who made that mistake would write)]
    mistakes: Sequence[tuple[str, Callable]] = ()
    # [(misconception id, [(old, new), ...])]: that mistake as edits of the solution's code
    edits: Sequence[tuple[str, list]] = ()
    # [(kind, what it gets wrong, when (a condition on the arguments), how (a statement on `out`))]
    partial: Sequence[tuple[str, str, str, str]] = ()
    # label -> a function computing what a visible test compares with
    visible: Mapping[str, Callable] = field(default_factory=dict)

    def expected(self, *args):
        """What `compare` receives for these arguments: the reference's result, or its specification."""
        return (self.spec or self.reference)(*args)


def per_layer(*names):
    """Compare a tuple of per-layer lists, e.g. (dw, db), naming the first wrong layer."""

    def compare(actual, expected, name):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(names):
            return f"{name} should return {len(names)} values ({', '.join(names)})."
        for part, a, e in zip(names, actual, expected):
            try:
                checks.layers(a, e, f"{name}: {part}")
            except CheckFailed as failure:
                return str(failure)
        return None

    return compare


def layers(actual, expected, name):
    """Compare one per-layer list, naming the first wrong layer going backwards."""
    try:
        checks.layers(actual, expected, name)
    except CheckFailed as failure:
        return str(failure)
    return None


def named(*names):
    """Compare a tuple of arrays, naming each part, e.g. (dW1, db1, dW2, db2)."""

    def compare(actual, expected, name):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(names):
            return f"{name} should return {len(names)} values ({', '.join(names)})."
        for part, a, e in zip(names, actual, expected):
            msg = checks.difference(a, e, f"{name}: {part}")
            if msg:
                return msg
        return None

    return compare


def labels(actual, expected, name):
    """Compare integer class labels exactly."""
    a = np.asarray(actual)
    if a.shape != expected.shape:
        return f"{name} should return one label per sample, shape {expected.shape}, not {a.shape}."
    if not np.issubdtype(a.dtype, np.integer):
        return f"{name} should return integer class labels (e.g. from np.argmax), not {a.dtype}."
    wrong = np.flatnonzero(a != expected)
    if wrong.size:
        i = int(wrong[0])
        return (
            f"{name} gives the wrong class for {wrong.size} of {a.size} samples; sample {i} "
            f"is labelled {a[i]} but its largest output is a^(L)[{expected[i]}]."
        )
    return None
