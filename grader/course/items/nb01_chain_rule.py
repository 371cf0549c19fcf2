"""Notebook 01, the chain rule on a chain of single neurons: how each graded function is judged,
its catalogued mistakes and its mutants.
(ITEMS: one grader.course.item.Item per graded function.)
"""

import numpy as np

from ...learner import checks, tolerances as T
from ...learner.recipes import RECIPES
from .. import reference as R
from ..inputs import Z_PARTIAL, branches, wrong_on, z_designed, z_values
from ..item import Item, per_layer
from ..mistakes import BACKWARD, SCALE_FIRST, mistaken_backward

# ---------------------------------------------------------------------------------------------
# Inputs, reference adapters and comparisons
# ---------------------------------------------------------------------------------------------


def _neuron_case(rng, n=None):
    n = int(rng.integers(1, 7)) if n is None else n
    return (rng.uniform(0, 1, n), float(rng.normal(0, 2)), float(rng.normal(0, 1)), rng.uniform(0, 1, n))


def _chain_params(rng, L=None, n=None):
    L = int(rng.integers(1, 6)) if L is None else L
    w = [None] + [float(v) for v in rng.normal(0, 2, L)]
    b = [None] + [float(v) for v in rng.normal(0, 1, L)]
    n = int(rng.integers(1, 8)) if n is None else n
    return w, b, rng.normal(0, 1, n), rng.uniform(0, 1, n)


# (L, n): a deeper chain, two neurons, one; several samples and one; and (rules D1, D2 of
# grader.course.inputs) L = 1, n = 1, L = n and L != n.
CHAINS = [(4, 5), (2, 1), (1, 3), (3, 3)]


class CubicSine:
    """f(t) = c1 sin(c2 t) + c3 t^3, a function to differentiate that can also be sent to the
    process that runs a learner's code (by its recipe, see grader.learner.recipes)."""

    def __init__(self, c1, c2, c3):
        self.wire_recipe = ("cubic_sine", (c1, c2, c3))
        self._f = RECIPES["cubic_sine"](c1, c2, c3)

    def __call__(self, t):
        return self._f(t)

    def __eq__(self, other):  # copies compare equal (checks.call compares arguments after a call)
        return isinstance(other, CubicSine) and other.wire_recipe == self.wire_recipe

    __hash__ = None

    def __repr__(self):
        c1, c2, c3 = self.wire_recipe[1]
        return f"<function t -> {c1:.3g} sin({c2:.3g} t) + {c3:.3g} t^3>"


def _derivative_case(rng):
    c1, c2, c3 = (float(v) for v in rng.normal(0, 2, 3))
    return CubicSine(c1, c2, c3), float(rng.normal(0, 1))


# What the visible tests compare with (grader.learner.expected): name -> the reference's values.
def _visible_chain():
    """A 3-layer chain on 5 samples, and its gradients (chain_backward's visible test)."""
    rng = np.random.default_rng(1)
    w, b = [None, *(float(v) for v in rng.normal(0, 1.5, 3))], [None, *(float(v) for v in rng.normal(0, 1, 3))]
    x, y = rng.normal(0, 1, 5), rng.uniform(0, 1, 5)
    return {"args": (w, b, x, y), "result": R.chain_backward(w, b, x, y)}


# ---------------------------------------------------------------------------------------------
# Catalogued mistakes: the function a learner who made each one would have written
# ---------------------------------------------------------------------------------------------


def _sigmoid_tanh_form(z):
    return 1.0 - R.sigmoid(z) ** 2


def _last_layer(mistake):
    def grads(a_prev, w, b, y):
        z, a = R.neuron(w, b, a_prev)
        slope = {"z": R.sigmoid_prime(z), "a": R.sigmoid_prime(a), "none": 1.0}[mistake.get("fprime", "z")]
        dC_dz = mistake.get("sign", 1.0) * mistake.get("scale", 1.0) * 2.0 * (a - np.asarray(y, float)) * slope
        return np.asarray(a_prev, float) * dC_dz, dC_dz, w * dC_dz

    return grads


def _bce(mistake):
    """bce_grads with dC/dz computed the mistaken way."""

    def grads(a_prev, w, b, y):
        z, a = R.neuron(w, b, a_prev)
        y = np.asarray(y, float)
        dC_dz = {
            "ce_fprime_kept": (a - y) * R.sigmoid_prime(z),
            "sign_flipped": y - a,
            "quadratic_gradient_for_ce": 2.0 * (a - y) * R.sigmoid_prime(z),
        }[mistake]
        return np.asarray(a_prev, float) * dC_dz, dC_dz, w * dC_dz

    return grads


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


def _chain_summed(w, b, x, y):  # forgot the 1/n of the mean
    n = np.atleast_1d(np.asarray(x, float)).size
    dw, db = R.chain_backward(w, b, x, y)
    return [None] + [g * n for g in dw[1:]], [None] + [g * n for g in db[1:]]


# ---------------------------------------------------------------------------------------------
# Mutants of the solution (grader.authoring.mutants): catalogued edits, then partial mistakes
# ---------------------------------------------------------------------------------------------


# A chain's dimensions (grader.course.inputs, rules D1 and D2): its length L and the samples n.
CHAIN_DIMS = {"L": "len(w) - 1", "n": "np.size(x)"}


# ---------------------------------------------------------------------------------------------
# The graded items: everything the grader knows about each, in one record
# ---------------------------------------------------------------------------------------------

ITEMS = [
    Item(
        "sigmoid",
        reference=R.sigmoid,
        random_case=z_values,
        designed_cases=z_designed,
        forbids_warnings=True,
        partial=Z_PARTIAL,
    ),
    Item(
        "sigmoid_prime",
        reference=R.sigmoid_prime,
        random_case=z_values,
        designed_cases=z_designed,
        mistakes=[
            ("fprime_of_a", lambda z: R.sigmoid_prime(R.sigmoid(z))),
            ("wrong_activation_derivative", _sigmoid_tanh_form),
        ],
        edits=[
            ("fprime_of_a", [("s = sigmoid(z)", "s = sigmoid(sigmoid(z))")]),
            ("wrong_activation_derivative", [("return s * (1 - s)", "return 1 - s ** 2")]),
        ],
        partial=Z_PARTIAL,
    ),
    Item(
        "last_layer_grads",
        reference=R.last_layer_grads,
        random_case=_neuron_case,
        designed_cases=lambda rng: [_neuron_case(rng, n) for n in (1, 4)],
        mistakes=[
            (name, _last_layer(m))
            for name, m in [
                ("sign_flipped", {"sign": -1.0}),
                ("factor_two_dropped", {"scale": 0.5}),
                ("fprime_omitted", {"fprime": "none"}),
                ("fprime_of_a", {"fprime": "a"}),
            ]
        ],
        edits=[
            ("sign_flipped", [("(sigmoid(z) - y)", "(y - sigmoid(z))")]),
            ("factor_two_dropped", [("* 2 * (", "* (")]),
            ("fprime_omitted", [("sigmoid_prime(z) * 2", "2")]),
            ("fprime_of_a", [("sigmoid_prime(z) *", "sigmoid_prime(sigmoid(z)) *")]),
        ],
        partial=[("one-sample", "wrong only for one sample", "len(a_prev) == 1", SCALE_FIRST)],
    ),
    Item(
        "numerical_derivative",
        reference=R.numerical_gradient,
        random_case=_derivative_case,
        random_trials=5,
        compare=lambda a, e, name: checks.difference(a, e, name, T.DERIVATIVE_RTOL, T.DERIVATIVE_ATOL),
    ),
    Item(
        "bce_grads",
        reference=R.bce_grads,
        random_case=_neuron_case,
        designed_cases=lambda rng: [_neuron_case(rng, n) for n in (1, 4)],
        mistakes=[(name, _bce(name)) for name in ("ce_fprime_kept", "sign_flipped", "quadratic_gradient_for_ce")],
        edits=[
            ("ce_fprime_kept", [("dC_dz = sigmoid(z) - y", "dC_dz = (sigmoid(z) - y) * sigmoid_prime(z)")]),
            ("sign_flipped", [("dC_dz = sigmoid(z) - y", "dC_dz = y - sigmoid(z)")]),
            (
                "quadratic_gradient_for_ce",
                [("dC_dz = sigmoid(z) - y", "dC_dz = 2 * (sigmoid(z) - y) * sigmoid_prime(z)")],
            ),
        ],
        partial=[("one-sample", "wrong only for one sample", "len(a_prev) == 1", SCALE_FIRST)],
    ),
    Item(
        "chain_forward",
        reference=R.chain_forward,
        random_case=lambda rng: _chain_params(rng)[:3],
        designed_cases=lambda rng: [_chain_params(rng, L, n)[:3] for L, n in CHAINS],
        partial=[("deep", "wrong only for L >= 3", "len(w) - 1 >= 3", "out[-1] = 1.01 * out[-1]")]
        + wrong_on(branches(CHAIN_DIMS), "out[-1] = 1.01 * out[-1]"),
    ),
    Item(
        "chain_backward",
        reference=R.chain_backward,
        random_case=_chain_params,
        designed_cases=lambda rng: [_chain_params(rng, L, n) for L, n in CHAINS],
        compare=per_layer("dw", "db"),
        mistakes=[
            (name, _chain(m))
            for name, m in BACKWARD
            if name not in ("dW_transposed", "W_not_transposed", "bias_not_summed", "wrong_axis")
            and "hidden_only" not in m
        ]
        + [("sum_vs_mean", _chain_summed)],
        edits=[
            ("fprime_omitted", [("dC_dz = a[l] * (1 - a[l]) * dC_da", "dC_dz = dC_da")]),
            ("fprime_of_a", [("dC_dz = a[l] * (1 - a[l]) * dC_da", "dC_dz = sigmoid_prime(a[l]) * dC_da")]),
            ("sign_flipped", [("(a[L] - y)", "(y - a[L])")]),
            ("factor_two_dropped", [("dC_da = 2 * (a[L] - y)", "dC_da = (a[L] - y)")]),
            ("sum_vs_mean", [(" / a[L].size", "")]),
            ("off_by_one_activation", [("np.sum(a[l - 1] * dC_dz)", "np.sum(a[l] * dC_dz)")]),
        ],
        partial=[
            ("deep", "wrong only for L >= 3", "len(w) - 1 >= 3", "out[0][1] = 1.01 * out[0][1]"),
            ("one-neuron", "wrong only for L = 1", "len(w) == 2", "out[1][1] = 1.01 * out[1][1]"),
            ("one-sample", "wrong only for one sample", "len(x) == 1", "out[0][-1] = 1.01 * out[0][-1]"),
        ]
        + wrong_on(branches(CHAIN_DIMS), "out[0][-1] = 1.01 * out[0][-1]", skip=("L-is-1", "n-is-1")),
        visible={"chain_backward": _visible_chain},
    ),
]
