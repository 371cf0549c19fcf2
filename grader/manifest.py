"""The course manifest (grader/course.toml): notebooks in order and their graded items."""
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = Path(__file__).with_name("course.toml")


@dataclass(frozen=True)
class Item:
    id: str          # the learner's function; the answer cell's nbgrader grade_id
    points: float

    @property
    def test_id(self):
        """grade_id of the test cell that carries the points."""
        return f"test_{self.id}"


@dataclass(frozen=True)
class Notebook:
    id: str          # the nbgrader assignment id and the notebook's file stem
    title: str
    items: tuple

    @property
    def filename(self):
        return f"{self.id}.ipynb"

    @property
    def points(self):
        return sum(item.points for item in self.items)

    def item(self, item_id):
        return next(item for item in self.items if item.id == item_id)


def load(path=MANIFEST):
    """The notebooks of the course, in order."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return [Notebook(nb["id"], nb["title"], tuple(Item(i["id"], float(i["points"])) for i in nb["items"]))
            for nb in data["notebooks"]]


def find(filename, path=MANIFEST):
    """The manifest entry for a notebook file name (e.g. '01_chain_rule.ipynb'), or None."""
    stem = Path(filename).stem
    return next((nb for nb in load(path) if nb.id == stem), None)
