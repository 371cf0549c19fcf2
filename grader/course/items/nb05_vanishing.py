"""Notebook 05, vanishing gradients: how each graded function is judged, its catalogued mistakes
and its mutants.
(ITEMS: one grader.course.item.Item per graded function.)
"""

import numpy as np

from ...learner import checks
from .. import reference as R
from ..inputs import Z_PARTIAL, net_branches, nets_designed, random_net, wrong_on, z_designed, z_values
from ..item import Item, layers

# ---------------------------------------------------------------------------------------------
# Inputs, reference adapters and comparisons
# ---------------------------------------------------------------------------------------------


def _speeds_designed(rng):
    return [(W, b, X, rng.uniform(0, 1, (W[-1].shape[0], X.shape[1])), f) for W, b, X, f in nets_designed(rng)]


def _bound_designed(rng):
    """Every depth; one column and several; the sigmoid and tanh/ReLU bounds on |f'|. Rules D1, D2
    of grader.course.inputs: as many columns as units (4) in the EQUAL net, one in the ONES net."""
    return [
        (W, rng.normal(0, 1, (W[-1].shape[0], n)), fmax)
        for (W, _, _, _), n, fmax in zip(
            nets_designed(rng), (1, 3, 2, 1, 4, 4, 1), (0.25, 1.0, 0.25, 1.0, 0.7, 0.25, 1.0), strict=True
        )
    ]


def _speeds_case(rng):
    W, b, X, f = random_net(rng)
    return W, b, X, rng.uniform(0, 1, (W[-1].shape[0], X.shape[1])), f


def _bound_case(rng):
    W, _, _, _ = random_net(rng)
    delta_L = rng.normal(0, 1, (W[-1].shape[0], int(rng.integers(1, 4))))
    return W, delta_L, float(rng.choice([0.25, 1.0, rng.uniform(0.1, 2.0)]))


# ---------------------------------------------------------------------------------------------
# Catalogued mistakes: the function a learner who made each one would have written
# ---------------------------------------------------------------------------------------------


def _tanh_unsquared(z):
    return 1.0 - np.tanh(np.asarray(z, float))


def _tanh_sigmoid_form(z):
    t = np.tanh(np.asarray(z, float))
    return t * (1.0 - t)


# ---------------------------------------------------------------------------------------------
# Mutants of the solution (grader.authoring.mutants): catalogued edits, then partial mistakes
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# The graded items: everything the grader knows about each, in one record
# ---------------------------------------------------------------------------------------------

ITEMS = [
    Item(
        "tanh_prime",
        reference=R.tanh_prime,
        random_case=z_values,
        designed_cases=z_designed,
        forbids_warnings=True,
        mistakes=[
            ("fprime_of_a", lambda z: R.tanh_prime(np.tanh(np.asarray(z, float)))),
            ("wrong_activation_derivative", _tanh_unsquared),
            ("wrong_activation_derivative", _tanh_sigmoid_form),
            ("quotient_rule_sign", lambda z: 1.0 + np.tanh(np.asarray(z, float)) ** 2),
        ],
        edits=[
            ("wrong_activation_derivative", [(") ** 2", ")")]),
            ("quotient_rule_sign", [("return 1.0 - np.tanh", "return 1.0 + np.tanh")]),
            ("fprime_of_a", [("np.tanh(np.asarray(z, dtype=float))", "np.tanh(np.tanh(np.asarray(z, dtype=float)))")]),
        ],
        partial=Z_PARTIAL,
    ),
    Item(
        "relu_prime",
        reference=R.relu_prime,
        random_case=z_values,
        designed_cases=z_designed,
        compare=checks.floats,
        mistakes=[
            ("relu_kink", lambda z: (np.asarray(z, float) >= 0).astype(float)),
            ("relu_one_everywhere", lambda z: np.ones_like(np.asarray(z, float))),
            ("relu_sign", lambda z: np.sign(np.asarray(z, float))),
        ],
        edits=[
            ("relu_kink", [("> 0", ">= 0")]),
            (
                "relu_one_everywhere",
                [("(np.asarray(z, dtype=float) > 0).astype(float)", "np.ones_like(np.asarray(z, dtype=float))")],
            ),
            ("relu_sign", [("(np.asarray(z, dtype=float) > 0).astype(float)", "np.sign(np.asarray(z, dtype=float))")]),
        ],
        partial=Z_PARTIAL,
    ),
    Item(
        "delta_bound",
        reference=R.delta_bound,
        random_case=_bound_case,
        designed_cases=_bound_designed,
        compare=layers,
        partial=[
            (
                "W-index",
                "W^(l) where W^(l+1) belongs",
                "True",
                "out = [None] * len(W)\n        out[-1] = float(np.linalg.norm(delta_L))\n"
                "        for l in range(len(W) - 2, 0, -1):\n"
                "            out[l] = float(fprime_max * np.linalg.norm(W[l], 2) * out[l + 1])",
            ),
            (
                "one-column",
                "wrong only for one column",
                "np.ndim(delta_L) == 2 and np.shape(delta_L)[1] == 1",
                "out[1] = 1.01 * out[1]",
            ),
        ]
        + wrong_on(net_branches(n="np.shape(delta_L)[-1]"), "out[1] = 1.01 * out[1]", skip=("n-is-1",)),
    ),
    Item(
        "layer_speeds",
        reference=R.layer_speeds,
        random_case=_speeds_case,
        designed_cases=_speeds_designed,
        compare=layers,
        partial=[("deep", "wrong only for L >= 3", "len(W) - 1 >= 3", "out[1] = 1.01 * out[1]")]
        + wrong_on(net_branches(n="X.shape[1]"), "out[1] = 1.01 * out[1]"),
    ),
]
