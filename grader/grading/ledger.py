"""The class's results across runs, and what people decided by hand: what every derived file is made from.

`autograde` may grade the whole class, a few students again, or one resubmission into the same
results folder. RESULTS/ledger.json keeps, per (student, notebook), the rows, the review notes and
the answers of the latest run that graded it; grades.csv, summary.csv, report.md and
similarity.csv are always written from the whole ledger, so re-grading one student changes that
student's lines and nobody else's.

What people decide by hand lives in nbgrader's gradebook, and the rows are read against it:

* a written answer graded in the Formgrader counts with its hand grade (status `graded`); until
  then it is `manual` and counts 0, and report.md lists it as waiting;
* RESULTS/overrides.csv (student, notebook, item, points, reason, who) sets an item's points by
  hand: it is written into the gradebook as nbgrader's manual score, and the row says who set it,
  why and what the grader's check gave (status `override`). It is applied after every run, so it
  survives re-grades; remove its line to undo it;
* a score set by hand in the Formgrader for an autograded item is kept until that submission is
  graded again: a re-grade clears it (the check may now give something else) and says so in the
  review queue; to keep it, put it in overrides.csv;
* when course.toml changes an item's points, the gradebook is migrated (grader.grading.gradebook
  .migrate_points) and the ledger's rows follow: full marks stay full marks, hand grades stay.
"""

import csv
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..learner.failures import Failure
from .gradebook import COURSE_ID, gradebook_retries
from .submissions import Row

LEDGER = "ledger.json"
OVERRIDES = "overrides.csv"
OVERRIDE_FIELDS = ("student", "notebook", "item", "points", "reason", "who")


def row_record(row):
    record = asdict(row)
    record["failure"] = row.failure.as_record() if row.failure else None
    return record


def row_from(record):
    failure = Failure.from_record(record["failure"]) if record.get("failure") else None
    return Row(**{**record, "failure": failure})


def merge(out, rows, review, answers):
    """The whole class: the ledger of `out` updated with this run's rows, review notes and answers
    (and written back). A (student, notebook) this run graded replaces the ledger's; one it found
    missing replaces it only if the ledger has nothing better (re-grading one notebook of a student
    does not make the others missing). Returns (rows, review, answers) of the whole class."""
    path = Path(out) / LEDGER
    kept = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    mine = {}
    for row in rows:
        mine.setdefault(f"{row.student}\0{row.notebook}", []).append(row)
    for key, found in mine.items():
        student, notebook = key.split("\0")
        old = kept.get(key)
        if old and all(r.status == "missing" for r in found) and any(r["status"] != "missing" for r in old["rows"]):
            continue
        kept[key] = {
            "rows": [row_record(r) for r in found],
            "review": list(review.get((student, notebook), [])),
            "answers": answers.get((student, notebook), {}),
        }
    path.write_text(json.dumps(kept, indent=1, sort_keys=True), encoding="utf-8")
    every, notes, code = [], {}, {}
    for key, entry in kept.items():
        student, notebook = key.split("\0")
        every += [row_from(r) for r in entry["rows"]]
        if entry["review"]:
            notes[student, notebook] = list(entry["review"])
        if entry["answers"]:
            code[student, notebook] = entry["answers"]
    return every, notes, code


@dataclass(frozen=True)
class Override:
    student: str
    notebook: str
    item: str
    points: float
    reason: str
    who: str


class OverridesRefused(ValueError):
    """An overrides.csv that cannot be read as it should."""


def read_overrides(path, notebooks):
    """{(student, notebook, item): Override} of RESULTS/overrides.csv ({} without one);
    OverridesRefused, with the line, for an unknown notebook or item, points out of range, or no
    reason or author."""
    path = Path(path)
    if not path.is_file():
        return {}
    entries = {nb.id: nb for nb in notebooks}
    found = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [name for name in OVERRIDE_FIELDS if name not in (reader.fieldnames or [])]
        if missing:
            raise OverridesRefused(
                f"{path}: needs the columns {', '.join(OVERRIDE_FIELDS)}; {', '.join(missing)} missing"
            )
        for line, row in enumerate(reader, start=2):
            values = {k: (row.get(k) or "").strip() for k in OVERRIDE_FIELDS}
            nb = entries.get(values["notebook"].removesuffix(".ipynb"))
            item = next((i for i in nb.items if i.id == values["item"]), None) if nb else None
            if item is None:
                raise OverridesRefused(
                    f"{path}, line {line}: no graded item {values['item']!r} in {values['notebook']!r}"
                )
            try:
                points = float(values["points"])
            except ValueError:
                points = -1.0
            if not 0 <= points <= item.points:
                raise OverridesRefused(f"{path}, line {line}: points must be between 0 and {item.points:g}")
            if not (values["student"] and values["reason"] and values["who"]):
                raise OverridesRefused(f"{path}, line {line}: needs the student, a reason and who decided")
            key = (values["student"], nb.id, item.id)
            if key in found:
                raise OverridesRefused(f"{path}, line {line}: a second override of {item.id} for {values['student']}")
            found[key] = Override(values["student"], nb.id, item.id, points, values["reason"], values["who"])
    return found


def by_hand(db_url, rows, notebooks, overrides, regraded=()):
    """The rows as the gradebook has them after what people decided (the module's docstring):
    overrides written in as manual scores, Formgrader scores of autograded items of the
    submissions `regraded` now (student, notebook) cleared, then every row's hand grade read.
    Returns (rows, review notes {(student, notebook): [notes]})."""
    from nbgrader.api import Gradebook, MissingEntry

    items = {(nb.id, item.id): item for nb in notebooks for item in nb.items}
    regraded = set(regraded)

    def attempt():
        adjusted, notes = [], {}
        with Gradebook(db_url, COURSE_ID) as gb:

            def grade(row):
                item = items.get((row.notebook, row.item))
                if item is None or not row.student:
                    return None, None
                try:
                    return item, gb.find_grade(item.test_id, row.notebook, row.notebook, row.student)
                except MissingEntry:
                    return item, None

            for row in rows:
                item, found = grade(row)
                if found is None:
                    adjusted.append(row)
                    continue
                if row.max_score != item.points:  # the course changed its points since: all or nothing
                    full = row.max_score > 0 and row.score >= row.max_score
                    row = replace(row, score=item.points if full else 0.0, max_score=item.points)
                override = overrides.get((row.student, row.notebook, row.item))
                if override is not None:
                    found.manual_score = override.points
                elif not item.written and found.manual_score is not None and (row.student, row.notebook) in regraded:
                    notes.setdefault((row.student, row.notebook), []).append(
                        f"{row.item}: the score {found.manual_score:g} set by hand in the Formgrader was cleared by "
                        f"this re-grade (the check gives {row.score:g}); to keep it, put it in {OVERRIDES}"
                    )
                    found.manual_score = None
                adjusted.append(hand_graded(row, item, found.manual_score, override))
            gb.db.commit()
        return adjusted, notes

    return gradebook_retries(attempt)


def hand_graded(row, item, manual, override):
    """row with the gradebook's hand decision, if there is one."""
    if manual is None:
        return row
    if item.written:
        by = f" by {override.who}: {override.reason}" if override else " in the Formgrader"
        return replace(row, score=manual, status="graded", message=f"graded by hand{by}: {manual:g} of {item.points:g}")
    check = f"the grader's check gave {row.score:g}" + (f": {row.message}" if row.message else "")
    if override is not None:
        message = f"set to {manual:g} by {override.who}: {override.reason} ({check})"
    else:
        message = f"set to {manual:g} by hand in the Formgrader ({check})"
    return replace(row, score=manual, status="override", message=message)
