"""Measure how long the instructor's grader takes for each notebook's own solution, for the
notebook budgets (grader.grading.budget).

    python -m grader budget --measure     writes grader/grading/grading_seconds.toml
    python -m grader budget               prints each notebook's measured time and budget
"""

import platform
import statistics
import time
from datetime import date
from pathlib import Path

import nbformat

from ..course import layout
from ..course.layout import ROOT
from ..grading import budget, trusted
from ..learner import manifest

RUNS = 3


def grading_seconds(entry, runs=RUNS, root=ROOT):
    """The median wall time of grading entry's solution in an isolated sandbox, its tests included,
    as autograde runs a submission (grader.grading.execute.SandboxedExecute); AssertionError if
    the solution does not pass every item (then the time would not be honest work's)."""
    solution = nbformat.read(layout.solution_path(entry, root), as_version=4)
    release = nbformat.read(layout.release_path(entry, root), as_version=4)
    took = []
    for seed in range(runs):
        start = time.perf_counter()
        graded = trusted.run_notebook(solution, entry, seed, trusted.Limits(isolated=True), release, tests=True)
        took.append(time.perf_counter() - start)
        failing = [item for item, verdict in graded.verdicts.items() if verdict.status != "ok"]
        assert not failing, f"{entry.id}: the solution fails {failing}"
    return statistics.median(took)


def write(times, path=budget.MEASURED):
    lines = [
        "# Seconds the instructor's grader takes for each notebook's own solution: the median of",
        f"# {RUNS} isolated runs, tests and judge included (python -m grader budget --measure, on",
        f"# {platform.machine()} with {platform.python_implementation()} {platform.python_version()}, {date.today()}).",
        "# A notebook's grading budget is max(FLOOR, MULTIPLE x this): grader/grading/budget.py.",
        "",
    ]
    lines += [f'"{nb_id}" = {seconds:.2f}' for nb_id, seconds in times.items()]
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def main(measure=False):
    notebooks = manifest.load()
    if measure:
        times = {}
        for entry in notebooks:
            times[entry.id] = grading_seconds(entry)
            print(f"{entry.id}: {times[entry.id]:.2f} s", flush=True)
        print(f"wrote {write(times)}")
    known = budget.measured()
    for entry in notebooks:
        took = f"{known[entry.id]:.2f} s" if entry.id in known else "not measured"
        print(f"{entry.id:20s} solution grades in {took:>12}; budget {budget.seconds(entry.id)} s")
    return 0
