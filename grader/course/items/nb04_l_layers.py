"""Notebook 04, backpropagation through L layers: how each graded function is judged, its
catalogued mistakes and its mutants.
(ITEMS: one grader.course.item.Item per graded function.)
"""

import numpy as np

from ...learner import checks, tolerances as T, worked_example as WE
from .. import reference as R
from ..inputs import NETS, designed_net, net_branches, nets_designed, random_net, random_sizes, wrong_on
from ..item import Item, labels, per_layer
from ..mistakes import BACKWARD, mistaken_backward

# ---------------------------------------------------------------------------------------------
# Inputs, reference adapters and comparisons
# ---------------------------------------------------------------------------------------------


def _backward_designed(rng):
    """Every designed net, the costs in turn (each at least once), and the square curved case."""
    cases = [_square_backward_case(rng)]
    costs = sorted(R.COSTS)
    for k, net in enumerate(NETS):
        W, b, X, f = designed_net(rng, *net)
        Z, A = R.forward(W, b, X, f)
        cases.append((W, Z, A, rng.uniform(0, 1, A[-1].shape), f, costs[k % len(costs)]))
    return cases


def _step_layers_designed(rng):
    cases = []
    for sizes, _, _ in NETS:  # three layers, two, four, one; rules D1, D2 through EQUAL and ONES
        W, b = R.init_params(sizes, "lecun_normal", rng)
        dW = [None] + [rng.normal(0, 1, w.shape) for w in W[1:]]
        db = [None] + [rng.normal(0, 1, v.shape) for v in b[1:]]
        cases.append((W, b, dW, db, float(rng.uniform(0.01, 1.0))))
    return cases


def _square_backward_case(rng):
    """Every layer as wide as the input (W where W^T belongs then gives a value, not a shape
    error) and curved activations (f' left out, or twice, differs from f' once): the shape of
    case that shows the most mistakes."""
    W, b, X, f = random_net(rng, square=True)
    L = len(W) - 1
    f = [str(v) for v in rng.choice(["sigmoid", "relu"], L)]
    Z, A = R.forward(W, b, X, f)
    return W, Z, A, rng.uniform(0, 1, A[-1].shape), f, str(rng.choice(list(R.COSTS)))


def _backward_case(rng, square=False):
    W, b, X, f = random_net(rng, square)
    Z, A = R.forward(W, b, X, f)
    Y = rng.uniform(0, 1, A[-1].shape)
    return W, Z, A, Y, f, str(rng.choice(list(R.COSTS)))


def _step_layers_case(rng):
    W, b, _, _ = random_net(rng)
    dW = [None] + [rng.normal(0, 1, w.shape) for w in W[1:]]
    db = [None] + [rng.normal(0, 1, v.shape) for v in b[1:]]
    return W, b, dW, db, float(rng.uniform(0.01, 1.0))


def _forward_layers(actual, expected, name):
    """(Z, A) compared layer by layer going forwards; the message names the first wrong layer."""
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return f"{name} should return two lists, (Z, A)."
    (Z, A), (Z_ref, A_ref) = actual, expected
    L = len(Z_ref) - 1
    for part, got in (("Z", Z), ("A", A)):
        if not isinstance(got, (list, tuple)) or len(got) != L + 1:
            return (
                f"{name}: {part} should be a list of {L + 1} entries (index 0, then layers 1..{L}), "
                f"not {type(got).__name__} of length {len(got) if hasattr(got, '__len__') else '?'}."
            )
    if Z[0] is not None:
        return f"{name}: Z[0] should be None (there is no z^(0))."
    msg = checks.difference(A[0], A_ref[0], f"{name}: A[0]")
    if msg:
        return msg + " A[0] is the input X itself."
    for l in range(1, L + 1):
        for part, got, ref in (("Z", Z, Z_ref), ("A", A, A_ref)):
            msg = checks.difference(got[l], ref[l], f"{name}: {part}[{l}]")
            if msg:
                right = "" if l == 1 else "; layer 1 is right" if l == 2 else f"; layers 1..{l - 1} are right"
                return f"Going forwards, the first wrong layer is l={l}{right}. {msg}"
    return None


def _init_case(rng, scheme=None, sizes=None):
    sizes = [int(v) for v in rng.integers(100, 250, int(rng.integers(1, 4)) + 1)] if sizes is None else sizes
    return sizes, str(rng.choice(R.INIT_SCHEMES)) if scheme is None else scheme, int(rng.integers(0, 2**31))


# Every scheme, on one, two and three layers; rules D1, D2 of grader.course.inputs: every width
# equal once (all of [150, 150, 150, 150]) and different once ([120, 210, 160, 240]); a square
# W^(l) and a non-square one in each of the two-layer nets (n_in for n_out is then wrong).
INIT_SIZES = {
    "small": [150, 150, 150, 150],
    "lecun_normal": [200, 120],
    "glorot_uniform": [110, 190, 190],
    "glorot_normal": [230, 230, 140],
    "he_normal": [120, 210, 160, 240],
}


def _init_designed(rng):
    return [_init_case(rng, scheme, INIT_SIZES[scheme]) for scheme in R.INIT_SCHEMES]


def _init_uses_its_seed(call, rng):
    """init_params(sizes, scheme, seed): the same seed twice gives the same weights, the next seed
    other weights (weights drawn from numpy's global random state fail one or the other)."""
    sizes, seed = [int(v) for v in rng.integers(20, 40, 3)], int(rng.integers(0, 2**31 - 1))
    first, again, other = (call((sizes, "he_normal", s)) for s in (seed, seed, seed + 1))
    same = lambda x, y: all(np.array_equal(np.asarray(a), np.asarray(c)) for a, c in zip(x[0][1:], y[0][1:]))  # noqa: E731
    call_text = f"init_params({sizes}, 'he_normal', rng)"
    if not same(first, again):
        return (
            f"{call_text} gave different weights for the same rng = {seed}, called twice. Draw them "
            "from np.random.default_rng(rng), not from numpy's global random state (np.random.randn)."
        )
    if same(first, other):
        return (
            f"{call_text} gave the same weights for rng = {seed} and rng = {seed + 1}. Draw them from "
            "np.random.default_rng(rng): the weights must depend on the rng argument."
        )
    return None


def _init_spec(sizes, scheme, seed):
    """What init_params(sizes, scheme, seed) must produce: its draws cannot be matched value by
    value, so the judge checks shapes, zero biases and the spread of each W^(l)."""
    return sizes, scheme


def _init_compare(actual, expected, name):
    sizes, scheme = expected
    shapes = [(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    call = f"{name}({sizes}, {scheme!r})"
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return f"{call} should return two lists, (W, b)."
    W, b = actual
    for part, got, want in (("W", W, shapes), ("b", b, [(n, 1) for n in sizes[1:]])):
        if (
            not isinstance(got, (list, tuple))
            or len(got) != len(sizes)
            or got[0] is not None
            or [np.shape(g) for g in got[1:]] != want
        ):
            return f"{call}: {part} should be a list [None, {part}[1], ..., {part}[L]] of shapes {want}."
    for l in range(1, len(sizes)):
        if np.any(np.asarray(b[l]) != 0):
            return f"{call}: b[{l}] should be all zeros."
        w = np.asarray(W[l], dtype=np.float64)
        if not np.all(np.isfinite(w)):
            return f"{call}: W[{l}] holds {int(np.sum(~np.isfinite(w)))} NaN or infinite values."
        want = R.init_std(scheme, sizes[l - 1], sizes[l])
        std, mean = float(w.std()), float(w.mean())
        if abs(std / want - 1) > T.INIT_STD:
            return (
                f"{call}: W[{l}] has standard deviation {std:.4g}, but {scheme!r} should give "
                f"{want:.4g} for n_(l-1) = {sizes[l - 1]}, n_l = {sizes[l]}."
            )
        if abs(mean) > 5 * want / np.sqrt(w.size):
            return f"{call}: W[{l}] has mean {mean:.3g}; it should be centred on 0."
        if scheme == "glorot_uniform":
            r = np.sqrt(6 / (sizes[l - 1] + sizes[l]))
            if np.max(np.abs(w)) > r * (1 + 1e-12) or np.max(np.abs(w)) < T.GLOROT_EDGE * r:
                return (
                    f"{call}: the largest |W[{l}]| is {np.max(np.abs(w)):.4g}; 'glorot_uniform' draws "
                    f"uniformly from [-r, r] with r = sqrt(6/(n_(l-1) + n_l)) = {r:.4g}."
                )
        else:
            beyond = float(np.mean(np.abs(w) > 2 * want))
            if not T.GAUSS_TAIL[0] < beyond < T.GAUSS_TAIL[1]:
                return (
                    f"{call}: {beyond:.1%} of W[{l}] lies beyond two standard deviations, where a "
                    f"Gaussian puts 4.6%. {scheme!r} draws from a normal distribution."
                )
    return None


def _l2_case(rng, net=None, lam=None, cost=None):
    W, b, X, f = random_net(rng) if net is None else net
    Y = rng.uniform(0, 1, (W[-1].shape[0], X.shape[1]))
    lam = float(rng.uniform(0.05, 2.0)) if lam is None else lam
    return W, b, X, Y, lam, f, str(rng.choice(list(R.COSTS))) if cost is None else cost


def _l2_designed(rng):
    """The designed networks, each cost, a strong and a weak penalty, and lam = 0 (plain backward)."""
    return [
        _l2_case(rng, net, lam, cost)
        for net, lam, cost in zip(
            nets_designed(rng),
            (0.7, 0.05, 1.5, 0.3, 0.0, 0.4, 0.9),
            ("half_sse", "mse", "sse", "half_sse", "mse", "sse", "half_sse"),
            strict=True,
        )
    ]


# What the visible tests compare with (grader.learner.expected): name -> the reference's values.
def _visible_backward():
    """backward's visible test: notebook 02's network, then nets with every activation and cost."""
    W, b = WE.to_layers(WE.PARAMS)
    X, Y = np.array([WE.INPUTS]).T, np.array([WE.TARGETS]).T
    cases = [(W, b, X, Y, "sigmoid", "half_sse")]
    rng = np.random.default_rng(2)
    for sizes, f, cost in (
        ([3, 4, 2], "sigmoid", "half_sse"),
        ([2, 3, 3, 2], ["sigmoid", "relu", "identity"], "mse"),
        ([4, 3, 2, 3, 1], ["relu", "sigmoid", "identity", "sigmoid"], "sse"),
    ):
        W, _ = R.init_params(sizes, "lecun_normal", rng)
        b = [None] + [rng.normal(size=(n, 1)) for n in sizes[1:]]
        cases.append((W, b, rng.normal(size=(sizes[0], 5)), rng.uniform(size=(sizes[-1], 5)), f, cost))
    out = []
    for W, b, X, Y, f, cost in cases:
        Z, A = R.forward(W, b, X, f)
        out.append(
            {
                "args": (W, Z, A, Y, f, cost),
                "result": R.backward(W, Z, A, Y, f, cost),
                "label": f"sizes {[X.shape[0]] + [w.shape[0] for w in W[1:]]}, f={f!r}, cost={cost!r}",
            }
        )
    return out


def _visible_l2():
    """l2_gradients' visible test: a 3-2-2 sigmoid network on 4 samples and a 2-4-3-1 mixed one."""
    rng = np.random.default_rng(3)
    out = []
    for sizes, f, cost, lam in (
        ([3, 2, 2], "sigmoid", "half_sse", 0.5),
        ([2, 4, 3, 1], ["sigmoid", "relu", "identity"], "mse", 0.1),
    ):
        W, _ = R.init_params(sizes, "lecun_normal", rng)
        b = [None] + [rng.normal(size=(n, 1)) for n in sizes[1:]]
        args = (W, b, rng.normal(size=(sizes[0], 4)), rng.uniform(size=(sizes[-1], 4)), lam, f, cost)
        out.append({"args": args, "result": R.l2_gradients(*args), "label": f"sizes {sizes}, lam={lam}, cost={cost!r}"})
    return out


# ---------------------------------------------------------------------------------------------
# Catalogued mistakes: the function a learner who made each one would have written
# ---------------------------------------------------------------------------------------------


def _gd_ascent(W, b, dW, db, lr):
    return R.gd_step(W, b, dW, db, -lr)


def _predict_wrong_axis(W, b, X, f="sigmoid"):
    return np.argmax(R.forward(W, b, X, f)[1][-1], axis=1)


def _l2(mistake):
    def grads(W, b, X, Y, lam, f="sigmoid", cost="half_sse"):
        dW, db = R.l2_gradients(W, b, X, Y, 0.0, f, cost)
        c = {"l2_factor_two": 2.0, "l2_sign": -1.0}.get(mistake, 1.0) * lam
        dW = [None] + [dW[l] + c * W[l] for l in range(1, len(W))]
        if mistake == "l2_on_biases":
            db = [None] + [db[l] + lam * b[l] for l in range(1, len(b))]
        return dW, db

    return grads


# ---------------------------------------------------------------------------------------------
# Mutants of the solution (grader.authoring.mutants): catalogued edits, then partial mistakes
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# The graded items: everything the grader knows about each, in one record
# ---------------------------------------------------------------------------------------------

ITEMS = [
    Item(
        "param_count",
        reference=R.param_count,
        random_case=lambda rng: (random_sizes(rng, 1, 1000),),
        designed_cases=lambda rng: [
            ([784, 16, 16, 10],),
            ([5, 3],),
            ([7, 2, 9],),
            # and rules D1, D2 of grader.course.inputs:
            ([4, 4, 4, 4, 4],),
            ([1, 1, 1, 1, 1],),
            ([3, 8, 2, 6, 9],),
        ],
        partial=[("deep", "wrong only for L >= 3", "len(sizes) - 1 >= 3", "out = out + 1")]
        + wrong_on(net_branches(widths="list(sizes)"), "out = out + 1"),
    ),
    Item(
        "init_params",
        reference=R.init_params,
        spec=_init_spec,
        random_case=_init_case,
        designed_cases=_init_designed,
        random_trials=1,
        compare=_init_compare,
        extra_check=_init_uses_its_seed,
        partial=[
            (
                "glorot-uniform",
                "'glorot_uniform' drawn as N(0, 1/n_in) (deeplearning.ai's \"Xavier\")",
                "scheme == 'glorot_uniform'",
                "out = _right_init_params(sizes, 'lecun_normal', rng)",
            ),
            (
                "glorot-normal",
                "'glorot_normal' drawn uniformly (the other Glorot)",
                "scheme == 'glorot_normal'",
                "out = _right_init_params(sizes, 'glorot_uniform', rng)",
            ),
            (
                "he",
                "'he_normal' drawn uniformly with He's spread",
                "scheme == 'he_normal'",
                "out = ([None] + [np.sqrt(3) * np.sqrt(2 / w.shape[1]) * (2 * np.random.default_rng(rng).random(w.shape) - 1)"
                " for w in out[0][1:]], out[1])",
            ),
            (
                "lecun",
                "'lecun_normal' drawn with He's spread",
                "scheme == 'lecun_normal'",
                "out = _right_init_params(sizes, 'he_normal', rng)",
            ),
            (
                "global-random",
                "ignores its rng argument (numpy's global random state)",
                "True",
                "out = _right_init_params(sizes, scheme, np.random.randint(2**31))",
            ),
            (
                "fixed-seed",
                "ignores its rng argument (a fixed seed)",
                "True",
                "out = _right_init_params(sizes, scheme, 0)",
            ),
            (
                "n-out-if-square",
                "spread scaled by sqrt(n_in/n_out) (n_out for n_in), except where W^(l) is square",
                "True",
                "out = ([None] + [w if w.shape[0] == w.shape[1] else w * np.sqrt(w.shape[1] / w.shape[0]) for w in out[0][1:]],"
                " out[1])",
            ),
        ]
        + wrong_on(
            net_branches(widths="list(sizes)"),
            "out = ([None] + [1.5 * w for w in out[0][1:]], out[1])",
            skip=("one-unit", "width-is-L"),
        ),
    ),
    Item(
        "forward",
        reference=R.forward,
        random_case=lambda rng: random_net(rng),
        designed_cases=nets_designed,
        compare=_forward_layers,
        partial=[
            ("deep", "wrong only for L >= 3", "len(W) - 1 >= 3", "out[1][-1] = 1.01 * out[1][-1]"),
            (
                "relu",
                "wrong only with a ReLU layer",
                "'relu' in ([f] if isinstance(f, str) else list(f))",
                "out[1][-1] = 1.01 * out[1][-1]",
            ),
        ]
        + wrong_on(net_branches(n="X.shape[1]"), "out[1][-1] = 1.01 * out[1][-1]"),
    ),
    Item(
        "backward",
        reference=R.backward,
        random_case=_backward_case,
        designed_cases=_backward_designed,
        compare=per_layer("delta", "dW", "db"),
        mistakes=[(name, lambda *a, m=m, **k: mistaken_backward(*a, **k, **m)) for name, m in BACKWARD],
        edits=[
            ("dW_transposed", [("delta[l] @ A[l - 1].T", "A[l - 1] @ delta[l].T")]),
            ("W_not_transposed", [("(W[l + 1].T @ delta[l + 1])", "(W[l + 1] @ delta[l + 1])")]),
            ("fprime_omitted", [(" * activation(fs[L])[1](Z[L])", ""), ("activation(fs[l])[1](Z[l]) * ", "")]),
            (
                "fprime_of_a",
                [
                    ("activation(fs[L])[1](Z[L])", "activation(fs[L])[1](A[L])"),
                    ("activation(fs[l])[1](Z[l])", "activation(fs[l])[1](A[l])"),
                ],
            ),
            ("sign_flipped", [("dC_dA(A[L], Y) *", "-dC_dA(A[L], Y) *")]),
            ("bias_not_summed", [("delta[l].sum(axis=1, keepdims=True)", "delta[l]")]),
            ("wrong_axis", [("delta[l].sum(axis=1, keepdims=True)", "delta[l].sum(axis=0, keepdims=True)")]),
            ("off_by_one_activation", [("delta[l] @ A[l - 1].T", "delta[l] @ A[l].T")]),
            ("last_fprime_twice", [(" * activation(fs[L])[1](Z[L])", " * activation(fs[L])[1](Z[L]) ** 2")]),
            ("last_fprime_missing", [(" * activation(fs[L])[1](Z[L])", "")]),
        ],
        partial=[
            ("deep", "wrong only for L >= 3", "len(W) - 1 >= 3", "out[1][1] = 1.01 * out[1][1]"),
            ("shallow", "wrong only for L = 1", "len(W) == 2", "out[1][1] = 1.01 * out[1][1]"),
            ("one-sample", "wrong only for one sample", "A[0].shape[1] == 1", "out[2][1] = 1.01 * out[2][1]"),
            (
                "square",
                "wrong only when every layer has the same width",
                "len({w.shape for w in W[1:]}) == 1",
                "out[1][1] = 1.01 * out[1][1]",
            ),
            ("mse", "wrong only for the cost 'mse'", "cost == 'mse'", "out[1][-1] = 1.01 * out[1][-1]"),
            ("sse", "wrong only for the cost 'sse'", "cost == 'sse'", "out[1][-1] = 1.01 * out[1][-1]"),
            (
                "identity",
                "wrong only with an identity layer",
                "'identity' in ([f] if isinstance(f, str) else list(f))",
                "out[1][-1] = 1.01 * out[1][-1]",
            ),
            (
                "dW-transposed-if-square",
                "dW^(l) transposed wherever W^(l) is square",
                "True",
                "out = (out[0], [None] + [g.T if g.shape[0] == g.shape[1] else g for g in out[1][1:]], out[2])",
            ),
            (
                "db-over-the-axis-of-n",
                "db^(l) summed over the axis whose length is n (wrong only when n_l = n)",
                "True",
                "out = (out[0], out[1], [None] + [d.sum(axis=d.shape.index(A[0].shape[1])).reshape(-1, 1) for d in out[0][1:]])",
            ),
        ]
        + wrong_on(net_branches(n="A[0].shape[1]"), "out[1][1] = 1.01 * out[1][1]", skip=("L-is-1", "n-is-1")),
        visible={"backward": _visible_backward},
    ),
    Item(
        "gd_step",
        reference=R.gd_step,
        random_case=_step_layers_case,
        designed_cases=_step_layers_designed,
        compare=per_layer("W", "b"),
        mistakes=[("sign_flipped", _gd_ascent)],
        edits=[
            ("sign_flipped", [("W[l] - lr * dW[l]", "W[l] + lr * dW[l]"), ("b[l] - lr * db[l]", "b[l] + lr * db[l]")]),
            (
                "mutates_input",
                [
                    (
                        "    return new_W, new_b",
                        "    for l in range(1, len(W)):\n        W[l] -= lr * dW[l]\n"
                        "        b[l] -= lr * db[l]\n    return W, b",
                    )
                ],
            ),
        ],
        partial=[
            ("shallow", "wrong only for L = 1", "len(W) == 2", "out[0][1] = 1.01 * out[0][1]"),
            (
                "W-transposed-if-square",
                "W^(l) transposed wherever it is square",
                "True",
                "out = ([None] + [w.T if w.shape[0] == w.shape[1] else w for w in out[0][1:]], out[1])",
            ),
        ]
        + wrong_on(net_branches(), "out[0][1] = 1.01 * out[0][1]", skip=("L-is-1",)),
    ),
    Item(
        "predict",
        reference=R.predict,
        random_case=lambda rng: random_net(rng),
        designed_cases=nets_designed,
        compare=labels,
        mistakes=[("wrong_axis", _predict_wrong_axis)],
        edits=[("wrong_axis", [("axis=0", "axis=1")])],
        partial=[("one-sample", "wrong only for one sample", "X.shape[1] == 1", "out = (out + 1) % W[-1].shape[0]")]
        + wrong_on(net_branches(n="X.shape[1]"), "out = out + 1", skip=("n-is-1",)),
    ),
    Item(
        "l2_gradients",
        reference=R.l2_gradients,
        random_case=_l2_case,
        designed_cases=_l2_designed,
        compare=per_layer("dW", "db"),
        mistakes=[(name, _l2(name)) for name in ("l2_on_biases", "l2_factor_two", "l2_sign")],
        edits=[
            (
                "l2_on_biases",
                [
                    (
                        "for l in range(1, len(W))], db",
                        "for l in range(1, len(W))], [None] + [db[l] + lam * b[l] for l in range(1, len(b))]",
                    )
                ],
            ),
            ("l2_factor_two", [("dW[l] + lam * W[l]", "dW[l] + 2 * lam * W[l]")]),
            ("l2_sign", [("dW[l] + lam * W[l]", "dW[l] - lam * W[l]")]),
        ],
        partial=[("deep", "wrong only for L >= 3", "len(W) - 1 >= 3", "out[0][1] = 1.01 * out[0][1]")]
        + wrong_on(net_branches(n="X.shape[1]"), "out[0][1] = 1.01 * out[0][1]"),
        visible={"l2_gradients": _visible_l2},
    ),
]
