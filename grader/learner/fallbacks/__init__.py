"""Working versions of the graded functions, so that a learner stuck on one exercise can still
run every cell after it.

The setup cell of each notebook makes

    use = fallbacks.Working(globals(), "02_worked_example")

and the course's demonstration cells call `use.forward_pass(...)` rather than `forward_pass(...)`.
`use.X` is the learner's X once X has passed its test cell in this kernel (grader.learner.checks.test
records that); until then it is the course's version, with a one-line note in the cell's output.
The learner's own function is never replaced: tests and graders always call the learner's X.

The course's versions are the solutions' code (nbXX_*.py here, written from solutions/ by
`python -m grader release`), except for the exercises where the learner derives a formula that
the page does not give: those are computed by central differences of the cost the page defines
(numeric.py), so the fallback does not give the derivation away.
"""
import functools
import importlib

from .. import checks, manifest


@functools.lru_cache(maxsize=None)
def course_version(notebook, name):
    """The course's working version of graded function `name` of `notebook` (an id)."""
    entry = manifest.find(notebook)
    derived = {item.id for item in entry.items if item.derive}
    where = "numeric" if name in derived else f"nb{entry.id}"
    return getattr(importlib.import_module(f"{__name__}.{where}"), name)


class Working:
    """use.X: the learner's X if it passed its test in this kernel, else the course's X (noted)."""

    def __init__(self, namespace, notebook):
        self._namespace, self._notebook, self._noted = namespace, notebook, set()

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        mine = self._namespace.get(name)
        if callable(mine) and checks.PASSED.get(name):
            return mine
        why = ("is not defined yet" if not callable(mine) else
               "has not been through its test cell yet" if name not in checks.PASSED else
               "does not pass its test yet")
        key = (name, _cell())
        if key not in self._noted:
            self._noted.add(key)
            print(f"(Using the course's {name} here: yours {why}.)")
        return course_version(self._notebook, name)


def _cell():
    """Which cell is running (IPython's execution count), so that a note is shown once per cell."""
    try:
        return get_ipython().execution_count       # noqa: F821 - defined inside IPython
    except NameError:
        return None
