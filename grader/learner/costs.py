"""Costs C(A, Y) and their gradients dC/dA. A and Y: (n_L, n), one column per sample (or any equal shapes).

Shipped to learners: notebooks 04 and 05 look a cost's gradient up by name.
"""

import numpy as np


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def half_sse(A, Y):
    """C = 1/2 sum_samples sum_k (a_k - y_k)^2  (the 2-2-2 example's E_total; seeds 001, 004)."""
    return 0.5 * float(np.sum((_f64(A) - _f64(Y)) ** 2))


def half_sse_grad(A, Y):
    """dC/dA = A - Y  for C = 1/2 sum (a - y)^2."""
    return _f64(A) - _f64(Y)


def sse(A, Y):
    """C = sum_samples sum_k (a_k - y_k)^2  (seed 003's C_0 = (a^(L) - y)^2, summed)."""
    return float(np.sum((_f64(A) - _f64(Y)) ** 2))


def sse_grad(A, Y):
    """dC/dA = 2 (A - Y)  for C = sum (a - y)^2."""
    return 2.0 * (_f64(A) - _f64(Y))


def _n_samples(A):
    A = _f64(A)
    return A.shape[-1] if A.ndim else 1


def mse(A, Y):
    """C = (1/n) sum_samples sum_k (a_k - y_k)^2: seed 003's cost averaged over the n samples
    (n = the number of columns, or of entries for a 1-D array)."""
    return sse(A, Y) / _n_samples(A)


def mse_grad(A, Y):
    """dC/dA = 2 (A - Y) / n  for C = (1/n) sum (a - y)^2."""
    return sse_grad(A, Y) / _n_samples(A)


def cross_entropy(A, Y):
    """C = -sum_samples sum_k y_k ln a_k, for outputs A that are probabilities (a softmax layer's)
    and targets Y whose columns sum to 1 (one-hot). Terms with y_k = 0 count 0, even where a_k
    has underflowed to 0. Notebook 03 has the learner derive its gradient; it is not listed in
    COSTS, so backward() does not take it."""
    A, Y = _f64(A), _f64(Y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(np.where(Y > 0, Y * np.log(A), 0.0)))


COSTS = {
    "half_sse": (half_sse, half_sse_grad),
    "sse": (sse, sse_grad),
    "mse": (mse, mse_grad),
}


def cost_functions(name):
    """(C, dC/dA) for a cost name: 'half_sse', 'sse' or 'mse'."""
    try:
        return COSTS[name]
    except KeyError:
        raise ValueError(f"unknown cost {name!r}; use one of {sorted(COSTS)}") from None
