"""Hidden tests: each graded function judged against grader.reference on fresh random inputs.

A hidden test cell is one line, e.g. ``judge.check("sigmoid", sigmoid)``. For every graded item
ITEMS holds the designed inputs that every run tries (one of each kind the specification
covers), how to draw random arguments (`cases`), what the reference returns for them
(`reference`) and how to compare. Values are drawn from a new seed each run, so an answer
hard-coded to the visible numbers fails; the seed is printed with any failure to replay it.

Instructor-only: this module imports grader.reference and is not shipped to learners.
"""
import copy
import secrets
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import checks, diagnose
from . import reference as R
from . import tolerances as T
from . import worked_example as WE
from .checks import CheckFailed
from .sandbox_child import RECIPES


@dataclass(frozen=True)
class Item:
    """How one graded function is judged. Every run tries the designed inputs first, the same
    kinds of input on every seed (each branch of the specification: every depth, shape, scheme,
    activation and cost the function takes, and its special values), then `trials` random ones;
    `also` checks what no single call shows (e.g. that a seed argument is used)."""
    cases: Callable          # rng -> tuple of arguments
    reference: Callable      # *arguments -> expected result
    compare: Callable = checks.difference   # (actual, expected, name) -> message or None
    trials: int = 3
    answer: Callable = None  # a correct answer, where `reference` returns a specification instead
    designed: Callable = None    # rng -> [tuple of arguments, ...], run on every seed
    also: Callable = None        # (call, rng) -> message or None, after every input passed

    @property
    def model_answer(self):
        return self.answer or self.reference


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
    z = rng.normal(0.0, 1.0, shape) * rng.choice([1.0, 6.0], shape)   # the middle and the slopes
    special = [0.0] + list(rng.permutation([-1000.0, -40.0, 40.0, 1000.0]))   # the kink, the far tails
    k = min(z.size, len(special))
    z.flat[:k] = special[:k]                      # 0 every time: relu_prime(0) is decided there
    return (z,)


def _z_first(rng):
    """Every special value at once, and more: 0, both tails, both sides of 0 (so that ReLU' = 1
    everywhere and ReLU'(0) = 1 differ on the first input)."""
    z = rng.normal(0.0, 2.0, int(rng.integers(6, 12)))
    z[:6] = [0.0, -1000.0, -40.0, 40.0, 1000.0, -abs(z[5]) - 0.1]
    return (rng.permutation(z),)


def _z_designed(rng):
    """The special values in a vector, and again in a matrix (an elementwise function keeps
    shapes), and a fine grid over [-8, 8] (a formula that changes at the wrong point shows)."""
    z = rng.normal(0.0, 3.0, (3, 4))
    z.flat[rng.permutation(12)[:5]] = [0.0, -1000.0, -40.0, 40.0, 1000.0]
    return [_z_first(rng), (z,), (np.linspace(-8.0, 8.0, 161).reshape(7, 23),)]


def _neuron_case(rng, n=None):
    n = int(rng.integers(1, 7)) if n is None else n
    return (rng.uniform(0, 1, n), float(rng.normal(0, 2)), float(rng.normal(0, 1)), rng.uniform(0, 1, n))


def _chain_params(rng, L=None, n=None):
    L = int(rng.integers(1, 6)) if L is None else L
    w = [None] + [float(v) for v in rng.normal(0, 2, L)]
    b = [None] + [float(v) for v in rng.normal(0, 1, L)]
    n = int(rng.integers(1, 8)) if n is None else n
    return w, b, rng.normal(0, 1, n), rng.uniform(0, 1, n)


CHAINS = [(4, 5), (2, 1), (1, 3)]        # (L, n): a deeper chain, two neurons, one; several samples and one


class CubicSine:
    """f(t) = c1 sin(c2 t) + c3 t^3, a function to differentiate that can also be sent to the
    process that runs a learner's code (by its recipe, see grader.sandbox_child.RECIPES)."""

    def __init__(self, c1, c2, c3):
        self.wire_recipe = ("cubic_sine", (c1, c2, c3))
        self._f = RECIPES["cubic_sine"](c1, c2, c3)

    def __call__(self, t):
        return self._f(t)

    def __eq__(self, other):      # copies compare equal (checks.call compares arguments after a call)
        return isinstance(other, CubicSine) and other.wire_recipe == self.wire_recipe

    __hash__ = None

    def __repr__(self):
        c1, c2, c3 = self.wire_recipe[1]
        return f"<function t -> {c1:.3g} sin({c2:.3g} t) + {c3:.3g} t^3>"


def _derivative_case(rng):
    c1, c2, c3 = (float(v) for v in rng.normal(0, 2, 3))
    return CubicSine(c1, c2, c3), float(rng.normal(0, 1))


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


def _step_designed(rng):
    """Both values of update_biases."""
    return [(*_step_case(rng)[:-1], flag) for flag in (False, True)]


def _update_designed(rng):
    """A gradient for every parameter, and one for a few (plus a key that is not a parameter)."""
    p = _params(rng)
    full = {k: float(rng.normal()) for k in p}
    return [(p, full, 0.5), _update_case(rng)]


def _train_designed(rng):
    (i1, i2), (t1, t2) = _inputs(rng)
    return [(_params(rng), i1, i2, t1, t2, 0.5, steps) for steps in (1, 7)]


def _layers(actual, expected, name):
    """Compare one per-layer list, naming the first wrong layer going backwards."""
    try:
        checks.layers(actual, expected, name)
    except CheckFailed as failure:
        return str(failure)
    return None


def _labels(actual, expected, name):
    """Compare integer class labels exactly."""
    a = np.asarray(actual)
    if a.shape != expected.shape:
        return f"{name} should return one label per sample, shape {expected.shape}, not {a.shape}."
    if not np.issubdtype(a.dtype, np.integer):
        return f"{name} should return integer class labels (e.g. from np.argmax), not {a.dtype}."
    wrong = np.flatnonzero(a != expected)
    if wrong.size:
        i = int(wrong[0])
        return (f"{name} gives the wrong class for {wrong.size} of {a.size} samples; sample {i} "
                f"is labelled {a[i]} but its largest output is a^(L)[{expected[i]}].")
    return None


def _named(*names):
    """Compare a tuple of arrays, naming each part, e.g. (dW1, db1, dW2, db2)."""
    def compare(actual, expected, name):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(names):
            return f"{name} should return {len(names)} values ({', '.join(names)})."
        for part, a, e in zip(names, actual, expected):
            msg = checks.difference(a, e, f"{name}: {part}")
            if msg:
                return msg
        return None
    return compare


# ---------------------------------------------------------------------------------------------
# Notebook 03: several outputs, one hidden layer
# ---------------------------------------------------------------------------------------------

NAMES = ("sigmoid", "tanh", "relu", "identity")


def _perceptron_case(rng):
    m, d = (int(v) for v in rng.integers(1, 6, 2))
    return rng.normal(0, 1, (m, d)), rng.normal(0, 1, d), rng.uniform(0, 1, m)


def _square_one_hidden_case(rng):
    """Square weights and curved activations (for identity or ReLU, f' applied twice equals f'
    applied once), averaged over the samples: the shape of case that shows the most mistakes."""
    *rest, _, _, _ = _one_hidden_case(rng, square=True)
    return (*rest, *(str(v) for v in rng.choice(["sigmoid", "tanh"], 2)), True)


def _summed_one_hidden_case(rng):
    """Any shapes, summed over the samples: with the first case, both values of `average` are
    always tried, so neither branch can be wrong by luck of the draw (n >= 2: for one sample a sum
    is its mean; curved activations: a ReLU or identity layer can make every gradient 0)."""
    *rest, _, _, _ = _one_hidden_case(rng, min_n=2)
    return (*rest, *(str(v) for v in rng.choice(["sigmoid", "tanh"], 2)), False)


def _perceptron_designed(rng):
    """One output and input; more inputs than outputs; more outputs than inputs."""
    return [(rng.normal(0, 1, (m, d)), rng.normal(0, 1, d), rng.uniform(0, 1, m)) for m, d in ((1, 1), (2, 4), (3, 2))]


def _one_hidden_designed(rng):
    """Averaged over samples with square weights; summed with any shapes; square weights of another
    size (a mistake seen on square weights only is then seen twice); and every activation in each
    layer, with one sample and with several (d, p, m, n all different)."""
    cases = [_square_one_hidden_case(rng), _summed_one_hidden_case(rng)]
    for (d, p, m, n), f1, f2, average in (((6, 6, 6, 2), "tanh", "sigmoid", False),   # a second square shape
                                          ((2, 3, 4, 1), "relu", "identity", True),
                                          ((4, 2, 3, 5), "identity", "relu", False),
                                          ((3, 5, 2, 4), "tanh", "sigmoid", True)):
        cases.append((rng.normal(0, 1, (p, d)), rng.normal(0, 1, (p, 1)), rng.normal(0, 1, (m, p)),
                       rng.normal(0, 1, (m, 1)), rng.normal(0, 1, (d, n)), rng.uniform(0, 1, (m, n)),
                       f1, f2, average))
    return cases


def _one_hidden_case(rng, square=False, min_n=1):
    d, p, m, n = (int(v) for v in rng.integers(1, 6, 4))
    n = max(n, min_n)
    if square:                                    # W2 square: W2 for W2^T gives a value;
        d = m = p = max(p, 2)                     # n >= 3: a sum and a mean differ by more than 2
        n = max(n, 3)
    f1, f2 = (str(v) for v in rng.choice(NAMES, 2))
    return (rng.normal(0, 1, (p, d)), rng.normal(0, 1, (p, 1)), rng.normal(0, 1, (m, p)),
            rng.normal(0, 1, (m, 1)), rng.normal(0, 1, (d, n)), rng.uniform(0, 1, (m, n)),
            f1, f2, bool(rng.integers(0, 2)))


# ---------------------------------------------------------------------------------------------
# Notebooks 04 and 05: L layers
# ---------------------------------------------------------------------------------------------

def _sizes(rng, low=1, high=6):
    L = int(rng.integers(1, 5))
    return [int(v) for v in rng.integers(low, high, L + 1)]


def _net(rng, square=False):
    """Random (W, b, X, f): 1-4 layers of 1-5 units (all of one width if square), 1-5 samples,
    one activation or a mix."""
    sizes = _sizes(rng)
    if square:
        sizes = [int(rng.integers(2, 5))] * max(len(sizes), 3)
    W, b = R.init_params(sizes, "normal", rng)
    b = [None] + [rng.normal(0, 0.5, bl.shape) for bl in b[1:]]
    L = len(sizes) - 1
    f = str(rng.choice(NAMES)) if rng.uniform() < 0.4 else [str(v) for v in rng.choice(NAMES, L)]
    return W, b, rng.normal(0, 1, (sizes[0], int(rng.integers(1, 6)))), f


# Designed networks (widths, activations, samples): three layers, two, four and one; widths that
# differ from each other and from the number of samples (a transposed matrix or the wrong axis
# then shows), one square net (there W where W^T belongs gives a value instead of an error), one
# sample and several, every activation, alone and mixed. The first is the most telling (curved
# activations, every shape different): a message describes the first input that fails.
NETS = [([2, 5, 4, 3], ["tanh", "sigmoid", "sigmoid"], 6),
        ([4, 3, 2], ["relu", "identity"], 5),
        ([5, 5, 5, 5], "tanh", 4),        # wider than _square_backward_case's: a second square shape
        ([5, 4, 6, 3, 2], ["sigmoid", "relu", "tanh", "sigmoid"], 1),
        ([3, 2], "identity", 1)]


def _designed_net(rng, sizes, f, n):
    W, b = R.init_params(sizes, "normal", rng)
    b = [None] + [rng.normal(0, 0.5, bl.shape) for bl in b[1:]]
    return W, b, rng.normal(0, 1, (sizes[0], n)), f


def _nets_designed(rng):
    return [_designed_net(rng, *net) for net in NETS]


def _backward_designed(rng):
    """Every designed net, the costs in turn (each at least once), and the square curved case."""
    cases = [_square_backward_case(rng)]
    costs = sorted(R.COSTS)
    for k, net in enumerate(NETS):
        W, b, X, f = _designed_net(rng, *net)
        Z, A = R.forward(W, b, X, f)
        cases.append((W, Z, A, rng.uniform(0, 1, A[-1].shape), f, costs[k % len(costs)]))
    return cases


def _step_layers_designed(rng):
    cases = []
    for sizes, _, _ in NETS[:2] + NETS[-1:]:        # three layers, two, one
        W, b = R.init_params(sizes, "normal", rng)
        dW = [None] + [rng.normal(0, 1, w.shape) for w in W[1:]]
        db = [None] + [rng.normal(0, 1, v.shape) for v in b[1:]]
        cases.append((W, b, dW, db, float(rng.uniform(0.01, 1.0))))
    return cases


def _speeds_designed(rng):
    return [(W, b, X, rng.uniform(0, 1, (W[-1].shape[0], X.shape[1])), f) for W, b, X, f in _nets_designed(rng)]


def _bound_designed(rng):
    """Every depth; one column and several; the sigmoid and tanh/ReLU bounds on |f'|."""
    return [(W, rng.normal(0, 1, (W[-1].shape[0], n)), fmax)
            for (W, _, _, _), n, fmax in zip(_nets_designed(rng), (1, 3, 2, 1, 4), (0.25, 1.0, 0.25, 1.0, 0.7))]


def _square_backward_case(rng):
    """Every layer as wide as the input (W where W^T belongs then gives a value, not a shape
    error) and curved activations (f' left out, or twice, differs from f' once): the shape of
    case that shows the most mistakes."""
    W, b, X, f = _net(rng, square=True)
    L = len(W) - 1
    f = [str(v) for v in rng.choice(["sigmoid", "tanh"], L)]
    Z, A = R.forward(W, b, X, f)
    return W, Z, A, rng.uniform(0, 1, A[-1].shape), f, str(rng.choice(list(R.COSTS)))


def _backward_case(rng, square=False):
    W, b, X, f = _net(rng, square)
    Z, A = R.forward(W, b, X, f)
    Y = rng.uniform(0, 1, A[-1].shape)
    return W, Z, A, Y, f, str(rng.choice(list(R.COSTS)))


def _step_layers_case(rng):
    W, b, _, _ = _net(rng)
    dW = [None] + [rng.normal(0, 1, w.shape) for w in W[1:]]
    db = [None] + [rng.normal(0, 1, v.shape) for v in b[1:]]
    return W, b, dW, db, float(rng.uniform(0.01, 1.0))


def _speeds_case(rng):
    W, b, X, f = _net(rng)
    return W, b, X, rng.uniform(0, 1, (W[-1].shape[0], X.shape[1])), f


def _bound_case(rng):
    W, _, _, _ = _net(rng)
    delta_L = rng.normal(0, 1, (W[-1].shape[0], int(rng.integers(1, 4))))
    return W, delta_L, float(rng.choice([0.25, 1.0, rng.uniform(0.1, 2.0)]))


def _forward_layers(actual, expected, name):
    """(Z, A) compared layer by layer going forwards; the message names the first wrong layer."""
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return f"{name} should return two lists, (Z, A)."
    (Z, A), (Z_ref, A_ref) = actual, expected
    L = len(Z_ref) - 1
    for part, got in (("Z", Z), ("A", A)):
        if not isinstance(got, (list, tuple)) or len(got) != L + 1:
            return (f"{name}: {part} should be a list of {L + 1} entries (index 0, then layers 1..{L}), "
                    f"not {type(got).__name__} of length {len(got) if hasattr(got, '__len__') else '?'}.")
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


STD = {"small": lambda n_in, n_out: 0.01, "normal": lambda n_in, n_out: np.sqrt(1 / n_in),
       "xavier": lambda n_in, n_out: np.sqrt(2 / (n_in + n_out)),   # U[-r, r] has std r / sqrt(3)
       "he": lambda n_in, n_out: np.sqrt(2 / n_in)}


def _init_case(rng, scheme=None, layers=None):
    layers = int(rng.integers(1, 4)) if layers is None else layers
    sizes = [int(v) for v in rng.integers(100, 250, layers + 1)]
    return sizes, str(rng.choice(list(STD))) if scheme is None else scheme, int(rng.integers(0, 2**31))


def _init_designed(rng):
    """Every scheme, on one, two and three layers."""
    return [_init_case(rng, scheme, layers) for scheme, layers in zip(STD, (1, 2, 3, 2))]


def _init_uses_its_seed(call, rng):
    """init_params(sizes, scheme, seed): the same seed twice gives the same weights, the next seed
    other weights (weights drawn from numpy's global random state fail one or the other)."""
    sizes, seed = [int(v) for v in rng.integers(20, 40, 3)], int(rng.integers(0, 2**31 - 1))
    first, again, other = (call((sizes, "he", s)) for s in (seed, seed, seed + 1))
    same = lambda x, y: all(np.array_equal(np.asarray(a), np.asarray(c)) for a, c in zip(x[0][1:], y[0][1:]))  # noqa: E731
    call_text = f"init_params({sizes}, 'he', rng)"
    if not same(first, again):
        return (f"{call_text} gave different weights for the same rng = {seed}, called twice. Draw them "
                "from np.random.default_rng(rng), not from numpy's global random state (np.random.randn).")
    if same(first, other):
        return (f"{call_text} gave the same weights for rng = {seed} and rng = {seed + 1}. Draw them from "
                "np.random.default_rng(rng): the weights must depend on the rng argument.")
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
        if (not isinstance(got, (list, tuple)) or len(got) != len(sizes) or got[0] is not None
                or [np.shape(g) for g in got[1:]] != want):
            return f"{call}: {part} should be a list [None, {part}[1], ..., {part}[L]] of shapes {want}."
    for l in range(1, len(sizes)):
        if np.any(np.asarray(b[l]) != 0):
            return f"{call}: b[{l}] should be all zeros."
        w = np.asarray(W[l], dtype=np.float64)
        if not np.all(np.isfinite(w)):
            return f"{call}: W[{l}] holds {int(np.sum(~np.isfinite(w)))} NaN or infinite values."
        want = STD[scheme](sizes[l - 1], sizes[l])
        std, mean = float(w.std()), float(w.mean())
        if abs(std / want - 1) > T.INIT_STD:
            return (f"{call}: W[{l}] has standard deviation {std:.4g}, but {scheme!r} should give "
                    f"{want:.4g} for n_(l-1) = {sizes[l - 1]}, n_l = {sizes[l]}.")
        if abs(mean) > 5 * want / np.sqrt(w.size):
            return f"{call}: W[{l}] has mean {mean:.3g}; it should be centred on 0."
        if scheme == "xavier":
            r = np.sqrt(6 / (sizes[l - 1] + sizes[l]))
            if np.max(np.abs(w)) > r * (1 + 1e-12) or np.max(np.abs(w)) < T.GLOROT_EDGE * r:
                return (f"{call}: the largest |W[{l}]| is {np.max(np.abs(w)):.4g}; Xavier/Glorot draws "
                        f"uniformly from [-r, r] with r = sqrt(6/(n_(l-1) + n_l)) = {r:.4g}.")
        else:
            beyond = float(np.mean(np.abs(w) > 2 * want))
            if not T.GAUSS_TAIL[0] < beyond < T.GAUSS_TAIL[1]:
                return (f"{call}: {beyond:.1%} of W[{l}] lies beyond two standard deviations, where a "
                        "Gaussian puts 4.6%. Is it drawn from a normal distribution?")
    return None


ITEMS = {
    # 01_chain_rule
    "sigmoid": Item(_z_values, R.sigmoid, designed=_z_designed),
    "sigmoid_prime": Item(_z_values, R.sigmoid_prime, designed=_z_designed),
    "last_layer_grads": Item(_neuron_case, R.last_layer_grads, designed=lambda rng: [_neuron_case(rng, n) for n in (1, 4)]),
    "numerical_derivative": Item(_derivative_case, R.numerical_gradient,
                                 lambda a, e, name: checks.difference(a, e, name, T.DERIVATIVE_RTOL, T.DERIVATIVE_ATOL), trials=5),
    "chain_forward": Item(lambda rng: _chain_params(rng)[:3], R.chain_forward,
                          designed=lambda rng: [_chain_params(rng, L, n)[:3] for L, n in CHAINS]),
    "chain_backward": Item(_chain_params, R.chain_backward, _per_layer("dw", "db"),
                           designed=lambda rng: [_chain_params(rng, L, n) for L, n in CHAINS]),
    # 02_worked_example
    "forward_pass": Item(_fwd_case, ref_forward_pass, trials=5),
    "total_error": Item(_error_case, ref_total_error, trials=5),
    "output_layer_gradients": Item(_output_case, ref_output_layer_gradients, trials=5),
    "hidden_layer_gradients": Item(_hidden_case, ref_hidden_layer_gradients, trials=5),
    "update_weights": Item(_update_case, ref_update_weights, designed=_update_designed),
    "gradient_step": Item(_step_case, ref_gradient_step, designed=_step_designed),
    "train": Item(_train_case, ref_train, trials=1, designed=_train_designed),
    "slipped_step": Item(_slip_case, ref_slipped_step, trials=5),
    # 03_multi_output
    "perceptron_grad": Item(_perceptron_case, R.perceptron_grad, designed=_perceptron_designed),
    "one_hidden_loop": Item(_one_hidden_case, R.one_hidden_grads, _named("dW1", "db1", "dW2", "db2"),
                            designed=_one_hidden_designed),
    "one_hidden_vectorised": Item(_one_hidden_case, R.one_hidden_grads, _named("dW1", "db1", "dW2", "db2"),
                                  designed=_one_hidden_designed),
    # 04_l_layers
    "param_count": Item(lambda rng: (_sizes(rng, 1, 1000),), R.param_count,
                        designed=lambda rng: [([784, 16, 16, 10],), ([5, 3],), ([7, 2, 9],)]),
    "init_params": Item(_init_case, _init_spec, _init_compare, trials=1, answer=R.init_params,
                        designed=_init_designed, also=_init_uses_its_seed),
    "forward": Item(lambda rng: _net(rng), R.forward, _forward_layers, designed=_nets_designed),
    "backward": Item(_backward_case, R.backward, _per_layer("delta", "dW", "db"), designed=_backward_designed),
    "gd_step": Item(_step_layers_case, R.gd_step, _per_layer("W", "b"), designed=_step_layers_designed),
    "predict": Item(lambda rng: _net(rng), R.predict, _labels, designed=_nets_designed),
    # 05_vanishing
    "tanh_prime": Item(_z_values, R.tanh_prime, designed=_z_designed),
    "relu_prime": Item(_z_values, R.relu_prime, designed=_z_designed),
    "delta_bound": Item(_bound_case, R.delta_bound, _layers, designed=_bound_designed),
    "layer_speeds": Item(_speeds_case, R.layer_speeds, _layers, designed=_speeds_designed),
}


def _show(args):
    text = ", ".join(checks._fmt(a) if isinstance(a, np.ndarray) else
                     (repr(a) if hasattr(a, "wire_recipe") else "<function>" if callable(a) else repr(a))
                     for a in args)
    return text if len(text) < 600 else text[:600] + " ..."


def _signature(args):
    """The shapes of a case's arrays and the lengths of its lists: what makes two cases differ in
    shape and in the number of samples."""
    return tuple(np.shape(a) if isinstance(a, np.ndarray) else
                 (len(a), _signature(a)) if isinstance(a, (list, tuple)) else type(a).__name__ for a in args)


def _certain(name, item, call, args, actual, expected, designed, rng):
    """The misconception the learner's answer shows, named only when it is certain: the answer
    equals that mistake's value on the failing input AND on a second input of another shape and
    number of samples (where every input of the item has one shape, on other values); a mistake
    is only looked for in the functions where it can happen (diagnose.MISTAKES). Otherwise None:
    the message then describes the difference without naming a cause."""
    found = diagnose.candidates(name, args, actual, expected, item.compare)
    if not found:
        return None
    others = [case for case in designed if _signature(case) != _signature(args)]
    if not others:                            # one shape for every input (the 2-2-2 network)
        others = [item.cases(rng) for _ in range(2)]
    for misconception, mistaken in found:
        for case in others:
            try:
                value = call(case)
            except Exception:                   # noqa: BLE001 - the answer fails there another way
                continue
            if diagnose.reproduces(name, mistaken, case, value, item.reference, item.compare):
                return misconception
    return None


def run(name, call, seed=None, explain=True):
    """Judge graded item `name`: for each input (the designed ones, then random ones drawn from
    `seed`), compare call(args) with the reference. `call` returns the learner's value or raises
    CheckFailed saying why there is none. Raises CheckFailed naming the input (and the seed, to
    replay it) at the first failure, with a diagnosis unless explain is False (a verdict alone)."""
    item = ITEMS[name]
    seed = secrets.randbits(32) if seed is None else seed
    rng = np.random.default_rng(seed)
    designed = item.designed(rng) if item.designed else []
    total = len(designed) + item.trials
    for trial in range(1, total + 1):
        args = designed[trial - 1] if trial <= len(designed) else item.cases(rng)
        expected = item.reference(*copy.deepcopy(args))
        try:
            actual = call(args)
        except CheckFailed as failure:
            if "is not written yet" in str(failure) or str(failure).endswith(" is not defined"):
                raise                             # nothing to replay: the function is missing
            found = diagnose.for_message(str(failure)) if explain else None
            text = f"{found.message()} {failure}" if found else f"{failure}{hint(str(failure))}"
            raise CheckFailed(f"Hidden test, input {trial} of {total} (seed {seed}): {text}\n"
                              f"The input was: {name}({_show(args)})") from None
        msg = item.compare(actual, expected, name)
        if msg:
            found = _certain(name, item, call, args, actual, expected, designed, rng) if explain else None
            lead = ""
            if found:                             # the specific diagnosis replaces a general one
                lead = f"{found.message()} What differs: "
                msg = msg.split(" Recognised mistake:")[0]
            raise CheckFailed(f"Hidden test, input {trial} of {total} (seed {seed}): "
                              f"{lead}{msg}\nThe input was: {name}({_show(args)})")
    if item.also:
        msg = item.also(call, rng)
        if msg:
            raise CheckFailed(f"Hidden test (seed {seed}): {msg}")


# What a learner can do about an error their function raised, by the error's text.
HINTS = [
    ("OverflowError", "math.exp overflows for large |z| (the inputs reach |z| = 1000): use np.exp, "
                      "which returns inf with a warning instead of raising, or np.tanh for tanh."),
    ("ZeroDivisionError", "something was divided by zero: look at what is divided by a count, a "
                          "norm or a difference, and at inputs such as z = 0 or one sample."),
    ("UFuncTypeError", "an integer array cannot hold a fractional result: start from floats, "
                       "e.g. np.asarray(x, dtype=float) or np.zeros(shape) rather than np.zeros_like(ints)."),
    ("Cannot cast", "an integer array cannot hold a fractional result: start from floats, "
                    "e.g. np.asarray(x, dtype=float)."),
    ("matmul: Input operand", "two shapes do not fit a matrix product: write down the shape of each "
                              "factor (W^(l) is (n_l, n_(l-1)), a batch is (n_units, n_samples))."),
    ("could not be broadcast", "two shapes do not fit: write down the shape of each array in the line."),
]


def hint(text):
    """'. ' + what to do about an error with this text, or ''."""
    return next((". " + advice for key, advice in HINTS if key in text), "")


def _called(fn, name):
    """call(args) for a learner's function in this process: its value, or CheckFailed naming the
    error it raised (as the sandbox reports it), so that both say the same."""
    def call(args):
        try:
            return checks.call(fn, *args, name=name)
        except CheckFailed:
            raise
        except Exception as err:                  # noqa: BLE001 - a learner's error of any kind
            raise CheckFailed(f"{name} raised {type(err).__name__}: {err}"[:500]) from None
    return call


def check(name, fn, seed=None):
    """Judge the learner's fn for graded item `name` against the reference on random inputs
    (this is what a hidden test cell calls, inside the learner's kernel)."""
    run(name, _called(fn, name), seed)
