"""What some visible tests compare with: the course's reference results on those tests' own inputs.

A test of one function must not call another of the learner's answers (a slip there would fail
this test too), and the course cannot ship its reference functions (they are the answers). So
where a test needs more than the verified numbers of grader.learner.worked_example, the instructor's
`python -m grader release` computes the values with the reference and writes them to
expected.json next to this file; reference_value(name) reads one. Arrays are stored as {"array": [...]}
(float64), or with their "dtype" where they hold integers or booleans.
"""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

FILE = Path(__file__).with_name("expected.json")


def encode(value):
    """JSON-ready form of numbers, strings, None, arrays, and lists, tuples and dicts of them."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iub":  # integers (class labels) and booleans keep their kind
            return {"array": value.tolist(), "dtype": value.dtype.str}
        return {"array": value.tolist()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode(data):
    """The inverse of encode (tuples come back as lists)."""
    if isinstance(data, dict):
        if set(data) == {"array"}:
            return np.array(data["array"], dtype=np.float64)
        if set(data) == {"array", "dtype"}:
            return np.array(data["array"], dtype=np.dtype(data["dtype"]))
        return {k: decode(v) for k, v in data.items()}
    if isinstance(data, list):
        return [decode(v) for v in data]
    return data


@lru_cache(maxsize=1)
def _stored():
    return json.loads(FILE.read_text())


def reference_value(name):
    """The stored value `name`: the reference's result on a visible test's inputs (a fresh copy)."""
    return decode(_stored()[name])
