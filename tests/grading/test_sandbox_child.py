"""grader.grading.sandbox_child's wire format: what crosses between the grader and a learner's
sandbox is plain data and numbers, as JSON. Every value a graded function takes or returns comes
back as it was sent; anything else is refused by name, and whatever a hostile sandbox sends
decodes to plain data or is refused."""

import json

import numpy as np
import pytest

from grader.course.items.nb01_chain_rule import CubicSine
from grader.grading.sandbox_child import WireError, _same, decode, encode

VALUES = [
    None,
    True,
    3,
    -2.5,
    "text",
    1 + 2j,
    float("nan"),
    np.float32(1.5),
    np.int64(7),
    np.bool_(False),
    np.complex128(1j),
    np.arange(6, dtype=np.float64).reshape(2, 3),
    np.arange(6, dtype=np.float32).reshape(3, 2).T,  # not contiguous
    np.asfortranarray(np.ones((2, 3))),
    np.array(2.0),
    np.zeros((0, 4)),
    np.array([True, False]),
    np.array([1, 2], dtype=np.uint8),
    np.array([1 + 1j]),
    np.array([np.inf, -np.inf, np.nan]),
    (1, [2.0, (3,)], {"W": [None, np.eye(2)], "b": [None, np.zeros((2, 1))]}),
]


def across(value):
    """value sent over the wire and read back, through JSON as in the sandbox's pipe."""
    return decode(json.loads(json.dumps(encode(value))))


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_every_kind_of_value_comes_back_as_it_was_sent(value):
    back = across(value)
    assert _same(back, value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and back.flags.writeable


def test_a_recipe_comes_back_as_the_function_it_stands_for():
    f = CubicSine(0.5, 2.0, -0.1)
    g = across(f)
    t = np.linspace(-2, 2, 9)
    assert np.array_equal(g(t), f(t))


@pytest.mark.parametrize(
    "value, words",
    [
        (np.array(["a", "b"]), "an array of <U1, not of numbers"),
        (np.array([object()]), "an array of object"),
        ({1: 2.0}, "a dict whose keys are not all strings"),
        ({1.0, 2.0}, "it is a set"),
        (lambda x: x, "it is a function"),
        (b"bytes", "it is a bytes"),
    ],
)
def test_what_is_not_plain_data_is_refused_by_name(value, words):
    with pytest.raises(WireError, match=words):
        encode(value)


def test_nesting_is_refused_past_twenty_levels_both_ways():
    deep = 0.0
    for _ in range(25):
        deep = [deep]
    with pytest.raises(WireError, match="nested too deeply"):
        encode(deep)
    with pytest.raises(WireError, match="nested too deeply"):
        decode(json.loads(json.dumps(deep)))


@pytest.mark.parametrize(
    "data",
    [
        {"__ndarray__": "", "dtype": "|O", "shape": [0]},  # object arrays build objects
        {"__ndarray__": "AAAA", "dtype": "<V4", "shape": [1]},  # raw bytes, not numbers
        {"__recipe__": "os.system", "args": []},  # only the course's recipes
        {"__class__": "Anything"},  # no marker: nothing is built
        {"__ndarray__": "AAAAAAAAAAA=", "dtype": "<f8", "shape": [1000000]},  # a shape its bytes do not fill
    ],
)
def test_what_a_hostile_sandbox_sends_is_refused(data):
    with pytest.raises((WireError, ValueError)):  # the grader turns both into "cannot read"
        decode(data)
