"""Canvas's and Moodle's submission downloads read as the LMS writes them
(grader.grading.downloads, through grader.grading.submissions.unpack): the student is the LMS's
number, the name is kept, the latest of several uploads is graded with its time, Canvas's LATE
marker is kept, a file that is not a notebook is reported, names with spaces and accents work,
and the same download unpacked into a folder reads the same. The whole pipeline and the exports:
test_an_lms_download_is_graded_and_exported_by_the_lms_ids below."""

import csv
import zipfile
from datetime import UTC, datetime

import nbformat
import pytest

from grader.grading import downloads
from grader.grading.submissions import FolderArchive, collect, lms_folder, unpack
from grader.learner import manifest

NOTEBOOKS = manifest.load()
NB, NB2 = NOTEBOOKS[0], NOTEBOOKS[1]
EARLY, LATER = (2026, 11, 30, 9, 15, 0), (2026, 12, 2, 23, 59, 58)

# Canvas: flat files <name>_<user id>_<attachment id>_<file>, LATE after the name, -N for a file
# uploaded again under the same name; Moodle: <Full Name>_<participant id>_assignsubmission_file_/
CANVAS_ZIP = {
    f"archeralice_1001_555000_{NB.filename}": ("alice v1", EARLY),
    f"archeralice_1001_555014_{NB.id}-1.ipynb": ("alice v2", LATER),
    f"bakerbob_LATE_1002_555001_{NB.filename}": ("bob", LATER),
    f"núñezjosé_1003_555002_{NB.filename}": ("josé", EARLY),
    "núñezjosé_1003_555003_notes.pdf": ("%PDF", EARLY),
    f"chencarol_1004_555004_{NB2.filename}": ("carol", EARLY),
}
MOODLE_ZIP = {
    f"Alice Archer_1001_assignsubmission_file_/{NB.filename}": ("alice", EARLY),
    f"José Núñez_1002_assignsubmission_file_/{NB.filename}": ("josé", LATER),
    "José Núñez_1002_assignsubmission_file_/scan.png": ("PNG", LATER),
    "Zoë O'Brien-Smith_1003_assignsubmission_onlinetext_onlinetext.html": ("<p>hi</p>", EARLY),
    f"Zoë O'Brien-Smith_1003_assignsubmission_file_/{NB2.filename}": ("zoë", EARLY),
}
MOODLE_FLAT = {  # "Download submissions in folders" off
    f"Alice Archer_1001_assignsubmission_file_{NB.filename}": ("alice", EARLY),
    f"José Núñez_1002_assignsubmission_file_{NB.filename}": ("josé", LATER),
}


def lms_zip(path, entries, wrapper=""):
    """A zip written as an LMS writes it: UTF-8 names, each entry with its upload time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (text, when) in entries.items():
            zf.writestr(zipfile.ZipInfo(wrapper + name, date_time=when), text)
    return path


def read_back(dest):
    return {p.relative_to(dest).as_posix(): p.read_text(encoding="utf-8") for p in dest.rglob("*") if p.is_file()}


def by_source(handed):
    return {h.source.split("/", 1)[-1] if "/" in h.source else h.source: h for h in handed}


def test_a_canvas_download_names_students_by_their_canvas_ids(tmp_path):
    """Each student is Canvas's user ID; Alice's later upload (-1) is graded and the first is
    listed as an earlier upload; Bob's LATE marker and every upload time are kept; José's PDF is
    reported, not graded; an accented name is kept as Canvas wrote it."""
    dest, rows, handed = unpack(lms_zip(tmp_path / "canvas.zip", CANVAS_ZIP), tmp_path / "out")
    assert read_back(dest) == {
        f"1001/{NB.filename}": "alice v2",
        f"1002/{NB.filename}": "bob",
        f"1003/{NB.filename}": "josé",
        f"1004/{NB2.filename}": "carol",
    }
    assert [(r.student, r.notebook, r.message) for r in rows] == [
        ("1003", "notes.pdf", "núñezjosé handed in notes.pdf, which is not a notebook (.ipynb); it was not graded")
    ]
    seen = {(h.student, h.source): h for h in handed}
    alice_first = seen["1001", f"archeralice_1001_555000_{NB.filename}"]
    alice_again = seen["1001", f"archeralice_1001_555014_{NB.id}-1.ipynb"]
    assert (alice_first.graded, alice_again.graded) == (False, True)
    assert (alice_again.file, alice_again.attempt, alice_again.name) == (NB.filename, 1, "archeralice")
    assert alice_again.time == datetime(*LATER, tzinfo=UTC)
    bob = seen["1002", f"bakerbob_LATE_1002_555001_{NB.filename}"]
    assert (bob.late, bob.name, bob.lms) == (True, "bakerbob", "canvas")
    assert not seen["1003", f"núñezjosé_1003_555002_{NB.filename}"].late
    assert seen["1003", f"núñezjosé_1003_555002_{NB.filename}"].name == "núñezjosé"
    found, more = collect(dest, NOTEBOOKS)
    assert {student: sorted(files) for student, files in found.items()} == {
        "1001": [NB.id],
        "1002": [NB.id],
        "1003": [NB.id],
        "1004": [NB2.id],
    }
    assert more == []


@pytest.mark.parametrize("entries", [MOODLE_ZIP, MOODLE_FLAT], ids=["in folders", "flat"])
def test_a_moodle_download_names_students_by_their_participant_numbers(tmp_path, entries):
    """Moodle's folders (or its flat names) with full names holding spaces, accents and an
    apostrophe: the student is the participant number, the name is kept; the online-text page is
    not a file upload and is skipped; a picture is reported, not graded."""
    dest, rows, handed = unpack(lms_zip(tmp_path / "moodle.zip", entries), tmp_path / "out")
    expected = {f"1001/{NB.filename}": "alice", f"1002/{NB.filename}": "josé"}
    if entries is MOODLE_ZIP:
        expected[f"1003/{NB2.filename}"] = "zoë"
        assert [(r.student, r.notebook) for r in rows] == [("1002", "scan.png")]
        assert "José Núñez handed in scan.png, which is not a notebook" in rows[0].message
    else:
        assert rows == []
    assert read_back(dest) == expected
    names = {h.student: h.name for h in handed}
    assert names["1001"] == "Alice Archer" and names["1002"] == "José Núñez"
    assert all(h.lms == "moodle" and h.graded for h in handed)
    assert {h.student: h.time for h in handed}["1002"] == datetime(*LATER, tzinfo=UTC)


def test_a_download_unpacked_into_a_folder_or_rezipped_in_a_folder_reads_the_same(tmp_path):
    """The instructor unzipped the download, or zipped that folder again ("compress this folder"):
    the same students, files and names, times from the files."""
    first, _, handed = unpack(lms_zip(tmp_path / "moodle.zip", MOODLE_ZIP), tmp_path / "a")
    wrapped, _, again = unpack(lms_zip(tmp_path / "w.zip", MOODLE_ZIP, wrapper="Assignment 1-99/"), tmp_path / "b")
    assert read_back(wrapped) == read_back(first)
    assert {h.student: h.name for h in again} == {h.student: h.name for h in handed}

    folder = tmp_path / "downloaded"
    with zipfile.ZipFile(lms_zip(tmp_path / "c.zip", CANVAS_ZIP)) as zf:
        zf.extractall(folder)
    assert lms_folder(folder) and not lms_folder(first)
    dest, rows, handed = unpack(FolderArchive(folder), tmp_path / "c")
    assert read_back(dest)[f"1001/{NB.filename}"] == "alice v2"
    assert [r.notebook for r in rows] == ["notes.pdf"]
    assert all(h.time is not None for h in handed)


def test_a_link_in_an_unpacked_download_is_refused_not_followed(tmp_path):
    folder = tmp_path / "downloaded"
    folder.mkdir()
    secret = tmp_path / "secret.ipynb"
    secret.write_text("the instructor's")
    (folder / f"archeralice_1001_555000_{NB.filename}").symlink_to(secret)
    (folder / f"bakerbob_1002_555001_{NB.filename}").write_text("bob")
    dest, rows, _ = unpack(FolderArchive(folder), tmp_path / "out")
    assert read_back(dest) == {f"1002/{NB.filename}": "bob"}
    assert [r.student for r in rows] == ["1001"] and "symbolic link" in rows[0].message


def test_the_course_layout_is_not_mistaken_for_an_lms_download():
    assert downloads.layout({"s01": True, "alice_1": True}) is None
    assert downloads.layout({f"s01_12_34_{NB.filename}": True}) is None  # a folder: not Canvas's flat file
    assert downloads.layout({f"s01_12_34_{NB.filename}": False}) == "canvas"
    assert downloads.layout({"A B_7_assignsubmission_file_": True}) == "moodle"


def test_an_lms_download_is_graded_and_exported_by_the_lms_ids(tmp_path, root):
    """Through `autograde` and `export`: a Canvas download with a resubmission and a LATE file
    and a Moodle download with accented names are graded by LMS number; summary.csv and report.md
    show the names; submissions.csv lists every upload with its time; nbgrader's gradebook has the
    time; the Canvas export fills Canvas's ID column, the Moodle export is the grading worksheet
    matched by "Participant <number>"; a download with no notebook grades nobody and says so."""
    from conftest import with_answers
    from nbgrader.api import Gradebook

    from grader.cli import main
    from grader.grading.gradebook import COURSE_ID

    release = nbformat.read(root / "notebooks" / NB.id / NB.filename, as_version=4)
    blank = nbformat.writes(release)  # before with_answers fills it in
    solved = nbformat.writes(
        with_answers(release, nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4))
    )
    canvas = lms_zip(
        tmp_path / "canvas.zip",
        {
            f"archeralice_1001_555000_{NB.filename}": (blank, EARLY),
            f"archeralice_1001_555014_{NB.id}-1.ipynb": (solved, LATER),
            f"bakerbob_LATE_1002_555001_{NB.filename}": (blank, LATER),
            "bakerbob_LATE_1002_555002_notes.pdf": ("%PDF", LATER),
        },
    )
    moodle = lms_zip(
        tmp_path / "moodle.zip",
        {
            f"José Núñez_2001_assignsubmission_file_/{NB.filename}": (solved, EARLY),
            f"Zoë O'Brien_2002_assignsubmission_file_/{NB.filename}": (blank, LATER),
        },
    )
    full, points = f"{NB.auto_points:g}", f"{NB.points:g}"
    for lms, archive in (("canvas", canvas), ("moodle", moodle)):
        out = tmp_path / lms
        assert main(["autograde", str(archive), "--out", str(out), "--jobs", "2", "--timeout", "20"]) == 0
        with open(out / "summary.csv", newline="", encoding="utf-8") as f:
            summary = {row["student"]: (row["name"], row[NB.id]) for row in csv.DictReader(f)}
        with open(out / "submissions.csv", newline="", encoding="utf-8") as f:
            uploads = list(csv.DictReader(f))
        assert main(["export", str(out), "--format", lms, "--out", str(out / "lms.csv")]) == 0
        with open(out / "lms.csv", newline="", encoding="utf-8") as f:
            exported = list(csv.reader(f))
        with Gradebook(f"sqlite:///{out / 'gradebook.db'}", COURSE_ID) as gb:
            times = {s.student.id: s.timestamp for s in gb.assignment_submissions(NB.id)}
        if lms == "canvas":
            assert summary == {"1001": ("archeralice", full), "1002": ("bakerbob", "0")}
            assert [(u["student"], u["late"], u["graded"]) for u in uploads] == [
                ("1001", "", "yes"),
                ("1001", "", "no: an earlier upload"),
                ("1002", "LATE", "yes"),
            ]
            assert times["1001"] == datetime(*LATER)  # the resubmission's time, kept by nbgrader
            assert exported[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
            assert exported[0][5] == NB.id and exported[1][5] == points
            assert [row[:2] + [row[5]] for row in exported[2:]] == [
                ["archeralice", "1001", full],
                ["bakerbob", "1002", "0"],
            ]
            assert "bakerbob handed in notes.pdf" in (out / "report.md").read_text(encoding="utf-8")
            assert "1002 (bakerbob)" in (out / "report.md").read_text(encoding="utf-8")
        else:
            assert summary == {"2001": ("José Núñez", full), "2002": ("Zoë O'Brien", "0")}
            assert times["2002"] == datetime(*LATER)
            assert exported == [
                ["Identifier", "Full name", "Grade", "Maximum Grade"],
                ["Participant 2001", "José Núñez", full, points],
                ["Participant 2002", "Zoë O'Brien", "0", points],
            ]
    assert main(["export", str(tmp_path / "moodle"), "--format", "canvas", "--out", str(tmp_path / "x.csv")]) == 2
    assert not (tmp_path / "x.csv").exists()

    nothing = lms_zip(tmp_path / "nothing.zip", {"bakerbob_1002_555002_notes.pdf": ("%PDF", LATER)})
    assert main(["autograde", str(nothing), "--out", str(tmp_path / "none"), "--jobs", "1"]) == 1
