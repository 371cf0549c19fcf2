"""Whose file is which: the submissions of a class, read from a folder, an nbgrader course or a zip.

A student is always named by what the LMS or nbgrader's exchange controls, never by a path a
learner can shape inside their own upload:

* a folder `SUBMISSIONS/<student>/...`: the folder's top-level folders are the students; a
  notebook at any depth below `<student>/` is that student's, whatever the folders between are
  called (`s_bad/x/s_good1/01_chain_rule.ipynb` is s_bad's);
* an nbgrader course folder (a `submitted/` folder beside the course's `nbgrader_config.py`):
  `submitted/<student>/<assignment>/<notebook>.ipynb`, the folder nbgrader's exchange names;
* a zip: its top-level folders are the students (`<student>/...`), as for a folder. If every
  entry lies in one common folder and no notebook lies directly in it (what "compress this
  folder" makes of a class folder), that folder is a wrapper and the folders inside it are the
  students. Entries whose names climb out (`..`), are absolute (`/...`, `\\...`), carry a drive
  letter or a `:` (`C:\\...`, `C:/...`), or hold unprintable characters are refused with a reason
  and never unpacked; a backslash separates folders, as on Windows.

A notebook handed in more than once (two files for one student's notebook) costs only that
student: the first is graded (a file in the student's own folder before one in a subfolder, then
folders in name order) and each other file gets a row that names both.
"""

import difflib
import os
import re
import stat
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from ..learner.failures import Failure
from . import downloads

NOTEBOOK_BYTES = 20 * 2**20  # one notebook, in a zip or a folder
ZIP_BYTES = 4 * 2**30  # everything a zip unpacks to
STUDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
NO_STUDENT = ""  # the student of a row that belongs to none
IGNORED = ("__MACOSX", ".ipynb_checkpoints")  # folders that hold copies, not submissions


@dataclass
class Row:
    """One line of grades.csv: a graded item, or why something was not graded."""

    student: str
    notebook: str
    item: str
    score: float
    max_score: float
    status: str  # ok, failed, error, timeout, tampered, missing; manual for written answers
    message: str
    failure: Failure | None = None  # what the grader's check found, as a value (a failed item)


class ZipRefused(ValueError):
    """A zip whose contents would unpack to more than ZIP_BYTES, or that cannot be read."""


def safe_name(text):
    """A learner-chosen name as it may be shown: printable, one line, at most 100 characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:100]


def size_text(size):
    """A limit in bytes as people write it: 4 GB, 20 MB."""
    return f"{size / 2**30:g} GB" if size >= 2**30 else f"{size / 2**20:g} MB"


def refusal(student, name, message):
    """The row for something that was not graded, with the reason."""
    return Row(safe_name(student), safe_name(name), "", 0, 0, "error", message)


class NotUnpacked(Exception):
    """Why one zip entry was not unpacked."""


def not_a_student_name(student):
    """Why `student` cannot name a student, or None if it can."""
    if STUDENT.fullmatch(student):
        return None
    return "the student's folder name has characters other than letters, digits and . _ @ + -; rename it to grade it"


# ---------------------------------------------------------------------------------------------
# Zips
# ---------------------------------------------------------------------------------------------


def entry_parts(name):
    """The folders and file name of a zip entry, as a tuple, or the reason it is refused (a str).
    A backslash separates folders (as Windows reads it), so it cannot hide a `..` or a drive."""
    if not all(ch.isprintable() for ch in name):
        return "its name holds characters that are not printable"
    path = name.replace("\\", "/")
    if path.startswith("/"):
        return "it is an absolute path"
    if ":" in path:
        return "it names a drive (or holds a ':')"
    parts = tuple(p for p in path.split("/") if p not in ("", "."))
    if ".." in parts:
        return "it climbs out of its folder ('..')"
    if not parts:
        return "it has no name"
    return parts


def wrapper(entries):
    """The one folder that wraps a whole zip ("compress this folder"), or None: every entry lies
    in it and no notebook lies directly in it. `entries` are the safe entries' (parts, info)."""
    tops = {parts[0] for parts, _ in entries}
    if len(tops) != 1:
        return None
    for parts, info in entries:
        if len(parts) == 1 and not info.is_dir():
            return None  # a file, not a folder, at the top
        if len(parts) == 2 and parts[1].endswith(".ipynb") and not info.is_dir():
            return None  # a student's folder, not a wrapper
    return tops.pop()


def is_symlink(info):
    """Whether a zip entry was stored as a symbolic link (Unix mode bits in its attributes)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def tops_of(entries):
    """{top-level name: whether it is a folder} of (parts, info) entries."""
    tops = {}
    for parts, info in entries:
        tops[parts[0]] = tops.get(parts[0], False) or len(parts) > 1 or info.is_dir()
    return tops


def lms_layout(entries):
    """(lms, entries): the LMS whose download this is (grader.grading.downloads.layout), with the
    entries' paths taken below one folder that wraps the whole download, if there is one."""
    tops = tops_of(entries)
    found = downloads.layout(tops)
    if found is None and len(tops) == 1 and next(iter(tops.values())):
        inner = [(parts[1:], info) for parts, info in entries if len(parts) > 1]
        found = downloads.layout(tops_of(inner))
        if found is not None:
            return found, inner
    return found, entries


def plan_lms(lms, entries, time_of):
    """plan() for Canvas's or Moodle's download (grader.grading.downloads): each file is named by
    the LMS, the student is the LMS's number, and of several uploads of one file the latest counts.
    Returns (extract, rows, handed) as plan() does."""
    rows, found = [], []
    for parts, info in entries:
        if info.is_dir():
            continue
        handed = downloads.read(lms, parts)
        shown = safe_name("/".join(parts))
        if isinstance(handed, str):
            if parts[-1].endswith(".ipynb"):
                rows.append(refusal(NO_STUDENT, parts[-1], f"{shown} was not graded: {handed}"))
            elif not parts[-1].endswith(".html"):  # Moodle's online text, Canvas's comments
                rows.append(refusal(NO_STUDENT, parts[-1], f"{shown} was not graded: {handed}"))
            continue
        if not handed.file.endswith(".ipynb"):
            rows.append(
                refusal(
                    handed.student,
                    handed.file,
                    f"{safe_name(handed.name)} handed in {safe_name(handed.file)}, which is not a notebook "
                    "(.ipynb); it was not graded",
                )
            )
        elif is_symlink(info):
            rows.append(refusal(handed.student, handed.file, f"{shown} is a symbolic link, not a notebook file"))
        else:
            found.append((downloads.with_time(handed, time_of(info), "/".join(parts)), info))
    chosen, older = downloads.latest([h for h, _ in found])
    info_of = {id(h): info for h, info in found}
    extract = {(h.student, (h.file,)): [info_of[id(h)]] for h in chosen}
    return extract, rows, chosen + [replace(h, graded=False) for h in older]


def plan(zf):
    """(extract, rows, handed): the notebook entries to unpack as {(student, rest of the path):
    [infos]}, the rows for entries refused, and a downloads.Handed for each file handed in (graded
    False for an earlier upload, or a second copy, that is not graded). See the module's docstring for the rules;
    Canvas's and Moodle's downloads are read by their own naming (plan_lms)."""
    rows, safe = [], []
    for info in zf.infolist():
        parts = entry_parts(info.filename)
        if isinstance(parts, str):
            rows.append(
                refusal(
                    NO_STUDENT,
                    info.filename,
                    f"the zip entry {safe_name(info.filename)} was not unpacked or graded: {parts}",
                )
            )
        elif not any(part in IGNORED for part in parts):
            safe.append((parts, info))
    lms, entries = lms_layout(safe)
    if lms is not None:
        extract, more, handed = plan_lms(lms, entries, lambda info: downloads.zip_time(info.date_time))
        return extract, rows + more, handed
    top = wrapper(safe)
    extract, handed = defaultdict(list), []
    for parts, info in safe:
        if top is not None:
            parts = parts[1:]
        if info.is_dir() or not parts or not parts[-1].endswith(".ipynb"):
            continue
        student, name = parts[0], parts[-1]
        if len(parts) < 2:
            rows.append(
                refusal(
                    NO_STUDENT,
                    info.filename,
                    f"{safe_name(info.filename)} is not in a student's folder (<student>/...), so it was not graded",
                )
            )
        elif not_a_student_name(student):
            rows.append(refusal(safe_name(student), name, not_a_student_name(student)))
        elif is_symlink(info):
            rows.append(
                refusal(
                    student,
                    name,
                    f"{safe_name(info.filename)} is a symbolic link, not a notebook "
                    "file; it was not followed or graded. Hand in the file itself.",
                )
            )
        else:
            extract[student, parts[1:]].append(info)
    for (student, rest), infos in extract.items():
        for i, info in enumerate(sorted(infos, key=lambda info: info.filename)):  # unpack() takes the first
            time = downloads.zip_time(info.date_time)
            handed.append(downloads.Handed(student, "/".join(rest), time=time, source=info.filename, graded=i == 0))
    return extract, rows, handed


def read_entry(zf, info, entry_bytes):
    """The bytes of a zip entry: at most entry_bytes (the declared size may lie); a damaged or
    encrypted entry is a NotUnpacked with the reason, not a crash."""
    try:
        with zf.open(info) as src:
            data = src.read(entry_bytes + 1)
    except Exception as err:  # noqa: BLE001 - bad CRC, damaged data, encrypted: one entry never stops the batch
        raise NotUnpacked(f"it could not be read from the zip ({type(err).__name__}: {err})") from None
    if len(data) > entry_bytes:
        raise NotUnpacked(f"it unpacks to more than {size_text(entry_bytes)}")
    return data


def write_new(target, data):
    """Write a new file, never over an existing one and never through a link."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except OSError as err:
        raise NotUnpacked(f"it could not be unpacked ({err.strerror or err})") from None
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def student_folder(dest, student, made):
    """dest/<student>, made the first time it is asked for (`made` holds the students so far);
    NotUnpacked if another student's folder already has that name (names that differ only in
    case, on a file system that ignores case)."""
    folder = dest / student
    if student not in made:
        try:
            folder.mkdir()
        except FileExistsError:
            raise NotUnpacked(
                "another student's folder has the same name on this file system (names that differ only in case?)"
            ) from None
        made.add(student)
    return folder


class FolderEntry:
    """A file or folder of a FolderArchive, with what plan() reads of a zip entry."""

    def __init__(self, root, path):
        self.path = path
        self.filename = path.relative_to(root).as_posix() + ("/" if path.is_dir() and not path.is_symlink() else "")
        st = path.lstat()
        self.file_size = st.st_size
        self.date_time = time.gmtime(st.st_mtime)[:6]
        self.external_attr = st.st_mode << 16

    def is_dir(self):
        return self.filename.endswith("/")


class FolderArchive:
    """A folder read as a zip is read (infolist, open), for a download unpacked before it was
    graded: links are listed as links (plan() refuses them), never followed."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def infolist(self):
        entries = []
        for dirpath, dirnames, filenames in os.walk(self.folder, followlinks=False):
            dirnames.sort()
            for name in sorted(dirnames) + sorted(filenames):
                entries.append(FolderEntry(self.folder, Path(dirpath) / name))
        return entries

    def open(self, info):
        return os.fdopen(os.open(info.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def lms_folder(folder):
    """Whether a folder is an LMS's download, unpacked (Canvas's flat files, Moodle's folders)."""
    entries = [(tuple(entry.filename.rstrip("/").split("/")), entry) for entry in FolderArchive(folder).infolist()]
    entries = [(parts, entry) for parts, entry in entries if not any(part in IGNORED for part in parts)]
    return lms_layout(entries)[0] is not None


def unpack(source, dest, entry_bytes=NOTEBOOK_BYTES, total_bytes=ZIP_BYTES):
    """Extract the notebooks of a zip (a path) or of a FolderArchive into dest (a new or empty
    folder) as dest/<student>/<path in the student's folder>: the student is the entry's top-level
    folder (below one wrapper folder, if the whole zip has one; the module's docstring gives the
    rules), or, in Canvas's and Moodle's downloads, the LMS's number (grader.grading.downloads).
    Nothing is written outside dest, no link is made or followed. Returns (dest, rows, handed): a
    row for every entry refused or not unpacked (an unsafe name, not in a student's folder, larger
    than entry_bytes, unreadable, or a second entry for the same path, which costs only the student
    whose folder it is in), and a downloads.Handed for every notebook handed in.
    ZipRefused if the notebooks would unpack to more than total_bytes, or the zip cannot be read."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    made = set()
    if isinstance(source, FolderArchive):
        zf = source
    else:
        try:
            zf = zipfile.ZipFile(source)
        except zipfile.BadZipFile as err:
            raise ZipRefused(f"{source}: not a zip that can be read ({err})") from None
    with zf:
        extract, rows, handed = plan(zf)
        if sum(min(info.file_size, entry_bytes) for infos in extract.values() for info in infos) > total_bytes:
            raise ZipRefused(f"{source}: its notebooks unpack to more than {size_text(total_bytes)}")
        for (student, rest), infos in sorted(extract.items()):
            first, *others = sorted(infos, key=lambda info: info.filename)
            for other in others:
                rows.append(
                    refusal(
                        student,
                        rest[-1],
                        f"the zip holds {len(infos)} entries for {student}/"
                        f"{safe_name('/'.join(rest))}: only the first, "
                        f"{safe_name(first.filename)}, was unpacked; "
                        f"{safe_name(other.filename)} was not",
                    )
                )
            try:
                write_new(student_folder(dest, student, made).joinpath(*rest), read_entry(zf, first, entry_bytes))
            except NotUnpacked as why:
                rows.append(refusal(student, rest[-1], f"{safe_name(first.filename)} was not graded: {why}"))
    return dest, rows, handed


# ---------------------------------------------------------------------------------------------
# Folders
# ---------------------------------------------------------------------------------------------


def submissions_folder(folder):
    """The folder that holds one folder per student: `folder` itself (<student>/..., the layout of
    a folder of submissions and of an unpacked zip), or, for an nbgrader course folder (a
    `submitted/` folder beside a `nbgrader_config.py` file), its `submitted/`: nbgrader's exchange
    layout, submitted/<student>/<assignment>/<notebook>.ipynb. A folder of submissions where one
    student is called "submitted" is not mistaken for a course: it has no nbgrader_config.py."""
    folder = Path(folder)
    submitted, config = folder / "submitted", folder / "nbgrader_config.py"
    nbgrader_course = submitted.is_dir() and not submitted.is_symlink() and config.is_file() and not config.is_symlink()
    return submitted if nbgrader_course else folder


def notebook_files(student_dir):
    """The .ipynb files below a student's folder, the folder's own first, then its subfolders in
    name order; links are listed, never followed; copies in .ipynb_checkpoints are skipped."""
    for dirpath, dirnames, filenames in os.walk(student_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED)
        for name in sorted(filenames):
            if name.endswith(".ipynb"):
                yield Path(dirpath) / name


def student_files(student, student_dir, expected, unreleased=()):
    """({notebook id: path}, rows) for one student's folder: the first file for each course
    notebook, and a row for each link, unknown or unreleased notebook and second copy."""
    files, rows = {}, []
    where = lambda path: safe_name(path.relative_to(student_dir).as_posix())  # noqa: E731
    for path in notebook_files(student_dir):
        name, nb = path.name, expected.get(path.name)
        if path.is_symlink():
            rows.append(
                refusal(
                    student,
                    name,
                    f"{safe_name(name)} is a symbolic link, not a notebook file; "
                    "it was not followed or graded. Hand in the file itself.",
                )
            )
        elif nb is None and name in unreleased:
            rows.append(refusal(student, name, f"{safe_name(name)} is not released yet, so it was not graded"))
        elif nb is None:
            guess = difflib.get_close_matches(name, list(expected), n=1, cutoff=0.4)
            hint = f" Rename it to {guess[0]} if that is what it is." if guess else ""
            rows.append(
                refusal(
                    student,
                    name,
                    f"{safe_name(name)} is not one of the course's notebooks "
                    f"({', '.join(expected)}), so it was not graded.{hint}",
                )
            )
        elif nb.id in files:
            rows.append(
                refusal(
                    student,
                    name,
                    f"{safe_name(name)} was handed in more than once: "
                    f"{where(files[nb.id])} was graded, {where(path)} was not",
                )
            )
        else:
            files[nb.id] = path
    return files, rows


def collect(folder, notebooks, unreleased=()):
    """{student: {notebook id: path}} and the rows for what cannot be graded: notebooks in no
    student's folder, files that are not course notebooks, symbolic links (never followed), a
    notebook handed in twice, student folders with names that are not plain (letters, digits and
    . _ @ + -), course notebooks not released yet (`unreleased`). The student is the top-level
    folder (submissions_folder says which folder that is below); a notebook is found at any depth
    below it and is always that student's."""
    expected = {nb.filename: nb for nb in notebooks}
    found, rows = {}, []
    for student_dir in sorted(submissions_folder(folder).iterdir()):
        student = student_dir.name
        if student.startswith("."):
            continue
        if student_dir.is_symlink():
            rows.append(refusal(student, "", "the student's folder is a symbolic link; it was not followed or graded"))
        elif not student_dir.is_dir():
            if student.endswith(".ipynb"):
                rows.append(
                    refusal(
                        NO_STUDENT,
                        student,
                        f"{safe_name(student)} is not in a student's folder (<student>/...), so it was not graded",
                    )
                )
        elif not_a_student_name(student):
            rows.append(refusal(student, "", not_a_student_name(student)))
        else:
            found[student], more = student_files(student, student_dir, expected, {nb.filename for nb in unreleased})
            rows += more
    return found, rows
