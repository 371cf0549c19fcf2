"""Writes grader/learner/expected.json: what the visible tests compare with where the verified
numbers do not reach, computed by the reference (each grader.course.item.Item's `visible`). `python -m grader
release` calls write(); tests/authoring/test_expected.py checks that the committed file is what compute() gives."""

import json

from ..course.items import ITEMS
from ..learner import expected


def compute():
    """{name: the JSON-ready value} for every visible test's stored values."""
    visible = {label: make for item in ITEMS.values() for label, make in item.visible.items()}
    return {label: expected.encode(make()) for label, make in sorted(visible.items())}


def write(path=expected.FILE):
    path.write_text(json.dumps(compute(), indent=1) + "\n")
    return path
