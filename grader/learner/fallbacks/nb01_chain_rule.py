"""The course's working versions of 01_chain_rule's graded functions (see grader.learner.fallbacks).

Written by `python -m grader release` from solutions/01_chain_rule/01_chain_rule.ipynb: do not edit."""
import numpy as np


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^(-z)), elementwise, with no overflow for large |z|."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), elementwise."""
    s = sigmoid(z)
    return s * (1 - s)


def last_layer_grads(a_prev, w, b, y):
    """(dC0/dw, dC0/db, dC0/da_prev) for C0 = (sigma(w a_prev + b) - y)^2, per sample."""
    z = w * np.asarray(a_prev, dtype=float) + b
    dC0_dz = sigmoid_prime(z) * 2 * (sigmoid(z) - y)
    return a_prev * dC0_dz, dC0_dz, w * dC0_dz


def numerical_derivative(f, x, h=1e-5):
    """Central difference (f(x + h) - f(x - h)) / (2 h)."""
    return (f(x + h) - f(x - h)) / (2 * h)


def chain_forward(w, b, x):
    """[a^(0), a^(1), ..., a^(L)] with a^(0) = x and a^(l) = sigma(w^(l) a^(l-1) + b^(l))."""
    a = [np.asarray(x, dtype=float)]
    for l in range(1, len(w)):
        a.append(sigmoid(w[l] * a[l - 1] + b[l]))
    return a


def chain_backward(w, b, x, y):
    """(dw, db): dC/dw^(l) and dC/db^(l) for C = mean over samples of (a^(L) - y)^2."""
    a = chain_forward(w, b, x)
    L = len(w) - 1
    dw, db = [None] * (L + 1), [None] * (L + 1)
    dC_da = 2 * (a[L] - y) / a[L].size
    for l in range(L, 0, -1):
        dC_dz = a[l] * (1 - a[l]) * dC_da
        dw[l] = float(np.sum(a[l - 1] * dC_dz))
        db[l] = float(np.sum(dC_dz))
        dC_da = w[l] * dC_dz
    return dw, db
