"""`python -m grader export`: the grades in the files an LMS imports.

The scores come from the nbgrader gradebook that `autograde` filled (results/gradebook.db, or the
--db it was given). They are nbgrader's totals per notebook: the autograded points, plus any
written answer an instructor has graded by hand in the formgrader since (until then it counts 0).
A notebook a student did not hand in is left blank, which both LMSs read as "no grade" rather
than 0.

    canvas   Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one
             column per notebook and a "Points Possible" row. Canvas matches a row to a student by
             whichever of ID, SIS User ID and SIS Login ID is filled; the student folder names
             (JupyterHub user names) go in the column --id-column names (default SIS Login ID).
             A column Canvas does not know yet becomes a new assignment worth its Points Possible.
    moodle   Moodle's "Import grades from CSV file": a column identifying the user (--id-column,
             default Username; map it to "username" on the import page) and one column per
             notebook, to map to the grade items.

Graded from an LMS's own download (grader.grading.downloads), the students are the LMS's numbers
and the export matches them back by those: Canvas's ID column holds the Canvas user ID (and
Student the name Canvas wrote); for Moodle it is the assignment's grading worksheet ("Upload
grading worksheet", with the assignment's "Offline grading worksheet" on): Identifier
"Participant <number>", Full name, and the Grade, which is the total of the notebooks graded.
"""

import csv
from pathlib import Path

from ..course import layout
from ..learner import manifest
from .results import csv_safe

FORMATS = ("canvas", "moodle")
CANVAS_IDS = ("ID", "SIS User ID", "SIS Login ID")


def waiting(db_url, notebooks):
    """How many submitted notebooks still have an answer to grade by hand (nbgrader's
    needs_manual_grade): their exported score counts it as 0."""
    from nbgrader.api import Gradebook, MissingEntry

    from .gradebook import COURSE_ID

    count = 0
    with Gradebook(db_url, COURSE_ID) as gb:
        for student in gb.students:
            for nb in notebooks:
                try:
                    count += gb.find_submission_notebook(nb.id, nb.id, student.id).needs_manual_grade
                except MissingEntry:
                    continue
    return count


def scores(db_url, notebooks):
    """{student: {notebook id: score}} from the gradebook, for every student it knows: nbgrader's
    score less its late-submission penalty (grader.grading.lateness)."""
    from nbgrader.api import Gradebook, MissingEntry

    from .gradebook import COURSE_ID

    table = {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for student in gb.students:
            table[student.id] = {}
            for nb in notebooks:
                try:
                    found = gb.find_submission_notebook(nb.id, nb.id, student.id)
                    table[student.id][nb.id] = found.score - (found.late_submission_penalty or 0)
                except MissingEntry:
                    continue
    return table


def _number(value):
    return f"{value:g}" if value is not None else ""


def lms_students(results):
    """{student: (lms, name)} of a results folder graded from an LMS's download (its
    submissions.csv), {} otherwise."""
    path = Path(results) / "submissions.csv"
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {row["student"]: (row["lms"], row["name"].lstrip("'")) for row in csv.DictReader(f) if row["lms"]}


def moodle_worksheet(table, notebooks, out, names):
    """Moodle's grading worksheet: Identifier "Participant <number>", Full name, Grade (the total
    of the notebooks graded for the assignment) and Maximum Grade."""
    graded = [nb for nb in notebooks if any(nb.id in scores for scores in table.values())]
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Identifier", "Full name", "Grade", "Maximum Grade"])
        for student in sorted(table, key=lambda s: (len(s), s)):
            scores = [table[student][nb.id] for nb in graded if table[student].get(nb.id) is not None]
            writer.writerow(
                [
                    f"Participant {student}",
                    csv_safe(names.get(student, "")),
                    _number(sum(scores)) if scores else "",
                    _number(sum(nb.points for nb in graded)),
                ]
            )
    return out


def write(fmt, table, notebooks, out, id_column=None, lms=None):
    """Write the grades `table` ({student: {notebook: score}}) as `fmt` to the CSV file `out`.
    lms: {student: (lms, name)} when the students came from an LMS's download."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    lms = lms or {}
    kinds = {kind for kind, _ in lms.values()}
    if kinds and kinds != {fmt}:
        raise ValueError(
            f"these students were graded from a {'/'.join(sorted(kinds)).capitalize()} download: their numbers "
            f"are that LMS's, so export --format {'/'.join(sorted(kinds))}"
        )
    names = {student: name for student, (_, name) in lms.items()}
    if fmt == "moodle" and lms:
        return moodle_worksheet(table, notebooks, Path(out), names)
    if fmt == "canvas":
        id_column = id_column or ("ID" if lms else "SIS Login ID")
        if id_column not in CANVAS_IDS:
            raise ValueError(f"Canvas identifies students by one of {', '.join(CANVAS_IDS)}, not {id_column!r}")
    out = Path(out)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        if fmt == "canvas":
            fixed = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
            writer.writerow(fixed + [nb.id for nb in notebooks])
            writer.writerow(["Points Possible", "", "", "", ""] + [_number(nb.points) for nb in notebooks])
            for student in sorted(table):
                ids = [csv_safe(names.get(student, "")), "", "", "", ""]
                ids[fixed.index(id_column)] = student
                writer.writerow(ids + [_number(table[student].get(nb.id)) for nb in notebooks])
        else:
            writer.writerow([id_column or "Username"] + [nb.id for nb in notebooks])
            for student in sorted(table):
                writer.writerow([student] + [_number(table[student].get(nb.id)) for nb in notebooks])
    return out


def export(results, fmt, out, db_url=None, id_column=None, root=None):
    """Read the gradebook of a results folder (or db_url) and write the LMS file; returns (its path,
    how many notebooks still wait for a hand grade)."""
    notebooks = manifest.released(layout.manifest_path(root)) if root else manifest.released()
    db_url = db_url or f"sqlite:///{Path(results).resolve() / 'gradebook.db'}"
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///") :].split("?")[0]).is_file():
        raise FileNotFoundError(
            f"no gradebook at {db_url[len('sqlite:///') :]}: run `python -m grader autograde` first, or give its --db"
        )
    path = write(fmt, scores(db_url, notebooks), notebooks, out, id_column, lms_students(results))
    return path, waiting(db_url, notebooks)
