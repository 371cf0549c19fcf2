"""`python -m grader check` in the instructor's copy of the course: the self-check's messages,
with the mistake named wherever the course's hidden checks recognise it (the command line hands
diagnoses to grader.learner.selfcheck.check; the learners' bundle has neither)."""

import nbformat

from ..course import layout
from ..course.revealed import ALL as CATALOGUE
from . import trusted


def diagnoses(nb, entry, results, timeout=120):
    """{item: "Recognised mistake: ..."} for the failing items of a self-checked notebook whose
    mistake the course's hidden checks recognise (grader.course.diagnose, run as the instructor's
    grader runs them, in a separate process); results are grader.learner.selfcheck.grade's."""
    failing = {r.item for r in results if r.status == "fail"}
    if not failing or entry is None:
        return {}
    release_path = layout.release_path(entry)
    release = nbformat.read(release_path, as_version=4) if release_path.exists() else None
    limits = trusted.Limits(notebook_seconds=timeout, cell_seconds=timeout, call_seconds=timeout)
    shown = {r.item: r.failure.mistake for r in results if r.failure is not None}
    found = {}
    for verdict in trusted.grade_notebook(nb, entry, None, limits, release):
        mistake = verdict.failure.mistake if verdict.failure is not None else ""
        if verdict.item in failing and mistake and mistake != shown.get(verdict.item):
            found[verdict.item] = CATALOGUE[mistake].message()
    return found
