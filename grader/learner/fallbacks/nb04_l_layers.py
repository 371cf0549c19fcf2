"""The course's working versions of 04_l_layers's graded functions (see grader.learner.fallbacks).

Written by `python -m grader release` from solutions/04_l_layers/04_l_layers.ipynb: do not edit."""
import numpy as np
from grader.learner.activations import activation
from grader.learner.costs import cost_functions


def param_count(sizes):
    """Weights and biases of a dense network with layer widths sizes = [n_0, ..., n_L]."""
    return sum(n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def init_params(sizes, scheme="glorot_uniform", rng=None):
    """Random W^(l) (n_l, n_{l-1}) by `scheme` and zero b^(l) (n_l, 1), in lists indexed by layer."""
    rng = np.random.default_rng(rng)
    W, b = [None], [None]
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if scheme == "small":
            W.append(rng.normal(0.0, 0.01, (n_out, n_in)))
        elif scheme == "lecun_normal":
            W.append(rng.normal(0.0, np.sqrt(1 / n_in), (n_out, n_in)))
        elif scheme == "glorot_uniform":
            r = np.sqrt(6 / (n_in + n_out))
            W.append(rng.uniform(-r, r, (n_out, n_in)))
        elif scheme == "glorot_normal":
            W.append(rng.normal(0.0, np.sqrt(2 / (n_in + n_out)), (n_out, n_in)))
        elif scheme == "he_normal":
            W.append(rng.normal(0.0, np.sqrt(2 / n_in), (n_out, n_in)))
        else:
            raise ValueError(f"unknown scheme {scheme!r}")
        b.append(np.zeros((n_out, 1)))
    return W, b


def forward(W, b, X, f="sigmoid"):
    """Z[l] = W[l] A[l-1] + b[l] and A[l] = f_l(Z[l]) for l = 1..L, with Z[0] = None and A[0] = X."""
    L = len(W) - 1
    fs = [None] + ([f] * L if isinstance(f, str) else list(f))   # fs[l]: layer l's activation name
    Z, A = [None], [X]
    for l in range(1, L + 1):
        Z.append(W[l] @ A[l - 1] + b[l])
        A.append(activation(fs[l])[0](Z[l]))
    return Z, A


def backward(W, Z, A, Y, f="sigmoid", cost="half_sse"):
    """delta^(L) = dC/da^(L) * f_L'(z^(L)); delta^(l) = f_l'(z^(l)) * W^(l+1)^T delta^(l+1);
    dW^(l) = delta^(l) a^(l-1)^T; db^(l) = delta^(l) summed over the batch."""
    L = len(W) - 1
    fs = [None] + ([f] * L if isinstance(f, str) else list(f))
    dC_dA = cost_functions(cost)[1]
    delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    delta[L] = dC_dA(A[L], Y) * activation(fs[L])[1](Z[L])
    for l in range(L, 0, -1):
        if l < L:
            delta[l] = activation(fs[l])[1](Z[l]) * (W[l + 1].T @ delta[l + 1])
        dW[l] = delta[l] @ A[l - 1].T
        db[l] = delta[l].sum(axis=1, keepdims=True)
    return delta, dW, db


def gd_step(W, b, dW, db, lr):
    """New lists W^(l) - lr dW^(l), b^(l) - lr db^(l); the arguments are not modified."""
    new_W = [None] + [W[l] - lr * dW[l] for l in range(1, len(W))]
    new_b = [None] + [b[l] - lr * db[l] for l in range(1, len(b))]
    return new_W, new_b


def predict(W, b, X, f="sigmoid"):
    """The index of the largest output for each sample: (n,) integers."""
    return np.argmax(forward(W, b, X, f)[1][-1], axis=0)
