"""What the demonstrations use, so that a learner stuck on one exercise can still run every cell.

The setup cell of each notebook makes

    use = fallbacks.Working(globals(), "02_worked_example")

and the course's demonstration cells call `use.forward_pass(...)` rather than `forward_pass(...)`.

- For a graded function X, `use.X` is the learner's X once X has passed its test cell in this
  kernel (grader.learner.checks.test records that). Until then it is the course's recorded result
  for that very call (grader.learner.recorded), with a one-line note in the cell's output.
- For a function the notebook defines itself (a training run, a gradient check), `use.F` runs F
  once every graded function F uses has passed its test; until then it is F's recorded result.

A recording holds the reference's results for exactly the calls the release's cells make, so it
computes nothing else: a call with other arguments says so, and a learner's X that calls `use.X`
fails its test with "X calls the course's X; write your own" (grader.learner.delegation).
The learner's own function is never replaced: tests and graders always call the learner's X.

`python -m grader release` makes the recordings by running the solution notebooks with
COURSE_RECORD set to a folder: `use` then calls the solutions' functions and keeps every call.
"""

import copy
import os
import types
from pathlib import Path

from .. import checks, delegation, manifest, recorded

RECORD = "COURSE_RECORD"


class Working:
    """use.X: the learner's X once it passes its test in this kernel, else the course's recording."""

    def __init__(self, namespace, notebook, folder=recorded.FOLDER, carried=()):
        """carried: functions of an earlier notebook that the learner brings into this one (their
        own, pasted), which `use` treats like this notebook's graded functions: a checks.test of
        each decides whether it is used, and the recordings stand in until then."""
        entry = manifest.find(notebook)
        if entry is None:
            raise ValueError(f"{notebook!r} is not a notebook of the course (grader/learner/course.toml)")
        self._namespace, self._notebook, self._noted = namespace, notebook, set()
        self._items = {item.id for item in entry.items if not item.written} | set(carried)
        self._folder = folder
        self._recording = os.environ.get(RECORD)
        self._calls, self._depth = [], 0
        if self._recording:
            _RECORDING.append(self)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        fn = self._namespace.get(name)
        if name not in self._items and not callable(fn):
            raise AttributeError(
                f"use.{name}: {name} is not a graded function of {self._notebook} and not defined in this notebook"
            )
        if self._recording:
            return self._recorder(name, fn)
        if name in self._items:
            if callable(fn) and checks.PASSED.get(name) and delegation.under_test() != name:
                return fn
            why = (
                "is not defined yet"
                if not callable(fn)
                else "has not been through its test cell yet"
                if name not in checks.PASSED
                else "does not pass its test yet"
            )
            return self._stand_in(name, f"the course's recorded result for {name}", f"yours {why}")

        def run(*args, **kwargs):
            needed = self.needs(fn) | self._named((args, kwargs))
            missing = [item for item in sorted(needed) if not checks.PASSED.get(item)]
            if not missing:
                return fn(*args, **kwargs)
            return self._stand_in(
                name,
                f"the course's recorded results for {name}",
                f"your {' and '.join(missing)} {'does' if len(missing) == 1 else 'do'} not pass {{}} yet".format(
                    "its test" if len(missing) == 1 else "their tests"
                ),
            )(*args, **kwargs)

        run.__name__ = name
        return run

    def _named(self, value):
        """The graded derivatives named by activation names among a call's arguments
        (["sigmoid", "tanh"] needs tanh_prime)."""
        if isinstance(value, str):
            return {f"{value}_prime"} & self._items
        if isinstance(value, dict):
            value = list(value.keys()) + list(value.values())
        if isinstance(value, (list, tuple)):
            return set().union(*(self._named(v) for v in value)) if value else set()
        return set()

    def needs(self, fn, seen=None):
        """The graded functions of this notebook that fn uses (through `use.X`, by name, through an
        activation's name for the graded derivative X_prime, or through other functions of the
        notebook that it calls)."""
        seen = set() if seen is None else seen
        if id(fn) in seen or not hasattr(fn, "__code__"):
            return set()
        seen.add(id(fn))
        names, found = set(), set()
        codes = [fn.__code__]
        while codes:
            code = codes.pop()
            names.update(code.co_names)
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        strings = set()
        codes = [fn.__code__]
        while codes:
            code = codes.pop()
            strings.update(c for c in code.co_consts if isinstance(c, str))
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        for name in names | {f"{s}_prime" for s in strings}:  # "tanh" needs the learner's tanh_prime
            if name in self._items:
                found.add(name)
            elif callable(self._namespace.get(name)) and hasattr(self._namespace[name], "__code__"):
                found |= self.needs(self._namespace[name], seen)
        return found

    def _stand_in(self, name, what, why):
        recordings = recorded.load(self._notebook, self._folder)
        key = (name, _cell())
        if name in checks.running():  # the expected value of name's own check: no note
            self._noted.add(key)
        if key not in self._noted:
            self._noted.add(key)
            print(f"(Using {what} here: {why}.)")

        def stand_in(*args, **kwargs):
            delegation.refuse({name}, f"the course's {name} (use.{name})")
            if recordings is None:
                raise recorded.NotRecorded(
                    f"The course has no recordings for {self._notebook}: run `python -m grader release` (instructors)."
                )
            try:
                return recordings.result(name, args, kwargs)
            except recorded.NotRecorded:
                raise recorded.NotRecorded(
                    f"The course has {name}'s results only for the arguments this notebook's cells use as "
                    f"released, and these differ. Make your {name if name in self._items else 'functions'} "
                    "pass {} test to run this cell with other arguments.".format(
                        "its" if name in self._items else "their"
                    )
                ) from None

        stand_in.__name__ = name
        return stand_in

    def _recorder(self, name, fn):
        """Recording (the release's run of the solutions): call fn and keep the call at top level."""

        def record(*args, **kwargs):
            before = copy.deepcopy((args, kwargs))
            self._depth += 1
            try:
                result = fn(*args, **kwargs)
            finally:
                self._depth -= 1
            if self._depth == 0 and delegation.under_test() is None:
                self._calls.append((name, *before, result, recorded.generators_after(args, kwargs)))
            return result

        record.__name__ = name
        return record


_RECORDING = []  # the Working objects of this kernel that record


def save():
    """Write what every recording `use` of this kernel kept (the release's run ends with this), and
    the arguments of the test blocks' own calls (checks.SEEN, for grader.learner.named)."""
    import json

    from .. import expected

    for use in _RECORDING:
        recorded.write(use._notebook, use._calls, "", use._recording)
        seen = []
        for item, args, kwargs in checks.SEEN:
            try:  # arguments that are functions (numerical_derivative's f) cannot be stored
                seen.append(json.loads(json.dumps([item, expected.encode(list(args)), expected.encode(kwargs)])))
            except (TypeError, ValueError):
                continue
        (Path(use._recording) / f"{use._notebook}.visible.json").write_text(json.dumps(seen))


def _cell():
    """Which cell is running (IPython's execution count), so that a note is shown once per cell."""
    try:
        return get_ipython().execution_count  # noqa: F821 - defined inside IPython
    except NameError:
        return None
