"""Notebook 03, several outputs, one hidden layer, a batch: how each graded function is judged,
its catalogued mistakes and its mutants.
(ITEMS: one grader.course.item.Item per graded function.)
"""

import numpy as np

from .. import reference as R
from ..inputs import NAMES, branches, wrong_on
from ..item import Item, named
from ..mistakes import BACKWARD, SCALE_FIRST, mistaken_backward

# ---------------------------------------------------------------------------------------------
# Inputs, reference adapters and comparisons
# ---------------------------------------------------------------------------------------------


def _perceptron_case(rng):
    m, d = (int(v) for v in rng.integers(1, 6, 2))
    return rng.normal(0, 1, (m, d)), rng.normal(0, 1, d), rng.uniform(0, 1, m)


def _square_one_hidden_case(rng):
    """Square weights and sigmoid layers, curved (for identity or ReLU, f' applied twice equals f'
    applied once), averaged over the samples: the shape of case that shows the most mistakes."""
    *rest, _, _, _ = _one_hidden_case(rng, square=True)
    return (*rest, "sigmoid", "sigmoid", True)


def _summed_one_hidden_case(rng):
    """Any shapes, summed over the samples: with the first case, both values of `average` are
    always tried, so neither branch can be wrong by luck of the draw (n >= 2: for one sample a sum
    is its mean; sigmoid layers: a ReLU or identity layer can make every gradient 0)."""
    *rest, _, _, _ = _one_hidden_case(rng, min_n=2)
    return (*rest, "sigmoid", "sigmoid", False)


def _perceptron_designed(rng):
    """One output and input; more inputs than outputs; more outputs than inputs; as many (rules D1,
    D2 of grader.course.inputs: m = 1, d = 1, m = d >= 2 where W^T has W's shape, m != d)."""
    return [
        (rng.normal(0, 1, (m, d)), rng.normal(0, 1, d), rng.uniform(0, 1, m))
        for m, d in ((1, 1), (2, 4), (3, 2), (3, 3))
    ]


def _one_hidden_designed(rng):
    """Averaged over samples with square weights; summed with any shapes; square weights of another
    size (a mistake seen on square weights only is then seen twice); and every activation in each
    layer, with one sample and with several (d, p, m, n all different). Rules D1 and D2 of
    grader.course.inputs: d = p = m = n = 4 (every pair equal: both W square, m = n, p = n, ...)
    and d = p = m = n = 1."""
    cases = [_square_one_hidden_case(rng), _summed_one_hidden_case(rng)]
    for (d, p, m, n), f1, f2, average in (
        ((6, 6, 6, 2), "sigmoid", "sigmoid", False),  # a second square shape
        ((2, 3, 4, 1), "relu", "identity", True),
        ((4, 2, 3, 5), "identity", "relu", False),
        ((3, 5, 2, 4), "sigmoid", "relu", True),
        ((4, 4, 4, 4), "sigmoid", "sigmoid", False),
        ((1, 1, 1, 1), "sigmoid", "sigmoid", True),
    ):
        cases.append(
            (
                rng.normal(0, 1, (p, d)),
                rng.normal(0, 1, (p, 1)),
                rng.normal(0, 1, (m, p)),
                rng.normal(0, 1, (m, 1)),
                rng.normal(0, 1, (d, n)),
                rng.uniform(0, 1, (m, n)),
                f1,
                f2,
                average,
            )
        )
    return cases


def _one_hidden_case(rng, square=False, min_n=1):
    d, p, m, n = (int(v) for v in rng.integers(1, 6, 4))
    n = max(n, min_n)
    if square:  # W2 square: W2 for W2^T gives a value;
        d = m = p = max(p, 2)  # n >= 3: a sum and a mean differ by more than 2
        n = max(n, 3)
    f1, f2 = (str(v) for v in rng.choice(NAMES, 2))
    return (
        rng.normal(0, 1, (p, d)),
        rng.normal(0, 1, (p, 1)),
        rng.normal(0, 1, (m, p)),
        rng.normal(0, 1, (m, 1)),
        rng.normal(0, 1, (d, n)),
        rng.uniform(0, 1, (m, n)),
        f1,
        f2,
        bool(rng.integers(0, 2)),
    )


def _softmax_case(rng, d=None, p=None, m=None, n=None, f1=None):
    """A hidden layer and a softmax output of m >= 2 units, one-hot targets (columns sum to 1)."""
    d, p, n = (int(rng.integers(1, 6)) if v is None else v for v in (d, p, n))
    m = int(rng.integers(2, 6)) if m is None else m
    f1 = str(rng.choice(["sigmoid", "relu", "identity"])) if f1 is None else f1
    Y = np.eye(m)[:, rng.integers(0, m, n)]
    return (
        rng.normal(0, 1, (p, d)),
        rng.normal(0, 1, (p, 1)),
        rng.normal(0, 1, (m, p)),
        rng.normal(0, 1, (m, 1)),
        rng.normal(0, 1, (d, n)),
        Y,
        f1,
    )


def _softmax_designed(rng):
    """d, p, m, n all different; one sample and several; each curved hidden activation. Rules D1
    and D2 of grader.course.inputs: d = p = m = n = 4, and d = p = n = 1 (m >= 2: a softmax)."""
    return [
        _softmax_case(rng, *shape)
        for shape in (
            (3, 4, 5, 6, "identity"),
            (4, 3, 2, 1, "sigmoid"),
            (2, 5, 3, 4, "relu"),
            (4, 4, 4, 4, "sigmoid"),
            (1, 1, 2, 1, "sigmoid"),
        )
    ]


# ---------------------------------------------------------------------------------------------
# Catalogued mistakes: the function a learner who made each one would have written
# ---------------------------------------------------------------------------------------------


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


def _softmax_ce(mistake):
    """softmax_ce_grads with delta^(2) (or delta^(1)) computed the mistaken way."""

    def grads(W1, b1, W2, b2, X, Y, f1="sigmoid"):
        Z1, A1 = R.dense_forward(W1, b1, X, f1)
        A2 = R.softmax(W2 @ A1 + b2)
        delta2 = {"ce_fprime_kept": (A2 - Y) * A2 * (1 - A2), "sign_flipped": Y - A2}.get(mistake, A2 - Y)
        if mistake == "sum_vs_mean":
            delta2 = delta2 / X.shape[1]
        delta1 = R.hidden_delta(W2, delta2, Z1, "identity" if mistake == "fprime_omitted" else f1)
        return R.weight_grad(delta1, X), R.bias_grad(delta1), R.weight_grad(delta2, A1), R.bias_grad(delta2)

    return grads


# ---------------------------------------------------------------------------------------------
# Mutants of the solution (grader.authoring.mutants): catalogued edits, then partial mistakes
# ---------------------------------------------------------------------------------------------


# The dimensions of a one-hidden-layer network and its batch (grader.course.inputs, rules D1, D2).
ONE_HIDDEN_DIMS = {"d": "X.shape[0]", "p": "W1.shape[0]", "m": "W2.shape[0]", "n": "X.shape[1]"}


def _db2_over_the_axis_of_n(delta2, mean=""):
    """A mutant's change: db2 summed over the axis of delta2 whose length is n (the samples' axis,
    unless m = n: then the outputs'), given the code for delta2 (m, n) from the arguments; `mean`,
    the code that says whether to divide it by n."""
    return "\n        ".join(
        [
            f"delta2_ = {delta2}",
            "db2_ = delta2_.sum(axis=delta2_.shape.index(X.shape[1])).reshape(-1, 1)",
            f"out = tuple(out[:3]) + (db2_ / X.shape[1] if {mean or False} else db2_,)",
        ]
    )


# Wrong only when a matrix is square: a gradient transposed (the transpose has its shape only then).
_SQUARE_TRANSPOSED = [
    (
        "dW1-transposed-if-square",
        "dW1 transposed when W1 is square (p = d)",
        "W1.shape[0] == W1.shape[1]",
        "out = (out[0].T,) + tuple(out[1:])",
    ),
    (
        "dW2-transposed-if-square",
        "dW2 transposed when W2 is square (m = p)",
        "W2.shape[0] == W2.shape[1]",
        "out = tuple(out[:2]) + (out[2].T, out[3])",
    ),
]
_HIDDEN = "activation(f1)[0](W1 @ X + b1)"
_DELTA2 = f"(activation(f2)[0](W2 @ {_HIDDEN} + b2) - Y) * activation(f2)[1](W2 @ {_HIDDEN} + b2)"


# ---------------------------------------------------------------------------------------------
# The graded items: everything the grader knows about each, in one record
# ---------------------------------------------------------------------------------------------

ITEMS = [
    Item(
        "perceptron_grad",
        reference=R.perceptron_grad,
        random_case=_perceptron_case,
        designed_cases=_perceptron_designed,
        mistakes=[
            (name, _perceptron(m))
            for name, m in BACKWARD
            if "hidden_only" not in m
            and name
            in (
                "dW_transposed",
                "fprime_omitted",
                "fprime_of_a",
                "sign_flipped",
                "factor_two_dropped",
                "half_cost_doubled",
                "off_by_one_activation",
            )
        ],
        edits=[
            ("dW_transposed", [("np.outer(delta, x)", "np.outer(x, delta)")]),
            ("fprime_omitted", [("delta = (O - t) * O * (1 - O)", "delta = (O - t)")]),
            ("sign_flipped", [("(O - t)", "(t - O)")]),
            ("half_cost_doubled", [("delta = (O - t)", "delta = 2 * (O - t)")]),
        ],
        partial=[
            ("one-output", "wrong only for one output", "np.shape(W)[0] == 1", "out = 1.01 * out"),
            (
                "transposed-if-square",
                "dE/dW transposed when W is square (m = d)",
                "np.shape(W)[0] == np.shape(W)[1]",
                "out = out.T",
            ),
        ]
        + wrong_on(branches({"m": "np.shape(W)[0]", "d": "np.shape(W)[1]"}), "out = 1.01 * out", skip=("m-is-1",)),
    ),
    Item(
        "one_hidden_loop",
        reference=R.one_hidden_grads,
        random_case=_one_hidden_case,
        designed_cases=_one_hidden_designed,
        compare=named("dW1", "db1", "dW2", "db2"),
        mistakes=[(name, _one_hidden(m)) for name, m in BACKWARD] + [("sum_vs_mean", _one_hidden_other_average)],
        edits=[
            ("sign_flipped", [("(f2(z2[j]) - Y[j, i])", "(Y[j, i] - f2(z2[j]))")]),
            ("fprime_omitted", [(" * f2_prime(z2[j])", ""), ("f1_prime(z1[k]) * ", "")]),
            ("W_not_transposed", [("W2[j, k] * delta2[j]", "W2[k, j] * delta2[j]")]),
            ("sum_vs_mean", [("    if average:\n", "    if not average:\n")]),
            ("last_fprime_twice", [(" * f2_prime(z2[j])", " * f2_prime(z2[j]) ** 2")]),
        ],
        partial=[("relu", "wrong only with a ReLU layer", "'relu' in (f1, f2)", SCALE_FIRST)]
        + wrong_on(branches(ONE_HIDDEN_DIMS), SCALE_FIRST),
    ),
    Item(
        "one_hidden_vectorised",
        reference=R.one_hidden_grads,
        random_case=_one_hidden_case,
        designed_cases=_one_hidden_designed,
        compare=named("dW1", "db1", "dW2", "db2"),
        mistakes=[(name, _one_hidden(m)) for name, m in BACKWARD] + [("sum_vs_mean", _one_hidden_other_average)],
        edits=[
            ("dW_transposed", [("delta1 @ X.T", "X @ delta1.T"), ("delta2 @ A1.T", "A1 @ delta2.T")]),
            ("W_not_transposed", [("(W2.T @ delta2)", "(W2 @ delta2)")]),
            ("fprime_omitted", [(" * f2_prime(Z2)", ""), ("f1_prime(Z1) * ", "")]),
            ("fprime_of_a", [("f2_prime(Z2)", "f2_prime(f2(Z2))"), ("f1_prime(Z1)", "f1_prime(A1)")]),
            ("sign_flipped", [("(f2(Z2) - Y)", "(Y - f2(Z2))")]),
            (
                "bias_not_summed",
                [("delta1.sum(axis=1, keepdims=True)", "delta1"), ("delta2.sum(axis=1, keepdims=True)", "delta2")],
            ),
            (
                "wrong_axis",
                [
                    ("delta1.sum(axis=1, keepdims=True)", "delta1.sum(axis=0, keepdims=True)"),
                    ("delta2.sum(axis=1, keepdims=True)", "delta2.sum(axis=0, keepdims=True)"),
                ],
            ),
            ("sum_vs_mean", [("if average else grads", "if not average else grads")]),
            ("off_by_one_activation", [("delta1 @ X.T", "delta1 @ A1.T"), ("delta2 @ A1.T", "delta2 @ f2(Z2).T")]),
            ("last_fprime_twice", [(" * f2_prime(Z2)", " * f2_prime(Z2) ** 2")]),
        ],
        partial=[
            ("identity", "wrong only with an identity layer", "'identity' in (f1, f2)", SCALE_FIRST),
            ("averaged", "wrong only when averaging", "average", SCALE_FIRST),
            ("one-sample", "wrong only for one sample", "X.shape[1] == 1", SCALE_FIRST),
            (
                "db2-over-the-axis-of-n",
                "db2 summed over the axis whose length is n (wrong only when m = n)",
                "True",
                _db2_over_the_axis_of_n(_DELTA2, "average"),
            ),
        ]
        + _SQUARE_TRANSPOSED
        + wrong_on(branches(ONE_HIDDEN_DIMS), SCALE_FIRST, skip=("n-is-1",)),
    ),
    Item(
        "softmax_ce_grads",
        reference=R.softmax_ce_grads,
        random_case=_softmax_case,
        designed_cases=_softmax_designed,
        compare=named("dW1", "db1", "dW2", "db2"),
        mistakes=[
            (name, _softmax_ce(name)) for name in ("ce_fprime_kept", "sign_flipped", "fprime_omitted", "sum_vs_mean")
        ],
        edits=[
            ("ce_fprime_kept", [("delta2 = A2 - Y", "delta2 = (A2 - Y) * A2 * (1 - A2)")]),
            ("sign_flipped", [("delta2 = A2 - Y", "delta2 = Y - A2")]),
            ("fprime_omitted", [("delta1 = f1_prime(Z1) * (W2.T @ delta2)", "delta1 = W2.T @ delta2")]),
            ("sum_vs_mean", [("delta2 = A2 - Y", "delta2 = (A2 - Y) / X.shape[1]")]),
        ],
        partial=[
            ("one-sample", "wrong only for one sample", "X.shape[1] == 1", SCALE_FIRST),
            ("relu", "wrong only with a ReLU hidden layer", "f1 == 'relu'", SCALE_FIRST),
            (
                "db2-over-the-axis-of-n",
                "db2 summed over the axis whose length is n (wrong only when m = n)",
                "True",
                _db2_over_the_axis_of_n(f"softmax(W2 @ {_HIDDEN} + b2) - Y"),
            ),
        ]
        + _SQUARE_TRANSPOSED
        + wrong_on(branches(ONE_HIDDEN_DIMS), SCALE_FIRST, skip=("n-is-1", "m-is-1")),
    ),
]
