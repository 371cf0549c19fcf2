"""The class's results as files: grades.csv (a row per student, notebook and item), summary.csv
(a row per student), timings.csv (where each submission's time went), and the line the command
prints at the end."""

import csv
from collections import Counter, defaultdict

# A failed item's kind and its recognised mistake (grader.learner.failures) come last.
FIELDS = ["student", "notebook", "item", "score", "max_score", "status", "message", "kind", "mistake"]


def csv_safe(value):
    """A CSV field that a spreadsheet shows as text: learner-made text starting with = + - @ (or a
    tab or carriage return) would be read as a formula, so it gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csvs(out, rows, notebooks, names=None):
    """grades.csv and summary.csv; names: {student: the name the LMS gave} for summary.csv."""
    names = names or {}
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        for row in rows:
            record = {key: csv_safe(getattr(row, key)) for key in FIELDS[:-2]}
            record["score"], record["max_score"] = f"{row.score:g}", f"{row.max_score:g}"
            record["kind"] = row.failure.kind if row.failure else ""
            record["mistake"] = row.failure.mistake if row.failure else ""
            writer.writerow(record)
    totals = defaultdict(float)
    for row in rows:
        totals[row.student, row.notebook] += row.score
    students = sorted({row.student for row in rows if row.student})  # "": a row of no student's
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "name"] + [nb.id for nb in notebooks] + ["total", "max_total"])
        for student in students:
            scores = [totals[student, nb.id] for nb in notebooks]
            writer.writerow(
                [csv_safe(student), csv_safe(names.get(student, ""))]
                + [f"{s:g}" for s in scores]
                + [f"{sum(scores):g}", f"{sum(nb.points for nb in notebooks):g}"]
            )


def write_handed(out, handed):
    """submissions.csv: each file handed in, as the download names it: the student's number and
    name in the LMS, when it was handed in, Canvas's LATE marker, and whether it was graded (of
    several uploads of one file, the latest is). Nothing for a folder in the course's own layout."""
    from .downloads import FIELDS

    path = out / "submissions.csv"
    if not handed:
        path.unlink(missing_ok=True)
        return
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        for h in sorted(handed, key=lambda h: (h.student, h.file, not h.graded, h.source)):
            writer.writerow({key: csv_safe(value) for key, value in h.as_row().items()})


def names(out):
    """{student: name} from a results folder's submissions.csv ({} without one)."""
    path = out / "submissions.csv"
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {row["student"]: row["name"].lstrip("'") for row in csv.DictReader(f) if row["name"]}


STAGES = ("read and check", "nbgrader", "sandbox start", "cells", "judge", "feedback")


def write_timings(out, timings):
    """timings.csv: the wall seconds each submission took, in total and per stage (reading and
    checking the file; nbgrader's own work; starting sandboxes; running the cells; the judge's
    calls; the feedback page). Empty where a stage did not happen."""
    with open(out / "timings.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "notebook", "seconds", *STAGES])
        for student, nb_id, seconds, stages in timings:
            writer.writerow(
                [
                    csv_safe(student),
                    nb_id,
                    "" if seconds is None else f"{seconds:.3f}",
                    *("" if stages.get(k) is None else f"{stages[k]:.3f}" for k in STAGES),
                ]
            )


UNSAFE = (
    "WITHOUT ISOLATION (--unsafe-no-isolation): the learners' code ran with the grader's own rights; "
    "these results are only as trustworthy as the submissions."
)


def summary_text(rows, review, out, seconds, isolated=True):
    students = {r.student for r in rows if r.student}
    counts = Counter(r.status for r in rows if r.item)
    pairs = {(r.student, r.notebook) for r in rows if r.item and r.status != "missing"}  # not refused files
    return (
        f"Graded {len(pairs)} notebooks from {len(students)} students in {seconds:.0f} s: "
        f"{counts['ok']} items correct, {counts['failed']} failed, {counts['error']} errors, "
        f"{counts['timeout']} timeouts, {counts['tampered']} tampered, {counts['missing']} missing; "
        f"{len(review)} submissions need a human look (see report.md). Results are in {out}: "
        "grades.csv, summary.csv, feedback/, report.md, gradebook.db, timings.csv, similarity.csv."
        + ("" if isolated else " " + UNSAFE)
    )
