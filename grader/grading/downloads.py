"""Canvas's and Moodle's submission downloads, read as the LMS writes them.

Canvas ("Download Submissions" of an assignment) writes one flat file per uploaded file:

    <name>_<user id>_<attachment id>_<file as uploaded>        archeralice_1001_555000_01_chain_rule.ipynb
    <name>_LATE_<user id>_<attachment id>_<file as uploaded>   handed in after the due date

and a file uploaded again under a name the learner used before gets Canvas's suffix -1, -2, ...
(`01_chain_rule-1.ipynb`): the highest suffix is the latest upload, and it is the one graded.

Moodle ("Download all submissions") writes a folder per student and submission plugin, or, with
"Download submissions in folders" off, the same prefix in front of each file:

    <Full Name>_<participant id>_assignsubmission_file_/<file>
    <Full Name>_<participant id>_assignsubmission_file_<file>
    <Full Name>_<participant id>_assignsubmission_onlinetext_onlinetext.html   (not a notebook)

The student is the LMS's number, never the name: Canvas's user ID (what Canvas's gradebook import
matches in its ID column) or Moodle's participant number (what Moodle's grading worksheet matches
as "Participant <number>"; it is the assignment's own, so one Moodle download is one results
folder). The name is kept for people to read: the report, summary.csv, the export.

When a file was handed in is the time the LMS stored on its zip entry (a zip has no time zone: it is
read as UTC) or, for an unpacked download, the file's modification time; Canvas's LATE marker is
kept as the LMS's own word.
"""

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

CANVAS, MOODLE = "canvas", "moodle"
LMS_NAMES = {CANVAS: "Canvas", MOODLE: "Moodle"}

CANVAS_FILE = re.compile(r"(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<attachment>\d+)_(?P<file>.+)")
MOODLE_PREFIX = re.compile(r"(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)")
CANVAS_AGAIN = re.compile(r"(?P<stem>.+)-(?P<attempt>\d+)(?P<suffix>\.[^.]+)")  # 01_chain_rule-1.ipynb


@dataclass(frozen=True)
class Handed:
    """One file a student handed in, as the download names it."""

    student: str  # the LMS's number, or the student's folder in the course's own layout
    file: str  # the file's name, Canvas's resubmission suffix removed
    name: str = ""  # the student's name as the LMS wrote it ("" in the course's own layout)
    lms: str = ""  # CANVAS, MOODLE, or "" for the course's own layout
    attempt: int = 0  # Canvas's -N suffix: the N-th upload under that name
    late: bool = False  # Canvas's LATE marker
    time: datetime | None = None  # when it was handed in (UTC), if the download says
    source: str = ""  # the file's name in the download
    graded: bool = True  # False for an earlier upload of a file uploaded again

    def as_row(self):
        """The record of submissions.csv."""
        return {
            "student": self.student,
            "name": self.name,
            "lms": self.lms,
            "file": self.file,
            "handed_in": self.time.isoformat(sep=" ") if self.time else "",
            "late": "LATE" if self.late else "",
            "source": self.source,
            "graded": "yes" if self.graded else "no: an earlier upload",
        }


FIELDS = ["student", "name", "lms", "file", "handed_in", "late", "source", "graded"]


def layout(tops):
    """Which LMS wrote a download, from the names of its top-level entries ({name: is a folder}):
    CANVAS when every file is at the top and at least one has Canvas's name; MOODLE when at least
    one entry has Moodle's prefix; None for the course's own folder-per-student layout."""
    if any(MOODLE_PREFIX.fullmatch(name) for name in tops):
        return MOODLE
    if tops and not any(tops.values()) and any(CANVAS_FILE.fullmatch(name) for name in tops):
        return CANVAS
    return None


def read(lms, parts):
    """The Handed that an entry's path (a tuple of names from the download's top) stands for under
    lms's naming, or a str saying why it is none (not named as that LMS names files, not a file
    upload, in a folder below the student's)."""
    top = parts[0]
    if lms == CANVAS:
        found = CANVAS_FILE.fullmatch(top)
        if len(parts) != 1 or not found:
            return "it is not named as Canvas names a submitted file (<name>_<user id>_<number>_<file>)"
        file, attempt = found["file"], 0
        again = CANVAS_AGAIN.fullmatch(file)
        if again:
            file, attempt = again["stem"] + again["suffix"], int(again["attempt"])
        return Handed(found["id"], file, found["name"], CANVAS, attempt, bool(found["late"]))
    found = MOODLE_PREFIX.fullmatch(top)
    if not found:
        return "it is not named as Moodle names a submission (<Full Name>_<participant id>_assignsubmission_...)"
    if found["plugin"] != "file":
        return f"it is Moodle's {found['plugin']} submission, not an uploaded file"
    file = found["file"] if len(parts) == 1 else "/".join(parts[1:])
    if not file:
        return "it is a folder"
    if len(parts) > 2:
        return "it lies in a folder inside the student's upload; hand in the notebook itself"
    return Handed(found["id"], file, found["name"].strip(), MOODLE)


def latest(handed):
    """The files to grade from a list of Handed: for each (student, file), the highest attempt (the
    latest upload) and, among equals, the latest time. Returns (chosen, older): older are the
    earlier uploads, which are not graded."""
    best, older = {}, []
    for h in handed:
        key = (h.student, h.file)
        rank = (h.attempt, h.time or datetime.min.replace(tzinfo=UTC), h.source)
        if key in best and (best[key][0] >= rank):
            older.append(h)
            continue
        if key in best:
            older.append(best[key][1])
        best[key] = (rank, h)
    return [h for _, h in best.values()], older


def zip_time(date_time):
    """A zip entry's time (year, month, day, hour, minute, second), read as UTC."""
    try:
        return datetime(*date_time, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def file_time(seconds):
    """A file's modification time as a UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def with_time(handed, time, source):
    return replace(handed, time=time, source=source)


def nbgrader_timestamp(time):
    """The text of nbgrader's timestamp.txt for a time (what its autograde reads as the submission's
    timestamp)."""
    return time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
