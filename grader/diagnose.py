"""Recognising which catalogued mistake (grader.misconceptions) a wrong answer made.

For each graded function, MISTAKES lists the misconceptions that apply to it, each with the
function a learner who made that mistake would have written, built from the reference. A wrong
output is recognised as a mistake when it equals that mistaken function's output on the same
inputs. A mistake that gives the right answer on these inputs (f'(z) = 1 for an identity layer,
W = W^T for a 1x1 weight) cannot be told apart there and is skipped.

Instructor side: imports the reference; hidden tests and the instructor's grader call it.
"""
import copy

import numpy as np

from . import reference as R
from .misconceptions import CATALOGUE

# ---------------------------------------------------------------------------------------------
# A backward pass with switchable mistakes; every batch-form gradient below is built on it
# ---------------------------------------------------------------------------------------------


def mistaken_backward(W, Z, A, Y, f="sigmoid", cost="half_sse", fprime="z", W_T=True, last="once",
                      prev=1, dW_T=False, sign=1.0, scale=1.0, bias="sum", hidden_only=False):
    """R.backward with one mistake switched on (the defaults are the right method):

    fprime  "z" | "a" (f'(a^(l))) | "none" (f' = 1), in every layer or (hidden_only) below L
    W_T     False: W^(l+1) for (W^(l+1))^T
    last    "once" | "twice" | "none" (f_L' in delta^(L))  prev  0: a^(l) for a^(l-1)
    dW_T    dW^(l) transposed      sign, scale  multiply dC/da^(L)
    bias    "sum" | "none" (db = delta) | "axis0" (summed over units)
    """
    L = len(W) - 1
    fs = R.layer_activations(f, L)

    def slope(l):
        d = R.activation(fs[l])[1]
        how = "z" if hidden_only and l == L else fprime
        return {"z": d(Z[l]), "a": d(A[l]), "none": np.ones_like(Z[l])}[how]

    delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    dC = sign * scale * R.cost_functions(cost)[1](A[L], Y)
    delta[L] = dC * {"once": slope(L), "twice": slope(L) ** 2, "none": 1.0}[last]
    for l in range(L, 0, -1):
        if l < L:
            delta[l] = slope(l) * ((W[l + 1].T if W_T else W[l + 1]) @ delta[l + 1])
        dW[l] = delta[l] @ A[l - prev].T
        if dW_T:
            dW[l] = dW[l].T
        db[l] = {"sum": lambda d: d.sum(axis=1, keepdims=True), "none": lambda d: d,
                 "axis0": lambda d: d.sum(axis=0, keepdims=True)}[bias](delta[l])
    return delta, dW, db


# The mistakes a batch-form gradient can make, as switches of mistaken_backward
BACKWARD = [
    ("dW_transposed", {"dW_T": True}),
    ("W_not_transposed", {"W_T": False}),
    ("fprime_omitted", {"fprime": "none"}),
    ("fprime_of_a", {"fprime": "a"}),
    ("fprime_omitted", {"fprime": "none", "hidden_only": True}),
    ("fprime_of_a", {"fprime": "a", "hidden_only": True}),
    ("sign_flipped", {"sign": -1.0}),
    ("factor_two_dropped", {"scale": 0.5}),
    ("half_cost_doubled", {"scale": 2.0}),
    ("bias_not_summed", {"bias": "none"}),
    ("wrong_axis", {"bias": "axis0"}),
    ("off_by_one_activation", {"prev": 0}),
    ("last_fprime_twice", {"last": "twice"}),
    ("last_fprime_missing", {"last": "none"}),
]


def _one_hidden(mistake):
    def grads(W1, b1, W2, b2, X, Y, f1="sigmoid", f2="sigmoid", average=False):
        W = [None, W1, W2]
        Z, A = R.forward(W, [None, b1, b2], X, [f1, f2])
        _, dW, db = mistaken_backward(W, Z, A, Y, [f1, f2], "half_sse", **mistake)
        out = (dW[1], db[1], dW[2], db[2])
        return tuple(g / X.shape[1] for g in out) if average else out
    return grads


def _one_hidden_other_average(W1, b1, W2, b2, X, Y, f1="sigmoid", f2="sigmoid", average=False):
    return R.one_hidden_grads(W1, b1, W2, b2, X, Y, f1, f2, not average)


def _perceptron(mistake):
    def grad(W, x, t):
        Wl = [None, np.asarray(W, float)]
        Z, A = R.forward(Wl, [None, np.zeros((Wl[1].shape[0], 1))], np.asarray(x, float)[:, None])
        return mistaken_backward(Wl, Z, A, np.asarray(t, float)[:, None], "sigmoid", "half_sse", **mistake)[1][1]
    return grad


def _chain(mistake):
    """chain_backward as 1x1 layers of the batch form, cost (1/n) sum (a - y)^2."""
    def grads(w, b, x, y):
        x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
        W = [None] + [np.array([[v]]) for v in w[1:]]
        B = [None] + [np.array([[v]]) for v in b[1:]]
        Z, A = R.forward(W, B, x[None, :])
        _, dW, db = mistaken_backward(W, Z, A, y[None, :], "sigmoid", "mse", **mistake)
        return [None] + [float(g[0, 0]) for g in dW[1:]], [None] + [float(g[0, 0]) for g in db[1:]]
    return grads


def _chain_summed(w, b, x, y):                      # forgot the 1/n of the mean
    n = np.atleast_1d(np.asarray(x, float)).size
    dw, db = R.chain_backward(w, b, x, y)
    return [None] + [g * n for g in dw[1:]], [None] + [g * n for g in db[1:]]


def _last_layer(mistake):
    def grads(a_prev, w, b, y):
        z, a = R.neuron(w, b, a_prev)
        slope = {"z": R.sigmoid_prime(z), "a": R.sigmoid_prime(a), "none": 1.0}[mistake.get("fprime", "z")]
        dC_dz = mistake.get("sign", 1.0) * mistake.get("scale", 1.0) * 2.0 * (a - np.asarray(y, float)) * slope
        return np.asarray(a_prev, float) * dC_dz, dC_dz, w * dC_dz
    return grads


def _slope(mistake, Z, A):
    return {"z": R.sigmoid_prime(Z), "a": R.sigmoid_prime(A), "none": 1.0}[mistake.get("fprime", "z")]


def _output_layer(mistake):
    """The 2-2-2 example's output gradients (notebook 02) with one mistake."""
    def grads(p, fwd, t1, t2):
        from .judge import _column, _fwd_columns
        _, A1, Z2, A2 = _fwd_columns(fwd)
        delta2 = mistake.get("sign", 1.0) * (A2 - _column(t1, t2)) * _slope(mistake, Z2, A2)
        dW2 = delta2 @ A1.T
        return {"delta_o1": delta2[0, 0], "delta_o2": delta2[1, 0], "w5": dW2[0, 0], "w6": dW2[0, 1],
                "w7": dW2[1, 0], "w8": dW2[1, 1], "b2": float(delta2.sum())}
    return grads


def _hidden_layer(mistake):
    """The 2-2-2 example's hidden gradients (notebook 02) with one mistake."""
    def grads(p, fwd, out_grads, i1, i2):
        from .judge import _column, _fwd_columns
        from .worked_example import to_layers
        Z1, A1, _, _ = _fwd_columns(fwd)
        W2 = to_layers(p)[0][2]
        delta2 = _column(out_grads["delta_o1"], out_grads["delta_o2"])
        delta1 = _slope(mistake, Z1, A1) * ((W2.T if mistake.get("W_T", True) else W2) @ delta2)
        dW1 = delta1 @ _column(i1, i2).T
        return {"w1": dW1[0, 0], "w2": dW1[0, 1], "w3": dW1[1, 0], "w4": dW1[1, 1], "b1": float(delta1.sum())}
    return grads


def _update_ascent(p, grads, lr):
    from .judge import ref_update_weights
    return ref_update_weights(p, grads, -lr)


def _gd_ascent(W, b, dW, db, lr):
    return R.gd_step(W, b, dW, db, -lr)


def _slipped_step(p, i1, i2, t1, t2, lr, update_biases=False):
    """gradient_step with the hidden deltas computed from the already-updated w5..w8."""
    from .judge import (ref_forward_pass, ref_hidden_layer_gradients, ref_output_layer_gradients,
                        ref_update_weights)
    fwd = ref_forward_pass(p, i1, i2)
    out = ref_output_layer_gradients(p, fwd, t1, t2)
    moved = ref_update_weights(p, {k: out[k] for k in ("w5", "w6", "w7", "w8")}, lr)
    grads = {**out, **ref_hidden_layer_gradients(moved, fwd, out, i1, i2)}
    if not update_biases:
        grads = {k: v for k, v in grads.items() if k not in ("b1", "b2")}
    return ref_update_weights(p, grads, lr)


def _total_error_doubled(out_o1, out_o2, t1, t2):
    from .judge import ref_total_error
    return {k: 2 * v for k, v in ref_total_error(out_o1, out_o2, t1, t2).items()}


def _predict_wrong_axis(W, b, X, f="sigmoid"):
    return np.argmax(R.forward(W, b, X, f)[1][-1], axis=1)


def _tanh_unsquared(z):
    return 1.0 - np.tanh(np.asarray(z, float))


def _tanh_sigmoid_form(z):
    t = np.tanh(np.asarray(z, float))
    return t * (1.0 - t)


def _sigmoid_tanh_form(z):
    return 1.0 - R.sigmoid(z) ** 2


MISTAKES = {
    "sigmoid_prime": [("fprime_of_a", lambda z: R.sigmoid_prime(R.sigmoid(z))),
                      ("wrong_activation_derivative", _sigmoid_tanh_form)],
    "tanh_prime": [("fprime_of_a", lambda z: R.tanh_prime(np.tanh(np.asarray(z, float)))),
                   ("wrong_activation_derivative", _tanh_unsquared),
                   ("wrong_activation_derivative", _tanh_sigmoid_form)],
    "relu_prime": [("relu_kink", lambda z: (np.asarray(z, float) >= 0).astype(float)),
                   ("relu_one_everywhere", lambda z: np.ones_like(np.asarray(z, float))),
                   ("relu_sign", lambda z: np.sign(np.asarray(z, float)))],
    "last_layer_grads": [(name, _last_layer(m)) for name, m in [
        ("sign_flipped", {"sign": -1.0}), ("factor_two_dropped", {"scale": 0.5}),
        ("fprime_omitted", {"fprime": "none"}), ("fprime_of_a", {"fprime": "a"})]],
    "chain_backward": [(name, _chain(m)) for name, m in BACKWARD if name not in (
        "dW_transposed", "W_not_transposed", "bias_not_summed", "wrong_axis") and "hidden_only" not in m] + [("sum_vs_mean", _chain_summed)],
    "total_error": [("half_cost_doubled", _total_error_doubled)],
    "output_layer_gradients": [(name, _output_layer(m)) for name, m in [
        ("sign_flipped", {"sign": -1.0}), ("fprime_omitted", {"fprime": "none"}), ("fprime_of_a", {"fprime": "a"})]],
    "hidden_layer_gradients": [(name, _hidden_layer(m)) for name, m in [
        ("W_not_transposed", {"W_T": False}), ("fprime_omitted", {"fprime": "none"}),
        ("fprime_of_a", {"fprime": "a"})]],
    "update_weights": [("sign_flipped", _update_ascent)],
    "gradient_step": [("updated_weights", _slipped_step)],
    "perceptron_grad": [(name, _perceptron(m)) for name, m in BACKWARD if "hidden_only" not in m
                        and name in ("dW_transposed", "fprime_omitted", "fprime_of_a", "sign_flipped",
                                    "factor_two_dropped", "half_cost_doubled", "off_by_one_activation")],
    "one_hidden_loop": [(name, _one_hidden(m)) for name, m in BACKWARD] + [("sum_vs_mean", _one_hidden_other_average)],
    "one_hidden_vectorised": [(name, _one_hidden(m)) for name, m in BACKWARD]
                             + [("sum_vs_mean", _one_hidden_other_average)],
    "backward": [(name, lambda *a, m=m, **k: mistaken_backward(*a, **k, **m)) for name, m in BACKWARD],
    "gd_step": [("sign_flipped", _gd_ascent)],
    "predict": [("wrong_axis", _predict_wrong_axis)],
}


def _mistaken_value(mistaken, args):
    try:
        return True, mistaken(*copy.deepcopy(args))
    except Exception:                            # noqa: BLE001 - not applicable to these shapes
        return False, None


def candidates(item, args, actual, expected, compare):
    """[(Misconception, mistaken function)] whose mistaken function gives `actual` on `args`
    (compare(actual, value, name) is None). Mistakes that give `expected` on these inputs are
    skipped: they cannot be told apart there."""
    found = []
    for mid, mistaken in MISTAKES.get(item, []):
        ok, value = _mistaken_value(mistaken, args)
        if ok and compare(value, expected, item) is not None and compare(actual, value, item) is None:
            found.append((CATALOGUE[mid], mistaken))
    return found


def reproduces(item, mistaken, args, actual, reference, compare):
    """Whether `actual`, the learner's value on args, is the mistaken function's value there
    while the right value differs (the mistake shows on these inputs and the learner made it)."""
    ok, value = _mistaken_value(mistaken, args)
    return ok and compare(value, reference(*copy.deepcopy(args)), item) is not None \
        and compare(actual, value, item) is None



def for_message(text):
    """The catalogue entry a check's message points to without a value to compare (a function
    that changed its inputs), or None."""
    if "in place" in text and "changed its argument" in text:
        return CATALOGUE["mutates_input"]
    return None
