"""Notebook 02, the 2-2-2 worked example: each graded function judged in the notebook's dict form
against the matrix reference, its catalogued mistakes and its mutants.
(ITEMS: one grader.course.item.Item per graded function.)
"""

import numpy as np

from ...learner import worked_example as WE
from .. import reference as R
from ..inputs import ABOVE_CAPS, CAPPED
from ..item import Item

# ---------------------------------------------------------------------------------------------
# Inputs, reference adapters and comparisons
# ---------------------------------------------------------------------------------------------


def _params(rng):
    p = {k: float(v) for k, v in zip(WE.PARAMS, rng.normal(0, 1, len(WE.PARAMS)))}
    return p


def _inputs(rng):
    return tuple(float(v) for v in rng.uniform(-1, 1, 2)), tuple(float(v) for v in rng.uniform(0, 1, 2))


def _column(u, v):
    return np.array([[u], [v]], dtype=np.float64)


def ref_forward_pass(p, i1, i2):
    W, b = WE.to_layers(p)
    Z, A = R.forward(W, b, _column(i1, i2), "sigmoid")
    return {
        "net_h1": Z[1][0, 0],
        "out_h1": A[1][0, 0],
        "net_h2": Z[1][1, 0],
        "out_h2": A[1][1, 0],
        "net_o1": Z[2][0, 0],
        "out_o1": A[2][0, 0],
        "net_o2": Z[2][1, 0],
        "out_o2": A[2][1, 0],
    }


def ref_total_error(out_o1, out_o2, t1, t2):
    E_o1, E_o2 = R.half_sse(out_o1, t1), R.half_sse(out_o2, t2)
    return {"E_o1": E_o1, "E_o2": E_o2, "E_total": E_o1 + E_o2}


def _fwd_columns(fwd):
    Z1 = _column(fwd["net_h1"], fwd["net_h2"])
    A1 = _column(fwd["out_h1"], fwd["out_h2"])
    Z2 = _column(fwd["net_o1"], fwd["net_o2"])
    A2 = _column(fwd["out_o1"], fwd["out_o2"])
    return Z1, A1, Z2, A2


def _output_grads(A1, Z2, A2, Y):
    delta2 = R.output_delta(A2, Y, Z2, "sigmoid", "half_sse")
    dW2 = R.weight_grad(delta2, A1)
    return {
        "delta_o1": delta2[0, 0],
        "delta_o2": delta2[1, 0],
        "w5": dW2[0, 0],
        "w6": dW2[0, 1],
        "w7": dW2[1, 0],
        "w8": dW2[1, 1],
        "b2": float(R.bias_grad(delta2).sum()),
    }  # b2 is shared by both outputs


def _hidden_grads(W2, delta2, Z1, X):
    delta1 = R.hidden_delta(W2, delta2, Z1, "sigmoid")
    dW1 = R.weight_grad(delta1, X)
    return {
        "w1": dW1[0, 0],
        "w2": dW1[0, 1],
        "w3": dW1[1, 0],
        "w4": dW1[1, 1],
        "b1": float(R.bias_grad(delta1).sum()),
    }  # b1 is shared by both hidden units


def ref_output_layer_gradients(p, fwd, t1, t2):
    _, A1, Z2, A2 = _fwd_columns(fwd)
    return _output_grads(A1, Z2, A2, _column(t1, t2))


def ref_hidden_layer_gradients(p, fwd, out_grads, i1, i2):
    W, _ = WE.to_layers(p)
    Z1 = _fwd_columns(fwd)[0]
    return _hidden_grads(W[2], _column(out_grads["delta_o1"], out_grads["delta_o2"]), Z1, _column(i1, i2))


def ref_input_gradients(p, i1, i2, t1, t2):
    """dE_total/di1 and dE_total/di2: the hidden deltas sent back through W^(1), (W^(1))^T delta^(1)."""
    W, b = WE.to_layers(p)
    Z, A = R.forward(W, b, _column(i1, i2), "sigmoid")
    delta, _, _ = R.backward(W, Z, A, _column(t1, t2), "sigmoid", "half_sse")
    g = W[1].T @ delta[1]
    return {"i1": float(g[0, 0]), "i2": float(g[1, 0])}


def ref_update_weights(p, grads, lr):
    return {k: (v - lr * grads[k] if k in grads else v) for k, v in p.items()}


def ref_gradient_step(p, i1, i2, t1, t2, lr, update_biases=False):
    return _step_from(p, ref_forward_pass(p, i1, i2), i1, i2, t1, t2, lr, update_biases)


def _step_from(p, fwd, i1, i2, t1, t2, lr, update_biases=False):
    """gradient_step's new parameters, given fwd = ref_forward_pass(p, i1, i2)."""
    out = ref_output_layer_gradients(p, fwd, t1, t2)
    grads = {**out, **ref_hidden_layer_gradients(p, fwd, out, i1, i2)}
    if not update_biases:
        grads = {k: v for k, v in grads.items() if k not in ("b1", "b2")}
    return ref_update_weights(p, grads, lr)


def _error(fwd, t1, t2):
    return ref_total_error(fwd["out_o1"], fwd["out_o2"], t1, t2)["E_total"]


def ref_train(p, i1, i2, t1, t2, lr, steps):
    """(p after `steps` gradient steps, [E_total after 0, 1, ..., steps steps]): one forward pass
    per step, which gives the error after one step and the start of the next (train's designed
    inputs run 300 steps)."""
    fwd = ref_forward_pass(p, i1, i2)
    errors = [_error(fwd, t1, t2)]
    for _ in range(steps):
        p = _step_from(p, fwd, i1, i2, t1, t2, lr)
        fwd = ref_forward_pass(p, i1, i2)
        errors.append(_error(fwd, t1, t2))
    return p, errors


def ref_slipped_step(p, i1, i2, t1, t2, lr):
    """The published slip: w5..w8 are updated first, then the hidden deltas use the NEW w5..w8."""
    fwd = ref_forward_pass(p, i1, i2)
    out = ref_output_layer_gradients(p, fwd, t1, t2)
    p_out = ref_update_weights(p, {k: out[k] for k in ("w5", "w6", "w7", "w8")}, lr)
    hidden = ref_hidden_layer_gradients(p_out, fwd, out, i1, i2)
    return ref_update_weights(p_out, {k: hidden[k] for k in ("w1", "w2", "w3", "w4")}, lr)


def _fwd_case(rng):
    (i1, i2), _ = _inputs(rng)
    return _params(rng), i1, i2


def _error_case(rng):
    return tuple(float(v) for v in rng.uniform(0, 1, 4))


def _output_case(rng):
    p, i1, i2 = _fwd_case(rng)
    _, (t1, t2) = _inputs(rng)
    return p, ref_forward_pass(p, i1, i2), t1, t2


def _hidden_case(rng):
    p, i1, i2 = _fwd_case(rng)
    _, (t1, t2) = _inputs(rng)
    fwd = ref_forward_pass(p, i1, i2)
    return p, fwd, ref_output_layer_gradients(p, fwd, t1, t2), i1, i2


def _input_case(rng):
    p, i1, i2 = _fwd_case(rng)
    _, (t1, t2) = _inputs(rng)
    return p, i1, i2, t1, t2


def _update_case(rng):
    p = _params(rng)
    keys = [k for k in p if rng.uniform() < 0.7]
    grads = {k: float(rng.normal()) for k in keys}
    grads["delta_o1"] = float(rng.normal())  # not a parameter: must be left out of the update
    return p, grads, float(rng.uniform(0.1, 1.0))


def _step_case(rng):
    (i1, i2), (t1, t2) = _inputs(rng)
    return _params(rng), i1, i2, t1, t2, float(rng.uniform(0.1, 1.0)), bool(rng.integers(0, 2))


def _train_case(rng):
    (i1, i2), (t1, t2) = _inputs(rng)
    return _params(rng), i1, i2, t1, t2, float(rng.uniform(0.1, 1.0)), int(rng.integers(1, 30))


def _slip_case(rng):
    return _step_case(rng)[:-1]


def _step_designed(rng):
    """Both values of update_biases."""
    return [(*_step_case(rng)[:-1], flag) for flag in (False, True)]


def _update_designed(rng):
    """A gradient for every parameter, and one for a few (plus a key that is not a parameter)."""
    p = _params(rng)
    full = {k: float(rng.normal()) for k in p}
    return [(p, full, 0.5), _update_case(rng)]


def _train_designed(rng):
    """One step, a few, and more than any cap a learner's loop might have (rule C of
    grader.course.inputs: a loop that stops at 20, 50, 100 or 256 steps fails on every seed)."""
    (i1, i2), (t1, t2) = _inputs(rng)
    return [(_params(rng), i1, i2, t1, t2, 0.5, steps) for steps in (1, 7, ABOVE_CAPS)]


# What the visible tests compare with (grader.learner.expected): the example's own starting values,
# stepped by the reference where no verified number exists (tests/authoring/test_expected.py checks the stored
# values against the verified errors and outputs).
_EXAMPLE = (WE.PARAMS, *WE.INPUTS, *WE.TARGETS, WE.LEARNING_RATE)


# ---------------------------------------------------------------------------------------------
# Catalogued mistakes: the function a learner who made each one would have written
# ---------------------------------------------------------------------------------------------


def _slope(mistake, Z, A):
    return {"z": R.sigmoid_prime(Z), "a": R.sigmoid_prime(A), "none": 1.0}[mistake.get("fprime", "z")]


def _output_layer(mistake):
    """The 2-2-2 example's output gradients (notebook 02) with one mistake."""

    def grads(p, fwd, t1, t2):
        _, A1, Z2, A2 = _fwd_columns(fwd)
        delta2 = mistake.get("sign", 1.0) * (A2 - _column(t1, t2)) * _slope(mistake, Z2, A2)
        dW2 = delta2 @ A1.T
        return {
            "delta_o1": delta2[0, 0],
            "delta_o2": delta2[1, 0],
            "w5": dW2[0, 0],
            "w6": dW2[0, 1],
            "w7": dW2[1, 0],
            "w8": dW2[1, 1],
            "b2": float(delta2.sum()),
        }

    return grads


def _hidden_layer(mistake):
    """The 2-2-2 example's hidden gradients (notebook 02) with one mistake."""

    def grads(p, fwd, out_grads, i1, i2):
        Z1, A1, _, _ = _fwd_columns(fwd)
        W2 = WE.to_layers(p)[0][2]
        delta2 = _column(out_grads["delta_o1"], out_grads["delta_o2"])
        delta1 = _slope(mistake, Z1, A1) * ((W2.T if mistake.get("W_T", True) else W2) @ delta2)
        dW1 = delta1 @ _column(i1, i2).T
        return {"w1": dW1[0, 0], "w2": dW1[0, 1], "w3": dW1[1, 0], "w4": dW1[1, 1], "b1": float(delta1.sum())}

    return grads


def _input_grads(mistake):
    """dE_total/di1, dE_total/di2 with one mistake: each input through one hidden unit only
    (one_path_only), through W^(1) where (W^(1))^T belongs, or without sigma'(net_h)."""

    def grads(p, i1, i2, t1, t2):
        W, b = WE.to_layers(p)
        Z, A = R.forward(W, b, _column(i1, i2), "sigmoid")
        delta2 = R.output_delta(A[2], _column(t1, t2), Z[2], "sigmoid", "half_sse")
        delta1 = (W[2].T @ delta2) * (1.0 if mistake == "fprime_omitted" else R.sigmoid_prime(Z[1]))
        g = {
            "one_path_only": np.diag(W[1])[:, None] * delta1,
            "W_not_transposed": W[1] @ delta1,
            "fprime_omitted": W[1].T @ delta1,
        }[mistake]
        return {"i1": float(g[0, 0]), "i2": float(g[1, 0])}

    return grads


def _update_ascent(p, grads, lr):
    return ref_update_weights(p, grads, -lr)


def _slipped_step(p, i1, i2, t1, t2, lr, update_biases=False):
    """gradient_step with the hidden deltas computed from the already-updated w5..w8."""
    fwd = ref_forward_pass(p, i1, i2)
    out = ref_output_layer_gradients(p, fwd, t1, t2)
    moved = ref_update_weights(p, {k: out[k] for k in ("w5", "w6", "w7", "w8")}, lr)
    grads = {**out, **ref_hidden_layer_gradients(moved, fwd, out, i1, i2)}
    if not update_biases:
        grads = {k: v for k, v in grads.items() if k not in ("b1", "b2")}
    return ref_update_weights(p, grads, lr)


def _total_error_doubled(out_o1, out_o2, t1, t2):
    return {k: 2 * v for k, v in ref_total_error(out_o1, out_o2, t1, t2).items()}


# ---------------------------------------------------------------------------------------------
# Mutants of the solution (grader.authoring.mutants): catalogued edits, then partial mistakes
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# The graded items: everything the grader knows about each, in one record
# ---------------------------------------------------------------------------------------------

ITEMS = [
    Item(
        "forward_pass",
        reference=ref_forward_pass,
        random_case=_fwd_case,
        random_trials=5,
    ),
    Item(
        "total_error",
        reference=ref_total_error,
        random_case=_error_case,
        random_trials=5,
        mistakes=[("half_cost_doubled", _total_error_doubled)],
        edits=[("half_cost_doubled", [("E_o1 = 0.5 * ", "E_o1 = "), ("E_o2 = 0.5 * ", "E_o2 = ")])],
    ),
    Item(
        "output_layer_gradients",
        reference=ref_output_layer_gradients,
        random_case=_output_case,
        random_trials=5,
        mistakes=[
            (name, _output_layer(m))
            for name, m in [
                ("sign_flipped", {"sign": -1.0}),
                ("fprime_omitted", {"fprime": "none"}),
                ("fprime_of_a", {"fprime": "a"}),
            ]
        ],
        edits=[
            (
                "sign_flipped",
                [('(fwd["out_o1"] - t1)', '(t1 - fwd["out_o1"])'), ('(fwd["out_o2"] - t2)', '(t2 - fwd["out_o2"])')],
            ),
            (
                "fprime_omitted",
                [(' * fwd["out_o1"] * (1 - fwd["out_o1"])', ""), (' * fwd["out_o2"] * (1 - fwd["out_o2"])', "")],
            ),
        ],
    ),
    Item(
        "hidden_layer_gradients",
        reference=ref_hidden_layer_gradients,
        random_case=_hidden_case,
        random_trials=5,
        mistakes=[
            (name, _hidden_layer(m))
            for name, m in [
                ("W_not_transposed", {"W_T": False}),
                ("fprime_omitted", {"fprime": "none"}),
                ("fprime_of_a", {"fprime": "a"}),
            ]
        ],
        edits=[
            (
                "W_not_transposed",
                [
                    ('d1 * p["w5"] + d2 * p["w7"]', 'd1 * p["w5"] + d2 * p["w6"]'),
                    ('d1 * p["w6"] + d2 * p["w8"]', 'd1 * p["w7"] + d2 * p["w8"]'),
                ],
            ),
            (
                "fprime_omitted",
                [(' * fwd["out_h1"] * (1 - fwd["out_h1"])', ""), (' * fwd["out_h2"] * (1 - fwd["out_h2"])', "")],
            ),
        ],
    ),
    Item(
        "input_gradients",
        reference=ref_input_gradients,
        random_case=_input_case,
        random_trials=5,
        mistakes=[(name, _input_grads(name)) for name in ("one_path_only", "W_not_transposed", "fprime_omitted")],
        edits=[
            (
                "one_path_only",
                [
                    (
                        '"i1": delta_h1 * p["w1"] + delta_h2 * p["w3"], "i2": delta_h1 * p["w2"] + delta_h2 * p["w4"]',
                        '"i1": delta_h1 * p["w1"], "i2": delta_h2 * p["w4"]',
                    )
                ],
            ),
            (
                "W_not_transposed",
                [
                    (
                        '"i1": delta_h1 * p["w1"] + delta_h2 * p["w3"], "i2": delta_h1 * p["w2"] + delta_h2 * p["w4"]',
                        '"i1": delta_h1 * p["w1"] + delta_h2 * p["w2"], "i2": delta_h1 * p["w3"] + delta_h2 * p["w4"]',
                    )
                ],
            ),
            (
                "fprime_omitted",
                [(' * fwd["out_h1"] * (1 - fwd["out_h1"])', ""), (' * fwd["out_h2"] * (1 - fwd["out_h2"])', "")],
            ),
        ],
        visible={"input_gradients": lambda: ref_input_gradients(*_EXAMPLE[:-1])},
    ),
    Item(
        "update_weights",
        reference=ref_update_weights,
        random_case=_update_case,
        designed_cases=_update_designed,
        mistakes=[("sign_flipped", _update_ascent)],
        edits=[("sign_flipped", [("v - lr * grads[k]", "v + lr * grads[k]")])],
        partial=[
            (
                "all-keys",
                "wrong only when every parameter has a gradient",
                "all(k in grads for k in p)",
                "out['w1'] = out['w1'] + 0.01",
            )
        ],
    ),
    Item(
        "gradient_step",
        reference=ref_gradient_step,
        random_case=_step_case,
        designed_cases=_step_designed,
        mistakes=[("updated_weights", _slipped_step)],
        edits=[
            (
                "updated_weights",
                [
                    (
                        "**hidden_layer_gradients(p, fwd, out, i1, i2)",
                        "**hidden_layer_gradients(update_weights(p, out, lr), fwd, out, i1, i2)",
                    )
                ],
            )
        ],
        partial=[
            ("biases", "wrong only when the biases are updated too", "update_biases", "out['b1'] = out['b1'] + 0.01")
        ],
        visible={"gradient_step, update_biases=True": lambda: ref_gradient_step(*_EXAMPLE, update_biases=True)},
    ),
    Item(
        "train",
        reference=ref_train,
        random_case=_train_case,
        designed_cases=_train_designed,
        random_trials=1,
        partial=[("one-step", "wrong only for a single step", "steps == 1", "out[1][-1] = 1.01 * out[1][-1]")]
        + [
            (
                f"capped-{cap}",
                f"runs at most {cap} steps",
                f"steps > {cap}",
                f"out = _right_train(p, i1, i2, t1, t2, lr, {cap})",
            )
            for cap in (20, 100, CAPPED)
        ],
        visible={"train, 10000 steps": lambda: ref_train(*_EXAMPLE, 10000)[0]},
    ),
    Item(
        "slipped_step",
        reference=ref_slipped_step,
        random_case=_slip_case,
        random_trials=5,
        visible={"slipped_step": lambda: ref_slipped_step(*_EXAMPLE)},
    ),
]
