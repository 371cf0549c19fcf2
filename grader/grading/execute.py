"""nbgrader's autograde with the learner's code run once, in the trusted judge's sandbox.

nbgrader's own `Execute` preprocessor starts a Jupyter kernel and runs every cell in it, hidden
tests included. `SandboxedExecute` takes its place in nbgrader's autograde pipeline
(`autograde_preprocessors()`): nbgrader still sanitises the submission (restores the course's
test cells), limits the outputs, scores the test cells into its gradebook and marks late work,
but the code runs in grader.grading.trusted's sandbox:

1. every code cell but the course's demonstrations runs in one sandbox (for an instructor, a
   bubblewrap sandbox: grader.grading.isolation); the test cells run without their hidden part, so the
   hidden checks never reach the learner's process;
2. then grader.course.judge checks every graded function by calling it in that same sandbox, with the
   values compared in this process;
3. each test cell's outputs become the visible test's printed output plus, when the judge failed
   the item, an error stating why. nbgrader scores a test cell by whether it has an error, so the
   gradebook holds the judge's verdicts; where the visible test and the judge disagree, that is
   recorded for the instructor's review.

The per-submission settings (seed, limits, where to write the verdicts) come in the `job` trait.
"""

import json
from pathlib import Path

import nbformat
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Dict

from ..course import layout
from ..learner import cell_roles, manifest
from . import trusted

STATUS_ERROR = {"failed": "CheckFailed", "timeout": "Timeout", "error": "Error"}


class SandboxedExecute(NbGraderPreprocessor):
    job = Dict(help="seed, limits (trusted.Limits fields), root, and the path for the verdicts and stage times").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        job = self.job
        root = Path(job["root"])
        entry = next(e for e in manifest.load(layout.manifest_path(root)) if e.id == resources["nbgrader"]["notebook"])
        release = nbformat.read(layout.release_path(entry, root), as_version=4)
        graded = trusted.run_notebook(nb, entry, job["seed"], trusted.Limits(**job["limits"]), release, tests=True)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                cell.outputs = graded.outputs.get(index, [])
                cell.execution_count = None
        tests = {item.test_id: item for item in entry.items if not item.written}
        record = {}
        for cell in nb.cells:
            item = tests.get(cell_roles.grade_id(cell))
            if item is None or cell.cell_type != "code":
                continue
            verdict = graded.verdicts[item.id]
            visible = graded.visible_passed.get(item.test_id)
            failed_visibly = [o for o in cell.outputs if o.output_type == "error"]
            outputs = [
                o
                for o in cell.outputs
                if o.output_type != "error" and not (o.output_type == "stream" and o.name == "stderr")
            ]
            if verdict.status != "ok":
                outputs.append(trusted.error_output(STATUS_ERROR.get(verdict.status, "Error"), verdict.message))
            elif failed_visibly:
                outputs.append(
                    nbformat.v4.new_output(
                        "stream",
                        name="stdout",
                        text=(
                            f"This test raised {failed_visibly[0].ename}: {failed_visibly[0].evalue}\n"
                            "but the grader's own check of your function passed, and its verdict counts.\n"
                        ),
                    )
                )
            cell.outputs = outputs
            record[item.id] = {
                "status": verdict.status,
                "message": verdict.message,
                "failure": verdict.failure.as_record() if verdict.failure else None,
                "visible": visible,
            }
        Path(job["verdicts"]).write_text(json.dumps({"verdicts": record, "seconds": graded.seconds}), encoding="utf-8")
        return nb, resources


UNSANDBOXED = (
    "Not graded here: nbgrader's own autograde would run the learner's code in a Jupyter kernel "
    "with your rights, outside any sandbox. Grade the class with `python -m grader autograde "
    "SUBMISSIONS --out RESULTS` (each submission in its own sandbox), then open it with "
    "`make instructor RESULTS=RESULTS` to grade the written answers."
)


class Unsandboxed(NbGraderPreprocessor):
    """Stands in for nbgrader's Execute in the instructors' lab (lab/instructor/nbgrader_config.py):
    the Formgrader's Autograde button would otherwise run a learner's notebook in a kernel with
    the instructor's rights. It stops that submission's grading and says what to run instead."""

    def preprocess(self, nb, resources):
        raise RuntimeError(UNSANDBOXED)


def autograde_preprocessors(execute=SandboxedExecute):
    """nbgrader's autograde preprocessors, with execute (SandboxedExecute) where Execute was."""
    from nbgrader.converters import Autograde

    default = Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default()
    return [execute if p is Execute else p for p in default]
