"""Activation functions f and their derivatives f', elementwise on float64 arrays.

Shipped to learners: notebooks 03 and 04 use these so that a network can mix sigmoid, tanh,
ReLU and identity layers. Notebook 01 has the learner write sigmoid and sigmoid'; notebook 05
has them write tanh' and ReLU' and study how large each derivative can be.
"""
import numpy as np

from .delegation import refuse


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^(-z)), elementwise; no overflow or warning for any finite z.

    Uses e^(-|z|), which lies in (0, 1]: sigma(z) = 1/(1 + e^(-z)) for z >= 0 and
    e^(z)/(1 + e^(z)) for z < 0.
    """
    refuse({"sigmoid"}, "the course's sigmoid (activation('sigmoid'))")
    z = _f64(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), elementwise; at most 1/4 (at z = 0)."""
    refuse({"sigmoid_prime"}, "the course's sigma' (activation('sigmoid'))")
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """tanh(z), elementwise."""
    return np.tanh(_f64(z))


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2, elementwise; at most 1 (at z = 0)."""
    refuse({"tanh_prime"}, "the course's tanh' (activation('tanh'))")
    return 1.0 - np.tanh(_f64(z)) ** 2


def relu(z):
    """ReLU(z) = max(z, 0), elementwise."""
    return np.maximum(_f64(z), 0.0)


def relu_prime(z):
    """ReLU'(z) = 1 for z > 0, 0 for z < 0; the course takes 0 at z = 0."""
    refuse({"relu_prime"}, "the course's ReLU' (activation('relu'))")
    return (_f64(z) > 0).astype(np.float64)


def identity(z):
    """f(z) = z (a linear output layer)."""
    return _f64(z).copy()


def identity_prime(z):
    """f'(z) = 1, elementwise."""
    return np.ones_like(_f64(z))


def softmax(Z):
    """a_j = e^(z_j) / sum_k e^(z_k) for each column of Z (units, samples): positive, each column
    sums to 1. Computed from z - max_k z_k, which gives the same value without overflow."""
    Z = _f64(Z)
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "identity": (identity, identity_prime),
}


def activation(name):
    """(f, f') for an activation name: 'sigmoid', 'tanh', 'relu' or 'identity'."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; use one of {sorted(ACTIVATIONS)}") from None
