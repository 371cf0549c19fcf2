"""The course's versions of the derive-it-yourself exercises, by central differences of the cost
each exercise defines: slow, but they give no derivation away (see grader.learner.fallbacks)."""
import numpy as np

from .. import worked_example as WE
from ..activations import activation, sigmoid
from ..costs import cost_functions
from ..gradcheck import numerical_gradient

H = 1e-5


def _each(f, x):
    """Elementwise central difference of an elementwise function f at x."""
    x = np.asarray(x, dtype=float)
    return (f(x + H) - f(x - H)) / (2 * H)


def tanh_prime(z):
    """tanh'(z), elementwise, by central differences of np.tanh."""
    return _each(np.tanh, z)


def bce_grads(a_prev, w, b, y):
    """(dC/dw, dC/db, dC/da_prev) per sample for C = -(y ln a + (1 - y) ln(1 - a)), a = sigma(w a_prev + b)."""
    a_prev, y = np.asarray(a_prev, dtype=float), np.asarray(y, dtype=float)

    def C(a_prev, w, b):          # the same C written as ln(1 + e^z) - y z, which never takes ln 0
        z = w * a_prev + b
        return np.logaddexp(0.0, z) - y * z
    return (_each(lambda v: C(a_prev, v, b), w) * np.ones_like(a_prev),
            _each(lambda v: C(a_prev, w, v), b) * np.ones_like(a_prev),
            _each(lambda v: C(v, w, b), a_prev))


def input_gradients(p, i1, i2, t1, t2):
    """{"i1": dE_total/di1, "i2": dE_total/di2} for the 2-2-2 network with parameters p."""
    W, b = WE.to_layers(p)
    t = np.array([[t1], [t2]])

    def E(x):
        out = sigmoid(W[2] @ sigmoid(W[1] @ x.reshape(2, 1) + b[1]) + b[2])
        return 0.5 * float(np.sum((t - out) ** 2))
    g = numerical_gradient(E, np.array([i1, i2], dtype=float))
    return {"i1": float(g[0]), "i2": float(g[1])}


def softmax_ce_grads(W1, b1, W2, b2, X, Y, f1="sigmoid"):
    """(dW1, db1, dW2, db2) for a hidden layer f1, a softmax output and C = -sum y ln a.

    The output delta dC/dz^(2), the part the learner derives, is taken by central differences:
    each sample's cost depends on its own column of z^(2) only, so one nudge of output unit j in
    every column at once gives row j of the delta for all samples. The rest is section 4's step
    back through W^(2), the same as for any output layer."""
    f, f_prime = activation(f1)
    W1, b1, W2, b2, X, Y = (np.asarray(v, dtype=float) for v in (W1, b1, W2, b2, X, Y))
    Z1 = W1 @ X + b1
    A1 = f(Z1)
    Z2 = W2 @ A1 + b2

    def per_sample(Z):                 # -sum_j y_j ln softmax(z)_j, column by column, via ln softmax
        shifted = Z - Z.max(axis=0, keepdims=True)
        log_a = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
        return -np.sum(np.where(Y > 0, Y * log_a, 0.0), axis=0)

    delta2 = np.zeros_like(Z2)
    for j in range(Z2.shape[0]):
        nudge = np.zeros_like(Z2)
        nudge[j] = H
        delta2[j] = (per_sample(Z2 + nudge) - per_sample(Z2 - nudge)) / (2 * H)
    delta1 = f_prime(Z1) * (W2.T @ delta2)
    return delta1 @ X.T, delta1.sum(axis=1, keepdims=True), delta2 @ A1.T, delta2.sum(axis=1, keepdims=True)


def l2_gradients(W, b, X, Y, lam, f="sigmoid", cost="half_sse"):
    """(dW, db) of C + (lam / 2) sum_l ||W^(l)||_F^2, lists indexed by layer."""
    L = len(W) - 1
    fs = [f] * L if isinstance(f, str) else list(f)

    def C_reg(W, b):
        A = np.asarray(X, dtype=float)
        for l in range(1, L + 1):
            A = activation(fs[l - 1])[0](W[l] @ A + b[l])
        return cost_functions(cost)[0](A, Y) + 0.5 * lam * sum(np.sum(W[l] ** 2) for l in range(1, L + 1))

    def swap(lst, l, v):
        return lst[:l] + [v] + lst[l + 1:]
    dW = [None] + [numerical_gradient(lambda v, l=l: C_reg(swap(W, l, v), b), W[l]) for l in range(1, L + 1)]
    db = [None] + [numerical_gradient(lambda v, l=l: C_reg(W, swap(b, l, v)), b[l]) for l in range(1, L + 1)]
    return dW, db
