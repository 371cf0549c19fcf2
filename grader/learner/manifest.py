"""The course manifest (grader/learner/course.toml): notebooks in order and their graded items."""

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MANIFEST = Path(__file__).with_name("course.toml")


@dataclass(frozen=True)
class Item:
    id: str  # the learner's function (or written answer); the answer cell's grade_id
    points: float
    kind: str = "code"  # "code": autograded by a test cell; "written": graded by hand
    calls: tuple = ()  # the graded items of its notebook that its exercise says it calls
    derive: bool = False  # the learner derives its formula: the page does not give it

    def failing_calls(self, failing):
        """The items this one calls, as its exercise says, that fail too (`failing`: the ids of the
        failing items of its notebook), in the order of `calls`."""
        return tuple(d for d in self.calls if d in failing)

    @property
    def written(self):
        return self.kind == "written"

    @property
    def test_id(self):
        """grade_id of the cell that carries the points: the test cell test_X for code, the
        answer cell itself for a written answer."""
        return self.id if self.written else f"test_{self.id}"


@dataclass(frozen=True)
class Notebook:
    id: str  # the nbgrader assignment id and the notebook's file stem
    title: str
    items: tuple
    due: datetime | None = None  # when it is due (with its time zone), if the course sets a date
    released: bool = True  # false: not out yet (not graded, counted, exported or bundled)

    @property
    def due_text(self):
        """The due date as learners read it, in UTC ("" without one)."""
        return self.due.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if self.due else ""

    @property
    def filename(self):
        return f"{self.id}.ipynb"

    @property
    def points(self):
        return sum(item.points for item in self.items)

    @property
    def auto_points(self):
        """Points the autograder awards; the rest are written answers graded by hand."""
        return sum(item.points for item in self.items if not item.written)

    def item(self, item_id):
        return next(item for item in self.items if item.id == item_id)


def load(path=MANIFEST):
    """The notebooks of the course, in order."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    notebooks = []
    for nb in data["notebooks"]:
        items = tuple(
            Item(
                i["id"],
                float(i["points"]),
                i.get("kind", "code"),
                tuple(i.get("calls", ())),
                bool(i.get("derive", False)),
            )
            for i in nb["items"]
        )
        bad = [i.id for i in items if i.kind not in ("code", "written")]
        if bad:
            raise ValueError(f"{path}: items {bad} of {nb['id']} have a kind other than 'code' or 'written'")
        due = nb.get("due")
        if due is not None and not (isinstance(due, datetime) and due.tzinfo is not None):
            raise ValueError(
                f"{path}: the due date of {nb['id']} must be a date and time with its time zone, "
                f"e.g. due = 2027-01-15T23:59:00Z or 2027-01-15T23:59:00+01:00, not {due!r}"
            )
        notebooks.append(Notebook(nb["id"], nb["title"], items, due, bool(nb.get("released", True))))
    return notebooks


def released(path=MANIFEST):
    """The notebooks learners have been given (course.toml's `released`, true unless set false):
    what is graded, counted in totals, exported and bundled."""
    return [nb for nb in load(path) if nb.released]


@dataclass(frozen=True)
class LatePolicy:
    """What handing in late costs, per notebook (course.toml's [late] table): nothing for the first
    `free_days` days (a day is 24 hours, a part of one counts whole), then `per_day` of the
    notebook's score for each further day, never more than the score."""

    free_days: int = 0
    per_day: float = 0.0

    def penalty(self, score, seconds_late):
        """The points taken off a notebook scored `score` and handed in `seconds_late` after its due
        date (with its extension)."""
        if seconds_late <= 0 or score <= 0:
            return 0.0
        days = -(-seconds_late // 86400)  # started days
        charged = max(0, int(days) - self.free_days)
        return min(score, score * self.per_day * charged)

    def text(self):
        if not self.per_day:
            return "no penalty for handing in late"
        free = f"the first {self.free_days} days late cost nothing, then " if self.free_days else ""
        return f"{free}each day late (or part of one) costs {self.per_day:.0%} of the notebook's score"


def late_policy(path=MANIFEST):
    """The course's LatePolicy (no [late] table: no penalty)."""
    late = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("late", {})
    policy = LatePolicy(int(late.get("free_days", 0)), float(late.get("per_day", 0.0)))
    if policy.free_days < 0 or not 0 <= policy.per_day <= 1:
        raise ValueError(f"{path}: [late] needs free_days >= 0 and per_day between 0 and 1, not {late}")
    return policy


def find(filename, path=MANIFEST):
    """The manifest entry for a notebook file name (e.g. '01_chain_rule.ipynb'), or None."""
    stem = Path(filename).stem
    return next((nb for nb in load(path) if nb.id == stem), None)


def graded_item(item_id, path=MANIFEST):
    """The manifest's Item for a graded function or written answer (ids are unique in the course),
    or None."""
    return next((item for nb in load(path) for item in nb.items if item.id == item_id), None)


def for_file(filename, path=MANIFEST):
    """The manifest entry a learner's notebook file belongs to: its own name (01_chain_rule.ipynb) or
    a copy's that starts with it (01_chain_rule-Copy1.ipynb, 01_chain_rule_v2.ipynb), else None."""
    stem = Path(filename).stem
    matches = [nb for nb in load(path) if stem == nb.id or stem.startswith(nb.id)]
    return max(matches, key=lambda nb: len(nb.id), default=None)
