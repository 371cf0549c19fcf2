"""The gradebook on a real PostgreSQL server (nbgrader's advice when several graders write at once):
the tests start a throw-away server of their own, on a private Unix socket and no TCP port, grade
part of the sample class into it with parallel workers and compare with the SQLite run."""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import TMP

from grader.grading.autograde import autograde
from grader.grading.gradebook import COURSE_ID

# Part of the sample class (examples/README.md): a mistake in every notebook (s04), a cheat (s08's 02)
# and tampered test cells (s07's 02); grading all 46 files again would add minutes to the suite.
PICK = {"s04": None, "s07": ["02_worked_example.ipynb"], "s08": ["02_worked_example.ipynb"]}


def postgres_bin():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else (Path(shutil.which("pg_ctl")).parent if shutil.which("pg_ctl") else None)


@pytest.fixture(scope="module")
def server():
    """A PostgreSQL server for this module: `initdb` in a scratch folder (as the `postgres` user when
    the tests run as root: PostgreSQL refuses root), listening on a Unix socket there only.
    Yields a function that creates a database and returns its nbgrader db_url."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL is not installed; `make test` installs it (make postgresql)")
    base = Path(tempfile.mkdtemp(prefix="pg-", dir=TMP))
    base.chmod(0o755)
    as_user = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if as_user:
        shutil.chown(base, "postgres", "postgres")
    data, sock = base / "data", base / "s"
    sock.mkdir()
    if as_user:
        shutil.chown(sock, "postgres", "postgres")
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True, timeout=120)  # noqa: E731
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "grader", "-A", "trust", "--no-sync")
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(base / "log"),
        "-w",
        "-t",
        "60",
        "start",
        "-o",
        f"-k {sock} -c listen_addresses='' -c fsync=off -c max_connections=60",
    )
    names = []

    def database(name):
        run(str(bin_dir / "createdb"), "-h", str(sock), "-U", "grader", name)
        names.append(name)
        return f"postgresql://grader@/{name}?host={sock}"

    try:
        yield database
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def classroom(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pg-class")
    for student, files in PICK.items():
        source = root / "examples" / "class" / student
        for path in sorted(source.iterdir()):
            if files is None or path.name in files:
                (folder / student).mkdir(exist_ok=True)
                shutil.copy(path, folder / student / path.name)
    return folder


def grade(folder, out, db_url=None):
    rows, review = autograde(folder, out, jobs=2, timeout=10, notebook_timeout=60, db_url=db_url, progress=False)
    return rows, review


def csvs(out):
    return {name: (out / name).read_text(encoding="utf-8") for name in ("grades.csv", "summary.csv")}


def gradebook_rows(db_url):
    """(student, notebook, score) of every submitted notebook, and the number of grade rows."""
    from nbgrader.api import Grade, Gradebook, SubmittedNotebook

    with Gradebook(db_url, COURSE_ID) as gb:
        notebooks = sorted((nb.student.id, nb.name, nb.score) for nb in gb.db.query(SubmittedNotebook).all())
        return notebooks, gb.db.query(Grade).count()


@pytest.fixture(scope="module")
def sqlite_run(classroom, tmp_path_factory):
    out = tmp_path_factory.mktemp("sqlite")
    grade(classroom, out)
    return out


def test_postgres_gives_the_csvs_of_sqlite_and_regrading_changes_nothing(server, classroom, sqlite_run, tmp_path):
    db = server("gradebook")
    grade(classroom, tmp_path / "first", db)
    assert csvs(tmp_path / "first") == csvs(sqlite_run)
    before = gradebook_rows(db)
    assert len(before[0]) == 7 and before[1] > 0
    grade(classroom, tmp_path / "again", db)  # the same files graded again into the same gradebook
    assert csvs(tmp_path / "again") == csvs(sqlite_run)
    assert gradebook_rows(db) == before  # updated in place: no duplicate submission or grade
    with open(tmp_path / "first" / "summary.csv", newline="", encoding="utf-8") as f:
        totals = {
            (row["student"], nb): float(row[nb])
            for row in csv.DictReader(f)
            for nb in row
            if nb not in ("student", "name", "total", "max_total")
        }
    assert all(totals[student, nb] == score for student, nb, score in before[0])


def test_two_graders_at_once_into_one_gradebook_lose_nothing(server, classroom, tmp_path, root):
    """Two `autograde` processes at the same time, each with its own part of the class, into one
    PostgreSQL gradebook: every submission of both is there, with its score."""
    db = server("shared")
    parts = {}
    for student in PICK:
        parts[student] = tmp_path / f"part-{student}"
        shutil.copytree(classroom / student, parts[student] / student)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grader",
                "autograde",
                str(folder),
                "--out",
                str(tmp_path / f"out-{student}"),
                "--db",
                db,
                "--jobs",
                "1",
                "--timeout",
                "10",
            ],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for student, folder in parts.items()
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err
    notebooks, _ = gradebook_rows(db)
    assert len(notebooks) == 7
    for student in PICK:
        with open(tmp_path / f"out-{student}" / "summary.csv", newline="", encoding="utf-8") as f:
            row = next(r for r in csv.DictReader(f) if r["student"] == student)
        for name, nb, score in notebooks:
            if name == student:
                assert float(row[nb]) == score, (student, nb)
