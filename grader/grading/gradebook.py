"""nbgrader's course and gradebook for `autograde`: the course folder under RESULTS/course, the
assignments and students in the gradebook (SQLite, or PostgreSQL with --db), and retries where
SQLite refuses a write to parallel workers."""

import contextlib
import functools
import time
from datetime import UTC
from pathlib import Path


class GradebookMismatch(RuntimeError):
    """The gradebook was filled for another version of the course's notebooks."""


# The nbgrader course id (as in nbgrader_config.py): every assignment in the gradebook belongs to
# it. SQLite does not enforce that reference by default; PostgreSQL refuses an assignment whose
# course is missing.
COURSE_ID = "backprop"


def course_config(settings):
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(settings.out / "course")
    c.CourseDirectory.source_directory = str(settings.root / "solutions")
    c.CourseDirectory.db_url = settings.db_url
    c.OverwriteCells.add_missing_cells = True
    # the course's late policy, through nbgrader's late-submission plugin (grader.grading.lateness)
    c.AssignLatePenalties.plugin_class = "grader.grading.lateness.LatePenalty"
    late = getattr(settings, "late", None)
    if late is not None:
        c.LatePenalty.free_days = late.free_days
        c.LatePenalty.per_day = late.per_day
    return c


def prepare_course(settings, notebooks, students=()):
    """The nbgrader course under RESULTS/course, with the notebooks' assignments and the students in
    the gradebook. The students are added here, before any grading: two workers grading two
    notebooks of one new student would otherwise both add the student, and one would fail."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI

    (settings.out / "course").mkdir(parents=True, exist_ok=True)
    with gradebook_lock(settings.db_url):
        with Gradebook(settings.db_url, COURSE_ID) as gb:
            known, migrated = set(), {}
            for nb in notebooks:
                try:
                    cells = {cell.name: cell.max_score for cell in gb.find_notebook(nb.id, nb.id).grade_cells}
                except MissingEntry:
                    continue
                wanted = {item.test_id: item.points for item in nb.items}
                if set(cells) != set(wanted):
                    raise GradebookMismatch(
                        f"the gradebook {settings.db_url} holds another version of {nb.id} (other graded items: "
                        f"{', '.join(sorted(set(cells) ^ set(wanted)))}): grade into a new results folder, or give "
                        "a new --db"
                    )
                migrated[nb.id] = migrate_points(gb, nb, cells, wanted)
                known.add(nb.id)
        for nb in notebooks:
            # An assignment the gradebook already has is written to this results folder only: nbgrader
            # would otherwise delete and re-create it in the gradebook whenever it has no submission
            # yet, and with it the grades another grader is writing into the same gradebook.
            config = course_config(settings)
            config.GenerateAssignment.no_database = nb.id in known
            config.SaveCells.enabled = nb.id not in known  # (SaveCells writes the gradebook itself)
            result = NbGraderAPI(config=config).generate_assignment(nb.id, force=True)
            if not result["success"]:
                raise RuntimeError(
                    f"nbgrader could not set up {nb.id}: {result.get('error', '')}{result.get('log', '')}"
                )
        if any(migrated.values()):
            new_checksums(settings, migrated)

    def add_students_and_due_dates():
        with Gradebook(settings.db_url, COURSE_ID) as gb:
            for student in students:
                gb.update_or_create_student(student)
            for nb in notebooks:  # nbgrader keeps times as UTC without a zone
                due = nb.due.astimezone(UTC).replace(tzinfo=None) if nb.due else None
                gb.update_or_create_assignment(nb.id, duedate=due)

    gradebook_retries(add_students_and_due_dates)


def set_extension(db_url, nb_id, student, days):
    """The student's extension for nb_id in the gradebook (nbgrader's own: it moves their due
    date), or none (days 0); the submission is made if it is not there yet."""
    from nbgrader.api import Gradebook

    def attempt():
        with Gradebook(db_url, COURSE_ID) as gb:
            gb.update_or_create_submission(nb_id, student)
            gb.grant_extension(nb_id, student, days=days)

    gradebook_retries(attempt)


def lateness(db_url, nb_id, student):
    """(seconds late, penalty) of a graded submission, as nbgrader's gradebook has them."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gb:
        submission = gb.find_submission(nb_id, student)
        notebook = gb.find_submission_notebook(nb_id, nb_id, student)
        return submission.total_seconds_late, notebook.late_submission_penalty or 0.0


def migrate_points(gb, nb, cells, wanted):
    """A gradebook of an earlier version of the course, where only points changed (course.toml), is
    brought up to date rather than refused: each changed cell gets its new maximum, and a grade
    that had full marks keeps full marks (autograded items are all or nothing); hand grades are
    kept as they are. Returns the cells changed, {name: (old, new)}."""
    changed = {name: (cells[name], points) for name, points in wanted.items() if cells[name] != points}
    for name, (old, new) in changed.items():
        cell = gb.find_grade_cell(name, nb.id, nb.id)
        cell.max_score = new
        for grade in cell.grades:
            if grade.auto_score is not None and grade.auto_score == old:
                grade.auto_score = new
    if changed:
        gb.db.commit()
    return changed


def new_checksums(settings, migrated):
    """The gradebook's checksums of the cells whose points changed ({notebook id: {cell: (old,
    new)}}), from the release just generated: nbgrader's checksum of a test cell covers its points,
    and it checks every submission's test cells against it."""
    import nbformat
    from nbgrader.api import Gradebook

    from ..learner import cell_roles

    with Gradebook(settings.db_url, COURSE_ID) as gb:
        for nb_id, changed in migrated.items():
            released = nbformat.read(settings.out / "course" / "release" / nb_id / f"{nb_id}.ipynb", as_version=4)
            for cell in released.cells:
                if cell_roles.grade_id(cell) in changed:
                    gb.find_source_cell(cell_roles.grade_id(cell), nb_id, nb_id).checksum = cell_roles.nbgrader(cell)[
                        "checksum"
                    ]
        gb.db.commit()


@contextlib.contextmanager
def gradebook_lock(db_url):
    """Held while the course's assignments are put into a PostgreSQL gradebook, so that two graders
    started at once into one gradebook do not both create them (a session-level advisory lock).
    SQLite gradebooks are written by one grader at a time; they need none."""
    if not db_url.startswith("postgresql"):
        yield
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7311)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7311)"))
    finally:
        engine.dispose()


def setup_nbgrader():
    """Two things about nbgrader's gradebook, done once per process:

    * its SQLAlchemy autoflush warnings say nothing to an instructor: kept off the terminal;
    * a new gradebook is stamped with the head revision of nbgrader's schema migrations, which
      nbgrader gets by running the `alembic heads` command: a new Python importing nbgrader, 4 s
      of CPU for every new gradebook. alembic's own Python API reads the same migration scripts
      here in a fraction of a second (tests/grading/test_autograde.py compares the two)."""
    import warnings

    import nbgrader.api
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    nbgrader.api.get_alembic_version = nbgrader_schema_head


@functools.cache
def nbgrader_schema_head():
    """The head revision of nbgrader's gradebook schema, from its alembic migration scripts."""
    import nbgrader
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


def _locked(text):
    return "database is locked" in str(text)


def gradebook_retries(attempt, tries=5):
    """attempt() again, after a short random pause, while SQLite says the gradebook is locked.
    Parallel workers share one SQLite file, and SQLite refuses a write at once, without waiting
    for its busy timeout, when two transactions that have both read want to write (it would
    otherwise deadlock); one of them has to start again. Returns attempt()'s result."""
    import random

    for tries_left in range(tries - 1, -1, -1):
        try:
            result = attempt()
        except Exception as err:  # noqa: BLE001 - SQLAlchemy's OperationalError, among others
            if not _locked(err) or not tries_left:
                raise
        else:
            if not (
                isinstance(result, dict)
                and not result.get("success")
                and tries_left
                and _locked(f"{result.get('error', '')}{result.get('log', '')}")
            ):
                return result
        time.sleep(random.uniform(0.2, 1.0))
