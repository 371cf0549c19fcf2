"""Whose file is which (grader.grading.submissions): in a folder, an nbgrader course and a zip the
student is the top-level folder, which the LMS or the exchange names. A hostile s_bad whose upload
holds x/s_good1/01_chain_rule.ipynb never costs the innocent s_good1 their grade; unsafe zip entry
names are refused with a reason and never unpacked. (The same through the real pipeline:
tests/grading/test_autograde_pipeline.py, test_an_lms_zip_is_graded_and_cannot_write_outside.)"""

import zipfile

import pytest

from grader.grading.submissions import NotUnpacked, Row, ZipRefused, collect, student_folder, unpack
from grader.learner import manifest

NOTEBOOKS = manifest.load()
NB = NOTEBOOKS[0]  # 01_chain_rule
GOOD = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "good": true}'
FORGED = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "forged": true}'


def make_zip(path, entries):
    """A zip of {entry name: text}; a name is stored exactly as given (no clean-up)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == list(entries)
    return path


def unpacked(tmp_path, entries, **limits):
    """unpack a zip of entries into tmp_path/out: (sorted files written, rows)."""
    dest, rows, _ = unpack(make_zip(tmp_path / "class.zip", entries), tmp_path / "out", **limits)
    assert all(isinstance(row, Row) and row.status == "error" for row in rows)
    return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()), rows


def everything_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


HOSTILE = {f"s_good1/{NB.filename}": GOOD, f"s_bad/{NB.filename}": "{}", f"s_bad/x/s_good1/{NB.filename}": FORGED}


def test_a_folder_inside_a_zip_upload_never_names_another_student(tmp_path):
    """s_bad's x/s_good1/01_chain_rule.ipynb is a second copy of s_bad's own notebook: s_good1's
    file is found and graded, the one row says which of s_bad's files was graded."""
    files, rows = unpacked(tmp_path, HOSTILE)
    assert files == [f"s_bad/{NB.filename}", f"s_bad/x/s_good1/{NB.filename}", f"s_good1/{NB.filename}"]
    assert rows == []
    found, rows = collect(tmp_path / "out", NOTEBOOKS)
    assert found["s_good1"] == {NB.id: tmp_path / "out" / "s_good1" / NB.filename}
    assert (tmp_path / "out" / "s_good1" / NB.filename).read_text() == GOOD
    assert found["s_bad"] == {NB.id: tmp_path / "out" / "s_bad" / NB.filename}
    assert [(r.student, r.notebook, r.message) for r in rows] == [
        (
            "s_bad",
            NB.filename,
            f"{NB.filename} was handed in more than once: {NB.filename} was graded, x/s_good1/{NB.filename} was not",
        )
    ]


def test_a_nested_copy_alone_is_the_uploaders_own_notebook(tmp_path):
    files, rows = unpacked(tmp_path, {f"s_good1/{NB.filename}": GOOD, f"s_bad/x/s_good1/{NB.filename}": FORGED})
    found, more = collect(tmp_path / "out", NOTEBOOKS)
    assert rows == more == []
    assert found == {
        "s_good1": {NB.id: tmp_path / "out" / "s_good1" / NB.filename},
        "s_bad": {NB.id: tmp_path / "out" / "s_bad" / "x" / "s_good1" / NB.filename},
    }


def test_a_folder_of_submissions_names_students_by_its_top_level_folders(tmp_path):
    for name, text in HOSTILE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / NB.filename).write_text(FORGED)  # in no student's folder
    found, rows = collect(tmp_path, NOTEBOOKS)
    assert found == {
        "s_good1": {NB.id: tmp_path / "s_good1" / NB.filename},
        "s_bad": {NB.id: tmp_path / "s_bad" / NB.filename},
    }
    assert [(r.student, r.notebook) for r in rows] == [("", NB.filename), ("s_bad", NB.filename)]
    assert "not in a student's folder" in rows[0].message and "x/s_good1" in rows[1].message


UNSAFE = {
    f"../escaped/{NB.filename}": "climbs out",
    f"s_bad/../../escaped/{NB.filename}": "climbs out",
    f"s_bad/../s_good1/{NB.filename}": "climbs out",
    f"..\\..\\escaped\\{NB.filename}": "climbs out",
    f"/tmp/escaped/{NB.filename}": "absolute path",
    f"\\escaped\\{NB.filename}": "absolute path",
    f"\\\\server\\share\\{NB.filename}": "absolute path",
    f"C:\\escaped\\{NB.filename}": "names a drive",
    f"C:/escaped/{NB.filename}": "names a drive",
    f"C:escaped/{NB.filename}": "names a drive",
    f"s_bad/{NB.filename}:stream": "names a drive",
    f"s_bad/\x1b[2J/{NB.filename}": "not printable",
    "../../etc/cron.d/job": "climbs out",  # not a notebook, still said
}


@pytest.mark.parametrize("name", UNSAFE, ids=range(len(UNSAFE)))
def test_an_unsafe_entry_is_refused_with_its_reason_and_never_a_student(tmp_path, name):
    files, rows = unpacked(tmp_path, {f"s_good1/{NB.filename}": GOOD, name: FORGED})
    assert files == [f"s_good1/{NB.filename}"]
    assert [r.student for r in rows] == [""]
    assert UNSAFE[name] in rows[0].message and "was not unpacked or graded" in rows[0].message
    assert everything_under(tmp_path) == ["class.zip", "out", "out/s_good1", f"out/s_good1/{NB.filename}"]
    found, _ = collect(tmp_path / "out", NOTEBOOKS)
    assert list(found) == ["s_good1"]


def test_a_backslash_separates_folders_as_on_windows(tmp_path):
    files, rows = unpacked(tmp_path, {f"s1\\{NB.filename}": GOOD, f"class\\s2\\{NB.filename}": GOOD})
    assert files == [f"class/s2/{NB.filename}", f"s1/{NB.filename}"] and rows == []


def test_one_wrapper_folder_around_the_whole_zip_is_not_a_student(tmp_path):
    """ "Compress this folder" on a class folder (with macOS's __MACOSX copies and folder entries)."""
    files, rows = unpacked(
        tmp_path,
        {
            "class-2026/": "",
            "class-2026/alice/": "",
            f"class-2026/alice/{NB.filename}": GOOD,
            f"class-2026/bob/week1/{NB.filename}": GOOD,
            f"class-2026/bob/.ipynb_checkpoints/{NB.filename}": GOOD,
            "class-2026/grades.csv": "",
            f"__MACOSX/class-2026/alice/._{NB.filename}": "junk",
        },
    )
    assert files == [f"alice/{NB.filename}", f"bob/week1/{NB.filename}"] and rows == []


@pytest.mark.parametrize(
    "entries, students",
    [
        ({f"alice/{NB.filename}": GOOD}, ["alice"]),  # one student, not a wrapper
        ({f"course/{NB.filename}": GOOD, f"course/old/{NB.filename}": GOOD}, ["course"]),  # a notebook in it
        ({f"class/alice/{NB.filename}": GOOD, f"other/bob/{NB.filename}": GOOD}, ["class", "other"]),  # two tops
    ],
    ids=["one-student", "notebook-at-the-top", "two-top-folders"],
)
def test_a_top_folder_is_a_wrapper_only_if_it_holds_everything_and_no_notebook(tmp_path, entries, students):
    unpacked(tmp_path, entries)
    found, _ = collect(tmp_path / "out", NOTEBOOKS)
    assert sorted(found) == students


def test_a_notebook_at_the_top_of_a_zip_or_its_wrapper_belongs_to_no_student(tmp_path):
    files, rows = unpacked(tmp_path, {NB.filename: FORGED, f"alice/{NB.filename}": GOOD})
    assert files == [f"alice/{NB.filename}"]
    assert [(r.student, r.notebook) for r in rows] == [("", NB.filename)]
    assert "not in a student's folder" in rows[0].message


def test_two_entries_for_one_path_cost_only_their_student(tmp_path):
    files, rows = unpacked(
        tmp_path, {f"s1/{NB.filename}": GOOD, f"s1/./{NB.filename}": FORGED, f"s2/{NB.filename}": GOOD}
    )
    assert files == [f"s1/{NB.filename}", f"s2/{NB.filename}"]
    assert (tmp_path / "out" / "s1" / NB.filename).read_text() == FORGED  # "s1/./" sorts first
    assert [(r.student, r.message) for r in rows] == [
        (
            "s1",
            f"the zip holds 2 entries for s1/{NB.filename}: only the first, s1/./{NB.filename}, was unpacked; "
            f"s1/{NB.filename} was not",
        )
    ]


def test_zip_bombs_links_and_odd_student_names_are_refused(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"s2/{NB.filename}", b"\0" * (3 * 2**20))
        zf.writestr(f"s3/{NB.filename}", GOOD)
        link = zipfile.ZipInfo(f"s4/{NB.filename}")
        link.external_attr = 0o120777 << 16  # a symbolic link
        zf.writestr(link, "../../s3/" + NB.filename)
        zf.writestr(f"eve x/{NB.filename}", GOOD)
    dest, rows, _ = unpack(archive, tmp_path / "out", entry_bytes=2**20)
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.ipynb")) == [f"s3/{NB.filename}"]
    reasons = {r.student: r.message for r in rows}
    assert "more than 1 MB" in reasons["s2"] and "symbolic link" in reasons["s4"]
    assert "letters, digits" in reasons["eve x"]
    with pytest.raises(ZipRefused, match="more than 1 MB"):
        unpack(archive, tmp_path / "again", total_bytes=2**20)


def test_a_student_folder_that_exists_already_is_never_shared(tmp_path):
    """On a file system that ignores case, Alice's folder is alice's too: the second is refused."""
    (tmp_path / "alice").mkdir()
    with pytest.raises(NotUnpacked, match="same name on this file system"):
        student_folder(tmp_path, "alice", set())
    assert student_folder(tmp_path, "bob", made := set()) == tmp_path / "bob" and made == {"bob"}
    assert student_folder(tmp_path, "bob", made) == tmp_path / "bob"


def test_nbgraders_exchange_names_the_student_by_its_submitted_folder(tmp_path):
    course = tmp_path / "course"
    for name, text in {
        f"s_good1/{NB.id}/{NB.filename}": GOOD,
        f"s_bad/{NB.id}/{NB.filename}": "{}",
        f"s_bad/{NB.id}/x/s_good1/{NB.filename}": FORGED,
    }.items():
        (course / "submitted" / name).parent.mkdir(parents=True, exist_ok=True)
        (course / "submitted" / name).write_text(text)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    found, rows = collect(course, NOTEBOOKS)
    assert found == {
        "s_good1": {NB.id: course / "submitted" / "s_good1" / NB.id / NB.filename},
        "s_bad": {NB.id: course / "submitted" / "s_bad" / NB.id / NB.filename},
    }
    assert [r.student for r in rows] == ["s_bad"]
    assert f"{NB.id}/{NB.filename} was graded, {NB.id}/x/s_good1/{NB.filename} was not" in rows[0].message


def test_a_student_called_submitted_does_not_make_a_folder_an_nbgrader_course(tmp_path):
    for name in (f"submitted/s_good1/{NB.filename}", f"s_good2/{NB.filename}"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(GOOD)
    found, _ = collect(tmp_path, NOTEBOOKS)
    assert found == {
        "s_good2": {NB.id: tmp_path / "s_good2" / NB.filename},
        "submitted": {NB.id: tmp_path / "submitted" / "s_good1" / NB.filename},
    }


def test_a_damaged_entry_is_a_row_and_a_damaged_zip_a_clear_refusal(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"s1/{NB.filename}", GOOD)
        zf.writestr(f"s2/{NB.filename}", FORGED)
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b'"forged"', b'"FORGED"'))  # s2's bytes no longer match its CRC
    dest, rows, _ = unpack(archive, tmp_path / "out")
    assert [p.relative_to(dest).as_posix() for p in dest.rglob("*.ipynb")] == [f"s1/{NB.filename}"]
    assert [r.student for r in rows] == ["s2"] and "could not be read from the zip (BadZipFile" in rows[0].message
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(ZipRefused, match="not a zip that can be read"):
        unpack(archive, tmp_path / "again")
