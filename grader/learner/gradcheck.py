"""Central differences and relative errors: the tools that check any gradient.

These are shipped to learners (the visible tests use them), so they depend on numpy only
(and grader.learner.delegation: an answer may not hand its work to them).
"""

import numpy as np

from .delegation import derived, refuse


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar function f at x (see _central_differences); it
    refuses to stand in for a learner's numerical_derivative or derive-it-yourself item under test."""
    refuse({"numerical_derivative"} | derived(), "the course's central differences (numerical_gradient)")
    return _central_differences(f, x, h)


def _central_differences(f, x, h=1e-5):
    """Central-difference gradient of a scalar function f at x.

        df/dx_i ~= (f(x + h e_i) - f(x - h e_i)) / (2 h)

    f: callable taking an array shaped like x and returning a number.
    x: float array of any shape (a Python number is accepted too). It is not modified.
    Returns a float64 array shaped like x (a float if x is a number).

    The error is O(h^2) from truncation plus O(eps |f| / h) from rounding: with h = 1e-5
    in float64 a correct analytic gradient agrees to about 1e-7 relative or better.
    """
    scalar = np.ndim(x) == 0
    x = np.array(x, dtype=np.float64)  # a private copy: the caller's x is never touched
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x.copy()))
        x[i] = old - h
        f_minus = float(f(x.copy()))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return float(grad) if scalar else grad


def rel_error(x, y):
    """Largest entrywise relative error, max_i |x_i - y_i| / max(1e-8, |x_i| + |y_i|)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def norm_rel_error(x, y):
    """Relative error of two whole arrays, ||x - y|| / max(1e-12, ||x|| + ||y||).

    This is the figure a gradient check reports: unlike rel_error it is not dominated by
    entries that are zero up to rounding.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.linalg.norm(x - y) / max(1e-12, np.linalg.norm(x) + np.linalg.norm(y)))
