"""The course's working versions of 03_multi_output's graded functions (see grader.learner.fallbacks).

Written by `python -m grader release` from solutions/03_multi_output/03_multi_output.ipynb: do not edit."""
import numpy as np
from grader.learner.activations import activation, sigmoid


def perceptron_grad(W, x, t):
    """dE/dW for O = sigmoid(W x), E = 1/2 sum_k (O_k - t_k)^2.  W: (m, d), x: (d,), t: (m,) -> (m, d)."""
    O = sigmoid(W @ x)
    delta = (O - t) * O * (1 - O)
    return np.outer(delta, x)


def one_hidden_loop(W1, b1, W2, b2, X, Y, f1="sigmoid", f2="sigmoid", average=False):
    """Gradients of E = 1/2 sum_samples sum_j (yhat_j - y_j)^2, by explicit loops.

    W1: (p, d), b1: (p, 1), W2: (m, p), b2: (m, 1), X: (d, n), Y: (m, n).
    Returns (dW1, db1, dW2, db2) shaped like (W1, b1, W2, b2); divided by n if average.
    """
    f1, f1_prime = activation(f1)
    f2, f2_prime = activation(f2)
    (p, d), m, n = W1.shape, W2.shape[0], X.shape[1]
    dW1, db1 = np.zeros((p, d)), np.zeros((p, 1))
    dW2, db2 = np.zeros((m, p)), np.zeros((m, 1))
    for i in range(n):
        z1 = [sum(W1[k, q] * X[q, i] for q in range(d)) + b1[k, 0] for k in range(p)]
        a1 = [f1(z) for z in z1]
        z2 = [sum(W2[j, k] * a1[k] for k in range(p)) + b2[j, 0] for j in range(m)]
        delta2 = [(f2(z2[j]) - Y[j, i]) * f2_prime(z2[j]) for j in range(m)]
        for j in range(m):
            db2[j, 0] += delta2[j]
            for k in range(p):
                dW2[j, k] += delta2[j] * a1[k]
        for k in range(p):
            delta1 = f1_prime(z1[k]) * sum(W2[j, k] * delta2[j] for j in range(m))
            db1[k, 0] += delta1
            for q in range(d):
                dW1[k, q] += delta1 * X[q, i]
    if average:
        return dW1 / n, db1 / n, dW2 / n, db2 / n
    return dW1, db1, dW2, db2


def one_hidden_vectorised(W1, b1, W2, b2, X, Y, f1="sigmoid", f2="sigmoid", average=False):
    """one_hidden_loop's gradients by matrix products over the whole batch (no Python loops)."""
    f1, f1_prime = activation(f1)
    f2, f2_prime = activation(f2)
    Z1 = W1 @ X + b1
    A1 = f1(Z1)
    Z2 = W2 @ A1 + b2
    delta2 = (f2(Z2) - Y) * f2_prime(Z2)
    delta1 = f1_prime(Z1) * (W2.T @ delta2)
    grads = (delta1 @ X.T, delta1.sum(axis=1, keepdims=True), delta2 @ A1.T, delta2.sum(axis=1, keepdims=True))
    n = X.shape[1]
    return tuple(g / n for g in grads) if average else grads
