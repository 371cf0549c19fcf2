"""`python -m grader check` in the instructor's copy of the course: the self-check's messages,
with the mistake named wherever the course's hidden checks recognise it (the command line hands
diagnoses to grader.learner.selfcheck.check; the learners' bundle has neither)."""
from pathlib import Path

import nbformat

from ..course.revealed import find
from . import trusted

ROOT = Path(__file__).resolve().parents[2]


def diagnoses(nb, entry, results, timeout=120):
    """{item: "Recognised mistake: ..."} for the failing items of a self-checked notebook whose
    mistake the course's hidden checks recognise (grader.course.diagnose, run as the instructor's
    grader runs them, in a separate process); results are grader.learner.selfcheck.grade's."""
    failing = {r.item for r in results if r.status == "fail"}
    if not failing or entry is None:
        return {}
    release_path = ROOT / "notebooks" / entry.id / entry.filename
    release = nbformat.read(release_path, as_version=4) if release_path.exists() else None
    limits = trusted.Limits(setup_seconds=timeout, cell_seconds=timeout, call_seconds=timeout)
    found = {}
    for verdict in trusted.grade_notebook(nb, entry, None, limits, release):
        mistake = find(verdict.message)
        shown = next((r.message for r in results if r.item == verdict.item), "")
        if verdict.item in failing and mistake and mistake.message() not in shown:
            found[verdict.item] = mistake.message()
    return found
