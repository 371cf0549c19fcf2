"""Where a checkout of the course keeps its files: the one place that builds their paths.

    ROOT/grader/learner/course.toml     the manifest (grader.learner.manifest)
    ROOT/notebooks/<id>/<file>          the release: what learners get, made from the solutions
    ROOT/solutions/<id>/<file>          the solutions, with the hidden tests

`entry` is a manifest entry (grader.learner.manifest.Notebook: its id and file name); `root` is
the checkout, this one unless given."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manifest_path(root=ROOT):
    return Path(root) / "grader" / "learner" / "course.toml"


def release_path(entry, root=ROOT):
    return Path(root) / "notebooks" / entry.id / entry.filename


def solution_path(entry, root=ROOT):
    return Path(root) / "solutions" / entry.id / entry.filename
