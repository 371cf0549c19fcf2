"""How long one notebook may take to grade: a generous multiple of what the course's own solution
takes.

`python -m grader budget --measure` grades each notebook's solution as a submission is graded
(its code and tests run in an isolated sandbox, then the judge; grader.grading.trusted.run_notebook)
a few times and writes the median to grading_seconds.toml beside this file. A notebook's budget is

    budget = max(FLOOR, MULTIPLE × measured seconds), rounded up to a whole second,

everything included: each cell, each call of a graded function, restarts after a crash. A
submission still running when its budget is spent gets "timeout" for what is left, and its
sandbox's CPU time is capped at the budget too. MULTIPLE leaves room for a slower machine, a
loaded one and a learner's slower (but correct) code; a hostile notebook that only burns CPU then
holds a worker for about half a minute instead of the five minutes a fixed limit gave it.
`python -m grader autograde --notebook-timeout S` overrides the budget for every notebook.
"""

import math
import tomllib
from pathlib import Path

MEASURED = Path(__file__).with_name("grading_seconds.toml")
MULTIPLE = 10
FLOOR = 30  # seconds
UNMEASURED = 300  # seconds, for a notebook with no measurement (a new one, before --measure)


def measured(path=MEASURED):
    """{notebook id: seconds its solution took to grade}, as last measured."""
    if not Path(path).exists():
        return {}
    return {key: float(value) for key, value in tomllib.loads(Path(path).read_text()).items()}


def seconds(nb_id, path=MEASURED):
    """The budget of notebook nb_id in whole seconds (the module's docstring)."""
    took = measured(path).get(nb_id)
    return UNMEASURED if took is None else max(FLOOR, math.ceil(MULTIPLE * took))
