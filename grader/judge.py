"""Hidden tests: each graded function judged against grader.reference on fresh random inputs.

A hidden test cell is one line, e.g. ``judge.check("sigmoid", sigmoid)``. For every graded item
ITEMS holds how to draw random arguments (`cases`), what the reference returns for them
(`reference`) and how to compare. Inputs are drawn from a new seed each run, so an answer
hard-coded to the visible numbers fails; the seed is printed with any failure to replay it.

Instructor-only: this module imports grader.reference and is not shipped to learners.
"""
import copy
import secrets
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import checks
from . import reference as R
from . import worked_example as WE
from .checks import CheckFailed


@dataclass(frozen=True)
class Item:
    cases: Callable          # rng -> tuple of arguments
    reference: Callable      # *arguments -> expected result
    compare: Callable = checks.difference   # (actual, expected, name) -> message or None
    trials: int = 5


def _per_layer(*names):
    """Compare a tuple of per-layer lists, e.g. (dw, db), naming the first wrong layer."""
    def compare(actual, expected, name):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(names):
            return f"{name} should return {len(names)} values ({', '.join(names)})."
        for part, a, e in zip(names, actual, expected):
            try:
                checks.layers(a, e, f"{name}: {part}")
            except CheckFailed as failure:
                return str(failure)
        return None
    return compare


# ---------------------------------------------------------------------------------------------
# Notebook 01: the chain of single neurons
# ---------------------------------------------------------------------------------------------

def _z_values(rng):
    shape = tuple(int(s) for s in rng.integers(1, 6, size=rng.integers(1, 3)))
    z = rng.normal(0.0, 6.0, shape)
    z.flat[0] = rng.choice([-1000.0, -40.0, 0.0, 40.0, 1000.0])   # the far tails too
    return (z,)


def _neuron_case(rng):
    n = int(rng.integers(1, 7))
    return (rng.uniform(0, 1, n), float(rng.normal(0, 2)), float(rng.normal(0, 1)), rng.uniform(0, 1, n))


def _chain_params(rng):
    L = int(rng.integers(1, 6))
    w = [None] + [float(v) for v in rng.normal(0, 2, L)]
    b = [None] + [float(v) for v in rng.normal(0, 1, L)]
    n = int(rng.integers(1, 8))
    return w, b, rng.normal(0, 1, n), rng.uniform(0, 1, n)


def _derivative_case(rng):
    c1, c2, c3 = (float(v) for v in rng.normal(0, 2, 3))
    f = lambda t: c1 * np.sin(c2 * t) + c3 * t ** 3  # noqa: E731
    return f, float(rng.normal(0, 1))


# ---------------------------------------------------------------------------------------------
# Notebook 02: the 2-2-2 example, in the notebook's dict form, computed by the matrix reference
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
    return {"net_h1": Z[1][0, 0], "out_h1": A[1][0, 0], "net_h2": Z[1][1, 0], "out_h2": A[1][1, 0],
            "net_o1": Z[2][0, 0], "out_o1": A[2][0, 0], "net_o2": Z[2][1, 0], "out_o2": A[2][1, 0]}


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
    return {"delta_o1": delta2[0, 0], "delta_o2": delta2[1, 0],
            "w5": dW2[0, 0], "w6": dW2[0, 1], "w7": dW2[1, 0], "w8": dW2[1, 1],
            "b2": float(R.bias_grad(delta2).sum())}   # b2 is shared by both outputs


def _hidden_grads(W2, delta2, Z1, X):
    delta1 = R.hidden_delta(W2, delta2, Z1, "sigmoid")
    dW1 = R.weight_grad(delta1, X)
    return {"w1": dW1[0, 0], "w2": dW1[0, 1], "w3": dW1[1, 0], "w4": dW1[1, 1],
            "b1": float(R.bias_grad(delta1).sum())}   # b1 is shared by both hidden units


def ref_output_layer_gradients(p, fwd, t1, t2):
    _, A1, Z2, A2 = _fwd_columns(fwd)
    return _output_grads(A1, Z2, A2, _column(t1, t2))


def ref_hidden_layer_gradients(p, fwd, out_grads, i1, i2):
    W, _ = WE.to_layers(p)
    Z1 = _fwd_columns(fwd)[0]
    return _hidden_grads(W[2], _column(out_grads["delta_o1"], out_grads["delta_o2"]), Z1,
                         _column(i1, i2))


def ref_update_weights(p, grads, lr):
    return {k: (v - lr * grads[k] if k in grads else v) for k, v in p.items()}


def ref_gradient_step(p, i1, i2, t1, t2, lr, update_biases=False):
    fwd = ref_forward_pass(p, i1, i2)
    out = ref_output_layer_gradients(p, fwd, t1, t2)
    grads = {**out, **ref_hidden_layer_gradients(p, fwd, out, i1, i2)}
    if not update_biases:
        grads = {k: v for k, v in grads.items() if k not in ("b1", "b2")}
    return ref_update_weights(p, grads, lr)


def _error(p, i1, i2, t1, t2):
    fwd = ref_forward_pass(p, i1, i2)
    return ref_total_error(fwd["out_o1"], fwd["out_o2"], t1, t2)["E_total"]


def ref_train(p, i1, i2, t1, t2, lr, steps):
    errors = [_error(p, i1, i2, t1, t2)]
    for _ in range(steps):
        p = ref_gradient_step(p, i1, i2, t1, t2, lr)
        errors.append(_error(p, i1, i2, t1, t2))
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


def _update_case(rng):
    p = _params(rng)
    keys = [k for k in p if rng.uniform() < 0.7]
    grads = {k: float(rng.normal()) for k in keys}
    grads["delta_o1"] = float(rng.normal())   # not a parameter: must be left out of the update
    return p, grads, float(rng.uniform(0.1, 1.0))


def _step_case(rng):
    (i1, i2), (t1, t2) = _inputs(rng)
    return _params(rng), i1, i2, t1, t2, float(rng.uniform(0.1, 1.0)), bool(rng.integers(0, 2))


def _train_case(rng):
    (i1, i2), (t1, t2) = _inputs(rng)
    return _params(rng), i1, i2, t1, t2, float(rng.uniform(0.1, 1.0)), int(rng.integers(1, 30))


def _slip_case(rng):
    return _step_case(rng)[:-1]


ITEMS = {
    # 01_chain_rule
    "sigmoid": Item(_z_values, R.sigmoid),
    "sigmoid_prime": Item(_z_values, R.sigmoid_prime),
    "last_layer_grads": Item(_neuron_case, R.last_layer_grads),
    "numerical_derivative": Item(_derivative_case, R.numerical_gradient,
                                 lambda a, e, name: checks.difference(a, e, name, 1e-6, 1e-9)),
    "chain_forward": Item(lambda rng: _chain_params(rng)[:3], R.chain_forward),
    "chain_backward": Item(_chain_params, R.chain_backward, _per_layer("dw", "db")),
    # 02_worked_example
    "forward_pass": Item(_fwd_case, ref_forward_pass),
    "total_error": Item(_error_case, ref_total_error),
    "output_layer_gradients": Item(_output_case, ref_output_layer_gradients),
    "hidden_layer_gradients": Item(_hidden_case, ref_hidden_layer_gradients),
    "update_weights": Item(_update_case, ref_update_weights),
    "gradient_step": Item(_step_case, ref_gradient_step),
    "train": Item(_train_case, ref_train, trials=3),
    "slipped_step": Item(_slip_case, ref_slipped_step),
}


def _show(args):
    text = ", ".join(checks._fmt(a) if isinstance(a, np.ndarray) else
                     ("<function>" if callable(a) else repr(a)) for a in args)
    return text if len(text) < 600 else text[:600] + " ..."


def check(name, fn, seed=None):
    """Judge the learner's fn for graded item `name` against the reference on random inputs."""
    item = ITEMS[name]
    seed = secrets.randbits(32) if seed is None else seed
    rng = np.random.default_rng(seed)
    for trial in range(1, item.trials + 1):
        args = item.cases(rng)
        expected = item.reference(*copy.deepcopy(args))
        actual = checks.call(fn, *args, name=name)
        msg = item.compare(actual, expected, name)
        if msg:
            raise CheckFailed(f"Hidden test, random input {trial} of {item.trials} (seed {seed}): "
                              f"{msg}\nThe input was: {name}({_show(args)})")
