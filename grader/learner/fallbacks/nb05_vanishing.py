"""The course's working versions of 05_vanishing's graded functions (see grader.learner.fallbacks).

Written by `python -m grader release` from solutions/05_vanishing/05_vanishing.ipynb: do not edit."""
import numpy as np
from grader.learner.activations import activation
from grader.learner.costs import cost_functions


def layer_fs(f, L):
    """[None, f_1, ..., f_L] from one activation name, or from a list of L names."""
    return [None] + ([f] * L if isinstance(f, str) else list(f))


def init_params(sizes, scheme="glorot_uniform", rng=None):
    """W[l] of shape (n_l, n_(l-1)) drawn by `scheme` (see section 3), b[l] = 0 of shape (n_l, 1)."""
    rng = np.random.default_rng(rng)
    W, b = [None], [None]
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if scheme == "glorot_uniform":
            r = np.sqrt(6 / (n_in + n_out))
            W.append(rng.uniform(-r, r, (n_out, n_in)))
        else:
            std = {"small": 0.01, "lecun_normal": np.sqrt(1 / n_in), "glorot_normal": np.sqrt(2 / (n_in + n_out)),
                   "he_normal": np.sqrt(2 / n_in)}[scheme]
            W.append(rng.normal(0, std, (n_out, n_in)))
        b.append(np.zeros((n_out, 1)))
    return W, b


def forward(W, b, X, f="sigmoid"):
    """Z[l] = W[l] A[l-1] + b[l] and A[l] = f_l(Z[l]); returns (Z, A) with Z[0] = None, A[0] = X."""
    fs = layer_fs(f, len(W) - 1)
    Z, A = [None], [np.asarray(X, dtype=float)]
    for l in range(1, len(W)):
        Z.append(W[l] @ A[l - 1] + b[l])
        A.append(activation(fs[l])[0](Z[l]))
    return Z, A


def backward(W, Z, A, Y, f="sigmoid", cost="half_sse"):
    """delta[L] = dC/da^(L) * f_L'(Z[L]),  delta[l] = f_l'(Z[l]) * (W[l+1]^T delta[l+1]),
    dW[l] = delta[l] A[l-1]^T,  db[l] = delta[l] summed over the samples.  Returns (delta, dW, db)."""
    L = len(W) - 1
    fs = layer_fs(f, L)
    delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    delta[L] = cost_functions(cost)[1](A[L], Y) * activation(fs[L])[1](Z[L])
    for l in range(L, 0, -1):
        if l < L:
            delta[l] = activation(fs[l])[1](Z[l]) * (W[l + 1].T @ delta[l + 1])
        dW[l] = delta[l] @ A[l - 1].T
        db[l] = delta[l].sum(axis=1, keepdims=True)
    return delta, dW, db


def gd_step(W, b, dW, db, lr):
    """One gradient-descent step on every layer; returns new lists, leaves W and b as they were."""
    return ([None] + [W[l] - lr * dW[l] for l in range(1, len(W))],
            [None] + [b[l] - lr * db[l] for l in range(1, len(b))])


def predict(W, b, X, f="sigmoid"):
    """The class of each column of X: the index of the largest output."""
    return np.argmax(forward(W, b, X, f)[1][-1], axis=0)


def train(W, b, X, Y, f, lr, epochs, batch_size=50, seed=0, record=None):
    """Mini-batch gradient descent on C = mse. Returns (W, b, [record(W, b) before and after each epoch])."""
    rng = np.random.default_rng(seed)
    history = [record(W, b)] if record else []
    for epoch in range(epochs):
        order = rng.permutation(X.shape[1])
        for start in range(0, X.shape[1], batch_size):
            cols = order[start:start + batch_size]
            Z, A = forward(W, b, X[:, cols], f)
            _, dW, db = backward(W, Z, A, Y[:, cols], f, "mse")
            W, b = gd_step(W, b, dW, db, lr)
        if record:
            history.append(record(W, b))
    return W, b, history


def relu_prime(z):
    """ReLU'(z): 1.0 for z > 0, 0.0 for z <= 0, elementwise, as floats."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


def delta_bound(W, delta_L, fprime_max):
    """[None, bound_1, ..., bound_L]: bound_L = ||delta_L||, bound_l = fprime_max ||W[l+1]||_2 bound_(l+1)."""
    bound = [None] * len(W)
    bound[-1] = float(np.linalg.norm(delta_L))
    for l in range(len(W) - 2, 0, -1):
        bound[l] = float(fprime_max * np.linalg.norm(W[l + 1], 2) * bound[l + 1])
    return bound


def layer_speeds(W, b, X, Y, f="sigmoid"):
    """[None, s_1, ..., s_L] with s_l = ||dC/db^(l)|| for C = mse on the batch (X, Y)."""
    Z, A = forward(W, b, X, f)
    _, _, db = backward(W, Z, A, Y, f, "mse")
    return [None] + [float(np.linalg.norm(db[l])) for l in range(1, len(W))]
