"""Checks that the notebooks' test cells call. Each failure says WHAT differs.

Shipped to learners with the release notebooks: depends on numpy and grader.learner.gradcheck only,
never on grader.course.reference.

    test(item)                       a test cell's block: a failure is reported in one message, not raised
    call(fn, *args)                  run a learner's function safely (copies, no stderr, no mutation)
    close(actual, expected, name)    compare numbers, arrays, tuples, lists or dicts
    layers(actual, expected, name)   compare per-layer lists; names the first wrong layer
    gradient(analytic, f, x, name)   compare an analytic gradient with central differences
    expect(holds, claim)             a demonstration's claim, checked on the run's own numbers
"""

import contextlib
import contextvars
import copy
import inspect
import io
import os
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import delegation
from .failures import Failure
from .gradcheck import norm_rel_error, numerical_gradient
from .misconceptions import CATALOGUE
from .tolerances import ATOL, RTOL


class CheckFailed(AssertionError):
    """A check found a difference; the message says which, for a person. `failure` is the same as
    a value (grader.learner.failures.Failure), for the code that acts on it: its kind ("wrong", a
    value that differs; "undefined", no such function; "not written", it or a function it calls
    still raises NotImplementedError; "mutated", it changed an argument in place; ...), the
    mistake it shows, and so on. Code reads the fields, never the message's words."""

    def __init__(self, message="", kind=None, failure=None):
        super().__init__(message)
        self.failure = failure if failure is not None else Failure(kind or "wrong", detail=message)

    @property
    def kind(self):
        return self.failure.kind

    def __reduce__(self):  # the failure survives a trip between processes
        return type(self), (str(self), None, self.failure)


# ---------------------------------------------------------------------------------------------
# A test cell
# ---------------------------------------------------------------------------------------------

PASSED = {}  # item -> whether its test cell passed, the last time it ran in this kernel
FAILED = {}  # item -> its Failure, if its test cell failed the last time it ran in this kernel
_RUNNING = []  # items whose test block is running
_TESTED = {}  # item -> the function its running test block calls (checks.call of the item's own name)
SEEN = []  # (item, args, kwargs) of every such call, kept in the release's recording run (COURSE_RECORD)


def _learner_frames(err):
    """The traceback of err without the course's own frames: the lines of the learner's code."""
    course = str(Path(__file__).resolve().parents[1])
    frames = [f for f in traceback.extract_tb(err.__traceback__) if not f.filename.startswith(course)]
    return "".join(traceback.format_list(frames[1:]))  # [0] is the test cell's own line


@contextlib.contextmanager
def test(item):
    """The checks of item's test cell, run as a block:

        with checks.test("sigmoid"):
            checks.close(checks.call(sigmoid, 0.0), 0.5, "sigmoid(0)")

    A failure is written to stderr as one message, the check's words and, for an error in the
    learner's code, the lines of that code only. It is not raised, so Run All goes on to the
    demonstrations (which use the course's recorded results meanwhile: grader.learner.fallbacks),
    and nbgrader still scores the cell 0 (it gives 0 to a test cell that writes to stderr).
    The result is kept in PASSED (and the failure in FAILED) for the fallbacks, for
    selfcheck.summary() and for `python -m grader check`, which reads FAILED."""
    PASSED[item] = False
    FAILED.pop(item, None)
    _RUNNING.append(item)
    try:
        with naming(False) as named:  # the failure names its mistake; the detail need not repeat it
            yield
    except Exception as err:  # noqa: BLE001 - a failed check, or any error of the learner's code
        failure = _test_failure(item, err, named).after(failing_callees(item))
        if failure.kind in ("wrong", "raised") and not failure.mistake:
            failure = _with_named_mistake(failure)
        FAILED[item] = failure
        if failure.kind == "undefined":
            sys.stderr.write(f"✗ {item} cannot be tested: {failure.detail}\n")
        else:
            sys.stderr.write(f"✗ {item} fails its test: {failure.message(CATALOGUE)}\n")
    else:
        PASSED[item] = True
        print(f"✓ {item} passes its test.")
    finally:
        _RUNNING.remove(item)
        _TESTED.pop(item, None)


def _with_named_mistake(failure):
    """failure naming the catalogued mistake the tested function shows for certain on the visible
    tests' stored inputs (grader.learner.named), if it does."""
    from dataclasses import replace

    from .named import mistake

    fn = _TESTED.get(failure.item)
    if fn is None:
        return failure
    found = mistake(failure.item, lambda args, kwargs: call(fn, *args, name=failure.item, **kwargs), difference)
    return replace(failure, mistake=found) if found else failure


def failing_callees(item):
    """The graded functions `item` calls, as its exercise says, whose tests failed in this kernel."""
    from .manifest import graded_item

    found = graded_item(item)
    failing = {name for name, passed in PASSED.items() if not passed and name not in _RUNNING}
    return found.failing_calls(failing) if found else ()


def _test_failure(item, err, named):
    """The Failure of a test block that raised err, naming the first mistake its checks named."""
    where = _learner_frames(err)
    if isinstance(err, delegation.Delegated):
        return Failure("delegated", str(err), item)
    if isinstance(err, CheckFailed) and not where:  # a check of the test itself
        return Failure(err.kind, err.failure.detail, item, mistake=err.failure.mistake or (named[0] if named else ""))
    if isinstance(err, AssertionError) and not where:
        return Failure("wrong", str(err), item)
    if isinstance(err, NameError) and not where:
        return Failure(
            "undefined",
            f"{err}. Run the cells above it first (the answer cell defines the function); if you did, "
            "its answer cell stopped with an error (a SyntaxError, say) before defining it: look there.",
            item,
        )
    return Failure(
        "raised",
        f"it raised {type(err).__name__}: {err}" + (f"\nin your code:\n{where.rstrip()}" if where else ""),
        item,
        error=type(err).__name__,
    )


def running():
    """The items whose test blocks are running now (a test may compare with use.X: no note then)."""
    return tuple(_RUNNING)


FAILURES_MIME = "application/vnd.backprop-course.failures+json"


def publish_failures():
    """Show FAILED as data (the fields of each Failure) in the MIME type FAILURES_MIME: the last
    cell `python -m grader check` runs, to read how each test failed without reading its words."""
    from IPython.display import display

    display({FAILURES_MIME: {item: f.as_record() for item, f in FAILED.items()}}, raw=True)


# ---------------------------------------------------------------------------------------------
# Calling a learner's function
# ---------------------------------------------------------------------------------------------


def _same(a, b):
    """True if a and b hold equal values (arrays compared exactly, NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:
        return a is b


def _name_of(fn):
    return getattr(fn, "__name__", "your function")


@contextlib.contextmanager
def quiet():
    """Run learner code with its warnings and stderr kept out of the test cell's output
    (nbgrader gives 0 to a test cell that writes to stderr, whatever the values)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def unwritten(name, err):
    """The function that raised NotImplementedError err while `name` ran: name itself, or a
    function it calls (a stub left as released)."""
    tb = err.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    inner = tb.tb_frame.f_code.co_name
    return name if inner in (name, "<lambda>", "<module>") else inner


def _not_written(name, err):
    """Which function still raises NotImplementedError: the one called, or one it calls."""
    inner = unwritten(name, err)
    if inner == name:
        return f"{name} is not written yet: replace `raise NotImplementedError()` with your code."
    return f"{name} calls {inner}, which is not written yet: replace its `raise NotImplementedError()` with your code."


def call(fn: Callable, *args, name: str | None = None, forbid_warnings: bool = False, **kwargs) -> Any:
    """Call a learner's function the way every check does, and return its result.

    - It gets deep copies of the arguments; if it changes one in place, the check fails
      (a function that modifies its inputs corrupts the caller's data).
    - Warnings and anything written to stderr are captured, so a correct answer that happens
      to warn (e.g. overflow in exp) still passes; its value is what is judged. Where the
      exercise asks for no warnings (forbid_warnings), a warning fails the check.
    - A function still raising NotImplementedError is reported as not written yet.
    """
    name = name or _name_of(fn)
    if _RUNNING and name == _RUNNING[-1]:  # the function a failing test block names a mistake of
        _TESTED[name] = fn
    _no_library(fn, name)
    given = copy.deepcopy((args, kwargs))
    with quiet(), warnings.catch_warnings(record=True) as caught, _warning_on(forbid_warnings):
        warnings.simplefilter("always" if forbid_warnings else "ignore")
        try:
            with delegation.testing(name):
                result = fn(*given[0], **given[1])
        except NotImplementedError as err:
            raise CheckFailed(_not_written(name, err), kind="not written") from None
    if forbid_warnings and caught:
        raise CheckFailed(warned_text(name, caught[0].category.__name__, caught[0].message), kind="warned")
    if _RUNNING and name == _RUNNING[-1]:  # a test block calling its own function (grader.learner.named)
        if os.environ.get("COURSE_RECORD"):
            SEEN.append((name, copy.deepcopy(args), copy.deepcopy(kwargs)))
    for i, (before, after) in enumerate(zip(args, given[0])):
        if not _same(before, after):
            raise CheckFailed(
                f"{name} changed its argument #{i + 1} in place. Compute new values instead "
                "(for example `W = W - lr * dW` creates a new array; `W -= lr * dW` overwrites "
                "the caller's W).",
                kind="mutated",
            )
    for key in kwargs:
        if not _same(kwargs[key], given[1][key]):
            raise CheckFailed(
                f"{name} changed its argument {key!r} in place; compute new values instead.", kind="mutated"
            )
    return result


def _warning_on(on):
    """numpy's floating-point warnings switched on (overflow, division by zero, invalid values)."""
    return np.errstate(over="warn", divide="warn", invalid="warn", under="ignore") if on else contextlib.nullcontext()


def warned_text(name, category, message):
    """What a check says of a function that warned where its exercise asks for no warnings."""
    return (
        f"{name} emitted {category} ({message}) on these inputs; the exercise asks for a form that "
        "does not overflow for large |z|, with no warnings."
    )


def attempt(fn, *args, name=None, **kwargs):
    """A learner's fn(*args, **kwargs) for a cell whose point is their own function (a gradient
    check by central differences): its value, or None with a one-line note when it is not written
    yet or raises. Never the course's version: the cell shows the learner's own numbers."""
    name = name or _name_of(fn)
    if not callable(fn):
        print(f"({name} is not defined yet: run its answer cell first.)")
        return None
    try:
        with quiet():
            return fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except NotImplementedError:
        print(f"({name} is not written yet: this cell checks your own {name}, so it has nothing to show.)")
    except Exception as err:  # noqa: BLE001 - any error of the learner's code
        print(f"(Your {name} raised {type(err).__name__}: {str(err)[:200]})")
    return None


def _no_library(fn, name):
    """Delegated if fn's code calls a library function that computes graded item `name`."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return
    found = delegation.library_calls(name, source, derive=name in delegation.derived())
    if found:
        raise delegation.Delegated(f"{name} calls {', '.join(found)}, which computes it for you; write your own.")


# ---------------------------------------------------------------------------------------------
# Comparing values
# ---------------------------------------------------------------------------------------------


def _fmt(x):
    return np.array2string(np.asarray(x), precision=9, threshold=12, edgeitems=3, separator=", ")


def _as_float_array(actual, name, expected):
    if actual is None:
        raise CheckFailed(f"{name} is None: did the function forget to `return` its result?")
    try:
        arr = np.asarray(actual)
    except Exception:
        raise CheckFailed(f"{name} is a {type(actual).__name__}, not a number or array") from None
    if arr.dtype == object:
        raise CheckFailed(f"{name} is a {type(actual).__name__} that numpy cannot read as numbers: {actual!r:.200}")
    if arr.dtype.kind not in "biuf":
        raise CheckFailed(
            f"{name} has dtype {arr.dtype} but should hold floating-point numbers "
            f"(float64); e.g. use .astype(float). Values: {_fmt(arr)}"
        )
    return arr.astype(np.float64)  # integers and booleans are compared by value (exact 0/1 slopes are right)


def _integers(actual):
    """Whether actual is an integer or boolean array (or number)."""
    return not isinstance(actual, (list, tuple, dict)) and np.asarray(actual).dtype.kind in "biu"


def _scale_factor(a, e):
    """c if a == c * e for one constant c (over entries where e is not tiny), else None."""
    mask = np.abs(e) > 1e-12 * max(1.0, float(np.max(np.abs(e), initial=0.0)))
    if not mask.any() or not np.allclose(a[~mask], 0.0, atol=1e-12):
        return None
    ratios = a[mask] / e[mask]
    c = float(np.median(ratios))
    if abs(c) > 1e-12 and np.allclose(ratios, c, rtol=1e-6, atol=0):
        return c
    return None


def _describe_factor(c):
    for value, words in (
        (-1.0, "the negative of the expected value (a sign is flipped)"),
        (2.0, "twice the expected value (a factor 2 too many?)"),
        (0.5, "half the expected value (a factor 2 missing?)"),
    ):
        if np.isclose(c, value, rtol=1e-6):
            return words
    return f"{c:.6g} times the expected value everywhere (a constant factor is off)"


_NAMING = contextvars.ContextVar("naming", default=(True, None))


@contextlib.contextmanager
def naming(on=True):
    """Within it, comparisons name the catalogued mistakes they recognise in their messages (on)
    or leave the words out (a caller that names the mistake itself); either way the ids they
    recognise are collected in the list it yields."""
    named = []
    token = _NAMING.set((on, named))
    try:
        yield named
    finally:
        _NAMING.reset(token)


def _named(mistake):
    """' Recognised mistake: ...' for a comparison's message (or '' where naming is off), and the
    mistake noted for the caller of naming()."""
    on, named = _NAMING.get()
    if named is not None:
        named.append(mistake)
    return " " + CATALOGUE[mistake].message() if on else ""


def _transposed(name):
    """The catalogue's explanation when a weight gradient comes out transposed."""
    return _named("dW_transposed") if ("W" in name or "grad" in name) else ""


def _array_message(a, e, name, rtol, atol):
    """Why array a (float) does not match e; None if it does."""
    if a.shape != e.shape:
        msg = f"{name} has shape {a.shape} but should have shape {e.shape}"
        if a.shape == e.T.shape and np.allclose(a, e.T, rtol=rtol, atol=atol):
            return msg + ": it equals the expected value transposed." + _transposed(name)
        if (
            a.ndim == 2
            and e.ndim == 2
            and e.shape[1] == 1
            and a.shape[0] == e.shape[0]
            and np.allclose(a.sum(axis=1, keepdims=True), e, rtol=rtol, atol=atol)
        ):
            return msg + ": summed over its columns it is right." + _named("bias_not_summed")
        if a.size == e.size and np.allclose(a.reshape(e.shape), e, rtol=rtol, atol=atol):
            return (
                msg + ": the numbers are right but arranged in the wrong shape (reshape, or keep "
                "the axis with keepdims=True)."
            )
        if a.size == 1 and e.size > 1:
            return msg + ": it is a single number; was it summed over the wrong axis, or over every axis?"
        if e.size == 1 and a.size > 1:
            return msg + ": it should be a single number; was a sum or mean left out?"
        return msg + "."
    bad_nan = ~np.isfinite(a) & np.isfinite(e)
    if bad_nan.any():
        idx = tuple(int(i) for i in np.argwhere(bad_nan)[0]) if a.ndim else ()
        return (
            f"{name} contains {a[idx] if a.ndim else a} at index {idx} where "
            f"{e[idx] if e.ndim else e:.9g} is expected (an overflow or a division by zero?)."
        )
    wrong = ~np.isclose(a, e, rtol=rtol, atol=atol)
    if not wrong.any():
        return None
    if a.ndim == 0:
        msg = f"{name} is {float(a):.10g} but should be {float(e):.10g}"
    else:
        first = tuple(int(i) for i in np.argwhere(wrong)[0])
        msg = (
            f"{name}: {int(wrong.sum())} of {a.size} entries differ; the first is at index "
            f"{first}: got {a[first]:.10g}, expected {e[first]:.10g}"
        )
    allowed = atol + rtol * np.abs(e)  # the test is numpy.isclose: say what it measured
    worst = np.unravel_index(np.argmax(np.abs(a - e) / allowed), a.shape) if a.ndim else ()
    msg += (
        f" (off by {float(np.abs(a - e)[worst]):.2e} where at most {float(allowed[worst]):.2e} is allowed: "
        f"|got - expected| <= {atol:g} + {rtol:g} |expected|)"
    )
    c = _scale_factor(a, e)
    if c is not None and abs(c - 1.0) < 1e-3:
        c = None  # a rounding-size difference is not a "constant factor"
    if c is not None and a.size == 1 and not np.isclose(abs(np.log2(abs(c))), 1) and not np.isclose(c, -1):
        c = None  # for one number any ratio is "constant": only name the telling ones
    if c is not None:  # described, not named: a factor 2 has more causes than one (a cost's 1/2, a
        msg += f". It is {_describe_factor(c)}."  # mean taken twice, two outputs); the judge names
    elif a.ndim == 2 and a.shape[0] == a.shape[1] and a.shape[0] > 1 and np.allclose(a, e.T, rtol=rtol, atol=atol):
        msg += ". It equals the expected value transposed." + _transposed(name)
    else:
        msg += "."
    return msg


def difference(actual, expected, name="result", rtol=RTOL, atol=ATOL):
    """A sentence saying how actual differs from expected, or None if they match.

    expected may be a number, an array (a list of numbers counts as one), or a tuple, a list
    of arrays, or a dict of those (compared entry by entry, named name[0], name['key'], ...). Numbers match when
    |actual - expected| <= atol + rtol |expected| (numpy.isclose).
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{name} should be a dict with keys {sorted(expected)}, not a {type(actual).__name__}."
        missing = [k for k in expected if k not in actual]
        if missing:
            return f"{name} is missing the key(s) {missing}; it has {sorted(actual)}."
        for key in expected:
            msg = difference(actual[key], expected[key], f"{name}[{key!r}]", rtol, atol)
            if msg:
                return msg
        return None
    if isinstance(expected, tuple) or (
        isinstance(expected, list)
        and any(e is None or isinstance(e, (np.ndarray, list, tuple, dict)) for e in expected)
    ):
        if not isinstance(actual, (tuple, list)):
            return (
                f"{name} should be a {type(expected).__name__} of {len(expected)} values, "
                f"not a {type(actual).__name__}."
            )
        if len(actual) != len(expected):
            return f"{name} should hold {len(expected)} values but holds {len(actual)}."
        for i, (a, e) in enumerate(zip(actual, expected)):
            if e is None:
                if a is not None:
                    return f"{name}[{i}] should be None (index 0 is unused), not {a!r:.60}."
                continue
            msg = difference(a, e, f"{name}[{i}]", rtol, atol)
            if msg:
                return msg
        return None
    e = np.asarray(expected, dtype=np.float64)
    try:
        a = _as_float_array(actual, name, e)
    except CheckFailed as failure:
        return str(failure)
    msg = _array_message(a, e, name, rtol, atol)
    if msg and _integers(actual) and e.dtype.kind == "f" and not np.all(e == np.round(e)):
        msg += (
            f" {name} holds {np.asarray(actual).dtype} numbers, which cannot have fractions: compute in "
            "floats (e.g. np.asarray(x, dtype=float), or np.zeros(shape) rather than np.zeros_like of integers)."
        )
    if msg and getattr(actual, "dtype", None) in (np.float16, np.float32):
        msg += (
            f" {name} holds {actual.dtype} numbers (about {7 if actual.dtype == np.float32 else 3} "
            "significant digits); the course computes in float64: leave out the dtype=np.float32 or "
            ".astype(np.float32)."
        )
    return msg


def floats(actual, expected, name="result", rtol=RTOL, atol=ATOL):
    """difference(), for a result the exercise asks for as floats: booleans (True/False) are not
    accepted, however right their values."""
    if not isinstance(actual, (dict, list, tuple)) and np.asarray(actual).dtype == bool:
        return (
            f"{name} holds booleans (True/False); the exercise asks for floats (1.0 and 0.0): "
            "convert with .astype(float)."
        )
    return difference(actual, expected, name, rtol, atol)


def close(actual, expected, name="result", rtol=RTOL, atol=ATOL, as_floats=False):
    """Fail with a message saying what differs unless actual matches expected (see difference).
    Right values of an integer or boolean dtype pass, with a note (printed, not an error), unless
    the exercise asks for floats (as_floats: see floats)."""
    msg = (floats if as_floats else difference)(actual, expected, name, rtol, atol)
    if msg:
        raise CheckFailed(msg)
    if _integers(actual) and np.asarray(expected).dtype.kind == "f" and np.ndim(actual) > 0:
        print(
            f"note: {name} holds {np.asarray(actual).dtype} values; they are right, and were compared as "
            "floats (the course's own functions return float64)."
        )


def layers(actual, expected, name="result", rtol=RTOL, atol=ATOL):
    """Compare per-layer lists (index l = layer l, index 0 None), checking from the last layer
    backwards as backpropagation computes them; the message names the first wrong layer."""
    if not isinstance(actual, (list, tuple)):
        raise CheckFailed(f"{name} should be a list indexed by layer, not a {type(actual).__name__}.")
    L = len(expected) - 1
    if len(actual) != len(expected):
        raise CheckFailed(
            f"{name} should have {L + 1} entries (index 0 unused, then layers 1..{L}) but has {len(actual)}."
        )
    if actual[0] is not None:
        raise CheckFailed(f"{name}[0] should be None: index l holds layer l, and there is no layer 0.")
    for l in range(L, 0, -1):
        msg = difference(actual[l], expected[l], f"{name}[{l}]", rtol, atol)
        if msg:
            right = "" if l == L else f"; layer {L} is right" if l + 1 == L else f"; layers {l + 1}..{L} are right"
            shifted = [k for k in (l - 1, l + 1) if 1 <= k <= L and _same_value(actual[l], expected[k], rtol, atol)]
            if shifted and not _same_value(expected[l], expected[shifted[0]], rtol, atol):
                msg = (
                    f"{name}[{l}] equals the expected value of layer {shifted[0]}: is an index off by one "
                    f"(W[l] for W[l+1], or a[l] for a[l-1])?"
                )
            raise CheckFailed(f"Going backwards from the output, the first wrong layer is l={l}{right}. {msg}")


def _same_value(actual, expected, rtol, atol):
    """Whether actual matches expected (difference() finds nothing), quietly."""
    try:
        return difference(actual, expected, "", rtol, atol) is None
    except Exception:  # noqa: BLE001 - values that cannot be compared are not the same
        return False


def expect(holds, claim):
    """A demonstration's claim, checked on the numbers its cell just computed: prints "✓ claim" if
    it holds, else says that this run does not show it. Demonstrations are not graded, so this never
    raises and writes nothing to stderr; the stored outputs of the solutions hold every ✓, so a run
    where a claim fails differs from them (nbval, in the course's own tests). Returns None: as a
    cell's last line it adds nothing to the output."""
    print(f"✓ {claim}" if holds else f"✗ This run does not show what the text says: {claim}")


def gradient(analytic, f, x, name="gradient", h=1e-5, tol=RTOL):
    """Fail unless `analytic` matches the central-difference gradient of f at x.

    The figure compared with tol is ||analytic - numeric|| / (||analytic|| + ||numeric||).
    Returns None: as the last line of an nbgrader test cell, a number would be read as a
    partial score.
    """
    with quiet():
        numeric = numerical_gradient(f, x, h)
    a = _as_float_array(analytic, name, np.asarray(numeric))
    if a.shape != np.shape(numeric):
        raise CheckFailed(_array_message(a, np.asarray(numeric, dtype=float), name, tol, 0.0))
    err = norm_rel_error(a, numeric)
    if err > tol:
        detail = _array_message(a, np.asarray(numeric, dtype=float), name, tol, 1e-12)
        raise CheckFailed(
            f"{name} disagrees with central differences (relative error "
            f"{err:.2e}, tolerance {tol:g}). " + (detail or f"Central differences: {_fmt(numeric)}; yours: {_fmt(a)}.")
        )
