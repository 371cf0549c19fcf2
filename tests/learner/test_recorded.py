"""grader.learner.recorded and grader.authoring.recordings: the committed recordings are those of
today's solutions, every recorded result of a graded function is the reference's, values survive
the file, and arguments match across rounding but not across a real change."""

import numpy as np
import pytest

from grader.authoring import recordings
from grader.course.items import ITEMS
from grader.learner import manifest, recorded

NOTEBOOKS = manifest.load()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_the_committed_recordings_are_todays_solutions(nb, root):
    found = recorded.Recordings(recorded.path(nb.id))
    assert found.source == recordings.source_hash(nb, root), (
        f"grader/learner/recordings/{nb.id}.npz was recorded from another version of the solution: "
        f"run `python -m grader release --only {nb.id}`"
    )
    assert found.calls, nb.id


def _argument(value):
    """A recorded argument as the reference takes it (a generator rebuilt from its state)."""
    if isinstance(value, dict) and set(value) == {"rng"}:
        rng = np.random.default_rng()
        rng.bit_generator.state = value["rng"]
        return rng
    return value


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_every_recorded_result_of_a_graded_function_is_the_references(nb):
    found = recorded.Recordings(recorded.path(nb.id))
    checked = 0
    for call in found.calls:
        if call["name"] not in ITEMS:
            continue  # a notebook's own function (a training run)
        args = [_argument(a) for a in recorded.decode(call["args"], found.arrays)]
        kwargs = recorded.decode(call["kwargs"], found.arrays)
        if any(isinstance(a, dict) and set(a) == {"fn"} for a in [*args, *kwargs.values()]):
            continue  # a function argument: only its name was kept
        item = ITEMS[call["name"]]
        message = item.compare(
            recorded.decode(call["result"], found.arrays), item.expected(*args, **kwargs), call["name"]
        )
        assert not message, (nb.id, message)
        checked += 1
    assert checked or not any(call["name"] in ITEMS for call in found.calls)


VALUES = [
    0.5,
    3,
    -(2**60),
    float("inf"),
    None,
    "tanh",
    True,
    np.float64(0.25),
    np.arange(6).reshape(2, 3),
    np.array([True, False]),
    [1, (2.0, np.ones(2))],
    {"a": [None], 1.5: "b", (1, 2): 3},
    range(2, 9, 3),
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_values_come_back_as_they_went_in(value, tmp_path):
    recorded.write("x", [("f", (value,), {}, value, {})], "h", tmp_path)
    found = recorded.Recordings(recorded.path("x", tmp_path))
    back = recorded.decode(found.calls[0]["result"], found.arrays)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert repr(back) == repr(value)
    assert found.result("f", (value,), {}) is not None or value is None


def test_arguments_match_through_rounding_not_through_a_change(tmp_path):
    W = np.random.default_rng(0).normal(size=(3, 4))
    recorded.write("x", [("f", (W, "sigmoid"), {"lr": 0.5}, 1.0, {})], "h", tmp_path)
    found = recorded.Recordings(recorded.path("x", tmp_path))
    assert found.result("f", (W * (1 + 1e-12), "sigmoid"), {"lr": 0.5}) == 1.0
    for args, kwargs in [
        ((W + 1e-4, "sigmoid"), {"lr": 0.5}),
        ((W, "relu"), {"lr": 0.5}),
        ((W.T, "sigmoid"), {"lr": 0.5}),
        ((W, "sigmoid"), {"lr": 0.6}),
        ((W, "sigmoid"), {}),
    ]:
        with pytest.raises(recorded.NotRecorded):
            found.result("f", args, kwargs)
    with pytest.raises(TypeError, match="cannot be recorded"):
        recorded.encode(object(), {})
