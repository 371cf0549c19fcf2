"""Hidden tests: each graded function judged against grader.course.reference.

A hidden test cell is one line, e.g. ``judge.check("sigmoid", sigmoid)``. For every graded item,
grader.course.items holds the designed inputs that every run tries (one of each kind the
specification covers), how to draw random arguments, what the reference returns for them and how
to compare. Random values are drawn from a new seed each run (the instructor's grader passes one
per learner and notebook), so an answer hard-coded to the visible numbers fails; the seed is
printed with any failure to replay it.

Instructor-only: this module imports grader.course.reference and is not shipped to learners.
"""

import copy
import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..learner import checks, delegation
from ..learner.checks import CheckFailed
from ..learner.failures import Failure
from . import diagnose
from .items import ITEMS
from .revealed import ALL as CATALOGUE


def _brief(a):
    """One input as a learner reads it in a message: an array of at most 12 numbers in full, a
    larger one by its shape and range, lists and dicts of them item by item."""
    if isinstance(a, np.ndarray):
        if a.size <= 12 or a.dtype.kind not in "biuf":
            return checks._fmt(a)
        return f"<array of shape {a.shape}, from {a.min():.3g} to {a.max():.3g}>"
    if isinstance(a, (list, tuple)):
        inner = ", ".join(_brief(x) for x in a)
        return f"[{inner}]" if isinstance(a, list) else f"({inner}{',' if len(a) == 1 else ''})"
    if isinstance(a, dict):
        return "{" + ", ".join(f"{k!r}: {_brief(v)}" for k, v in a.items()) + "}"
    if hasattr(a, "wire_recipe"):
        return repr(a)
    return "<function>" if callable(a) else repr(a)


def _show(args):
    text = ", ".join(_brief(a) for a in args)
    return text if len(text) < 400 else text[:400] + " ..."


def _signature(args):
    """The shapes of a case's arrays and the lengths of its lists: what makes two cases differ in
    shape and in the number of samples."""
    return tuple(
        np.shape(a)
        if isinstance(a, np.ndarray)
        else (len(a), _signature(a))
        if isinstance(a, (list, tuple))
        else type(a).__name__
        for a in args
    )


def _certain_mistake(name, item, call, args, actual, expected, designed, rng):
    """The misconception the learner's answer shows, named only when it is certain: the answer
    equals that mistake's value on the failing input AND on a second input of another shape and
    number of samples (where every input of the item has one shape, on other values); a mistake
    is only looked for in the functions where it can happen (Item.mistakes). Otherwise None:
    the message then describes the difference without naming a cause."""
    found = diagnose.candidates(name, args, actual, expected, item.compare)
    if not found:
        return None
    others = [case for case in designed if _signature(case) != _signature(args)]
    if not others:  # one shape for every input (the 2-2-2 network)
        others = [item.random_case(rng) for _ in range(2)]
    for misconception, mistaken in found:
        for case in others:
            try:
                value = call(case)
            except Exception:  # noqa: BLE001 - the answer fails there another way
                continue
            if diagnose.reproduces(name, mistaken, case, value, item.expected, item.compare):
                return misconception
    return None


def _input(item, designed, trial, rng):
    """The arguments of input number `trial` (from 1): the designed ones first, then random ones."""
    return designed[trial - 1] if trial <= len(designed) else item.random_case(rng)


def run(name: str, call: Callable[[tuple], Any], seed: int | None = None, explain: bool = True) -> None:
    """Judge graded item `name`: for each input (the designed ones, then random ones drawn from
    `seed`), compare call(args) with the reference. `call` returns the learner's value or raises
    CheckFailed saying why there is none. Raises CheckFailed naming the input (and the seed, to
    replay it) at the first failure, with a diagnosis unless explain is False (a verdict alone)."""
    item = ITEMS[name]
    seed = secrets.randbits(32) if seed is None else seed
    rng = np.random.default_rng(seed)
    designed = item.designed_cases(rng) if item.designed_cases else []
    total = len(designed) + item.random_trials
    for trial in range(1, total + 1):
        args = _input(item, designed, trial, rng)
        expected = item.expected(*copy.deepcopy(args))
        where = {"item": name, "input": trial, "inputs": total, "seed": seed, "replay": f"{name}({_show(args)})"}
        try:
            actual = call(args)
        except CheckFailed as failed:
            failure = failed.failure
            if failure.kind in ("not written", "undefined"):
                raise  # nothing to replay: the function is missing
            found = diagnose.for_failure(failure) if explain else None
            detail = failure.detail if found else failure.detail + hint(failure.detail)
            raise _failed(replace(failure, detail=detail, mistake=found.id if found else "", **where)) from None
        with checks.naming() as named:
            msg = item.compare(actual, expected, name)
        if msg:
            found = _certain_mistake(name, item, call, args, actual, expected, designed, rng) if explain else None
            mistake = found.id if found else named[0] if named else ""
            if mistake:  # the failure names it: the comparison's words need not
                with checks.naming(False):
                    msg = item.compare(actual, expected, name)
            raise _failed(Failure("wrong", msg, mistake=mistake, **where))
    if item.extra_check:
        msg = item.extra_check(call, rng)
        if msg:
            raise _failed(Failure("wrong", msg, name, seed=seed))


def _failed(failure):
    return CheckFailed(failure.message(CATALOGUE), failure=failure)


def passes(name: str, call: Callable[[tuple], Any], seed: int) -> bool:
    """Whether run(name, call, seed) would pass, on the same inputs, without the message it makes
    at a failure (grader.authoring.mutants asks this for every mutant on hundreds of seeds)."""
    item = ITEMS[name]
    rng = np.random.default_rng(seed)
    designed = item.designed_cases(rng) if item.designed_cases else []
    for trial in range(1, len(designed) + item.random_trials + 1):
        args = _input(item, designed, trial, rng)
        expected = item.expected(*copy.deepcopy(args))
        try:
            if item.compare(call(args), expected, name):
                return False
        except CheckFailed:
            return False
    return not (item.extra_check and item.extra_check(call, rng))


# What a learner can do about an error their function raised, by the error's text.
HINTS = [
    (
        "OverflowError",
        "math.exp overflows for large |z| (the inputs reach |z| = 1000): use np.exp, "
        "which returns inf with a warning instead of raising, or np.tanh for tanh.",
    ),
    (
        "ZeroDivisionError",
        "something was divided by zero: look at what is divided by a count, a "
        "norm or a difference, and at inputs such as z = 0 or one sample.",
    ),
    (
        "UFuncTypeError",
        "an integer array cannot hold a fractional result: start from floats, "
        "e.g. np.asarray(x, dtype=float) or np.zeros(shape) rather than np.zeros_like(ints).",
    ),
    (
        "Cannot cast",
        "an integer array cannot hold a fractional result: start from floats, e.g. np.asarray(x, dtype=float).",
    ),
    (
        "matmul: Input operand",
        "two shapes do not fit a matrix product: write down the shape of each "
        "factor (W^(l) is (n_l, n_(l-1)), a batch is (n_units, n_samples)).",
    ),
    ("could not be broadcast", "two shapes do not fit: write down the shape of each array in the line."),
]


def hint(text):
    """'. ' + what to do about an error with this text, or ''."""
    return next((". " + advice for key, advice in HINTS if key in text), "")


def _called(fn, name):
    """call(args) for a learner's function in this process: its value, or CheckFailed naming the
    error it raised (as the sandbox reports it), so that both say the same."""

    def call(args):
        try:
            return checks.call(fn, *args, name=name, forbid_warnings=ITEMS[name].forbids_warnings)
        except CheckFailed:
            raise
        except delegation.Delegated as err:
            raise CheckFailed(str(err), kind="delegated") from None
        except Exception as err:  # noqa: BLE001 - a learner's error of any kind
            text = f"{name} raised {type(err).__name__}: {err}"[:500]
            raise CheckFailed(text, failure=Failure("raised", text, name, error=type(err).__name__)) from None

    return call


def check(name: str, fn: Callable, seed: int | None = None) -> None:
    """Judge the learner's fn for graded item `name` against the reference on random inputs
    (this is what a hidden test cell calls, inside the learner's kernel)."""
    run(name, _called(fn, name), seed)
