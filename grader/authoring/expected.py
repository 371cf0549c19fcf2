"""Writes grader/learner/expected.json: what the visible tests compare with where the verified
numbers do not reach, computed by the reference (grader.course.items' VISIBLE). `python -m grader
release` calls write(); tests/test_expected.py checks that the committed file is what compute() gives."""
import json

from ..course.items import VISIBLE
from ..learner import expected


def compute():
    """{name: the JSON-ready value} for every visible test's stored values."""
    return {name: expected.encode(make()) for name, make in sorted(VISIBLE.items())}


def write(path=expected.FILE):
    path.write_text(json.dumps(compute(), indent=1) + "\n")
    return path
