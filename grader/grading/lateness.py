"""Due dates, extensions and the late policy, applied through nbgrader.

* Each notebook's due date (course.toml's `due`, grader.learner.manifest) is its assignment's
  due date in nbgrader's gradebook.
* An extension (extensions.csv: student, notebook, days, reason) is nbgrader's own: the
  submission's `extension`, which moves that student's due date (nbgrader's grant_extension).
* When a submission was handed in is nbgrader's timestamp (grader.grading.autograde writes it
  from the LMS's time or the exchange's timestamp.txt), so nbgrader computes how late it is.
* What that costs is the course's late policy (course.toml's [late]: free days, then a share of
  the notebook's score per day), which nbgrader applies through its late-submission plugin API
  (LatePenalty below, AssignLatePenalties' plugin_class): the penalty is in the gradebook, and
  grades.csv, summary.csv and the feedback show it as a row "late".
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float, Int

from ..learner.manifest import LatePolicy


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin for the course's policy (grader.learner.manifest.LatePolicy)."""

    free_days = Int(0, help="days late that cost nothing").tag(config=True)
    per_day = Float(0.0, help="share of the notebook's score each further day costs").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return LatePolicy(self.free_days, self.per_day).penalty(score, total_seconds_late)


@dataclass(frozen=True)
class Extension:
    student: str
    notebook: str
    days: float
    reason: str = ""


class ExtensionsRefused(ValueError):
    """An extensions.csv that cannot be read as it should."""


FIELDS = ("student", "notebook", "days", "reason")


def read_extensions(path, notebooks):
    """{(student, notebook id): Extension} from extensions.csv (columns student, notebook, days,
    reason; days may be fractional: 0.5 is 12 hours). ExtensionsRefused, naming the line, for an
    unknown notebook, days that are not a positive number, or a second line for one pair."""
    path = Path(path)
    ids = {nb.id for nb in notebooks}
    found = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [name for name in FIELDS[:3] if name not in (reader.fieldnames or [])]
            if missing:
                raise ExtensionsRefused(f"{path}: needs the columns {', '.join(FIELDS)}; {', '.join(missing)} missing")
            for line, row in enumerate(reader, start=2):
                student, notebook = (row["student"] or "").strip(), (row["notebook"] or "").strip()
                if notebook.endswith(".ipynb"):
                    notebook = notebook[: -len(".ipynb")]
                if notebook not in ids:
                    raise ExtensionsRefused(f"{path}, line {line}: {notebook!r} is not one of {', '.join(sorted(ids))}")
                try:
                    days = float(row["days"])
                except (TypeError, ValueError):
                    days = -1.0
                if not student or not 0 < days < 3650:
                    raise ExtensionsRefused(f"{path}, line {line}: needs a student and a positive number of days")
                if (student, notebook) in found:
                    raise ExtensionsRefused(f"{path}, line {line}: a second extension for {student} and {notebook}")
                found[student, notebook] = Extension(student, notebook, days, (row.get("reason") or "").strip())
    except OSError as err:
        raise ExtensionsRefused(f"{path}: cannot be read ({err.strerror})") from None
    return found


def duration_text(seconds):
    """A time span as people say it: 2 days 3 h, 5 h 10 min, 40 min."""
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    return " ".join(parts) or "less than a minute"


def late_message(seconds_late, penalty, due, extension, policy):
    """The sentence of a late row: how late, against which due date, what it cost and why."""
    granted = f", with an extension of {extension:g} days" if extension else ""
    cost = f"{penalty:g} points off" if penalty else "no points off"
    return (
        f"handed in {duration_text(seconds_late)} after the due date ({due}{granted}): {cost}; "
        f"the course's late policy: {policy.text()}"
    )
