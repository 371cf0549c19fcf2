"""grader/learner/expected.json: what the visible tests compare with is the reference's value on those
tests' inputs (not pasted output), and where the example has verified numbers, the stored values give them."""

import numpy as np

from grader.authoring import expected as writer
from grader.course.items import nb02_worked_example as nb02
from grader.learner import expected, worked_example as WE


def assert_same(stored, fresh, where="value"):
    """Equal structure, strings and None; numbers equal to rounding (another CPU may round differently)."""
    assert type(stored) is type(fresh), (where, type(stored), type(fresh))
    if isinstance(stored, dict):
        assert stored.keys() == fresh.keys(), where
        for key in stored:
            assert_same(stored[key], fresh[key], f"{where}[{key!r}]")
    elif isinstance(stored, list):
        assert len(stored) == len(fresh), where
        for k, (a, b) in enumerate(zip(stored, fresh)):
            assert_same(a, b, f"{where}[{k}]")
    elif isinstance(stored, float):
        assert np.isclose(stored, fresh, rtol=1e-9, atol=1e-14), (where, stored, fresh)
    else:
        assert stored == fresh, (where, stored, fresh)


def test_the_committed_values_are_what_the_reference_computes():
    committed = expected._stored()
    fresh = writer.compute()
    assert committed.keys() == fresh.keys(), "run `python -m grader release` and commit grader/learner/expected.json"
    for name in fresh:
        assert_same(committed[name], fresh[name], name)


def error_of(params):
    fwd = nb02.ref_forward_pass(params, *WE.INPUTS)
    return nb02.ref_total_error(fwd["out_o1"], fwd["out_o2"], *WE.TARGETS)["E_total"]


def test_the_stored_steps_give_the_verified_errors_and_outputs():
    assert (
        abs(
            error_of(expected.reference_value("gradient_step, update_biases=True"))
            - WE.ERROR_AFTER_ONE_STEP_SHARED_BIASES
        )
        < 1e-9
    )
    assert abs(error_of(expected.reference_value("slipped_step")) - WE.PUBLISHED_ERROR_AFTER_ONE_STEP) < 1e-9
    trained = expected.reference_value("train, 10000 steps")
    fwd = nb02.ref_forward_pass(trained, *WE.INPUTS)
    assert np.allclose([fwd["out_o1"], fwd["out_o2"]], WE.OUTPUTS_AFTER_10000, rtol=0, atol=1e-8)
    assert abs(error_of(trained) / WE.ERROR_AFTER_10000 - 1) < 2e-6


def test_backward_cases_start_from_the_worked_example():
    first = expected.reference_value("backward")[0]
    W, _ = WE.to_layers(WE.PARAMS)
    assert all(np.array_equal(a, b) for a, b in zip(first["args"][0][1:], W[1:]))
    dW = first["result"][1]
    assert abs(W[2][0, 0] - 0.5 * dW[2][0, 0] - WE.UPDATED["w5"]) < 1e-8


def test_encode_and_decode_are_inverse():
    value = {"a": [None, np.arange(6.0).reshape(2, 3), 1.5, "relu"], "b": (np.float64(2.0), 3)}
    back = expected.decode(expected.encode(value))
    assert np.array_equal(back["a"][1], value["a"][1]) and back["a"][0] is None and back["a"][2:] == [1.5, "relu"]
    assert back["b"] == [2.0, 3]
