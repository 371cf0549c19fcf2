"""Activation functions f and their derivatives f', elementwise on float64 arrays.

Shipped to learners: notebooks 02-05 use these so that a network can mix sigmoid, ReLU and
identity layers. sigma and sigma' are notebook 01's exercises and ReLU' is notebook 05's: here
they are building blocks for the later notebooks, and they refuse to stand in for the learner's
own while a check runs it (grader.learner.delegation). tanh' is notebook 05's derive-it-yourself
exercise, so it is not here: notebook 05 adds tanh with the learner's own tanh' (define).

The reference (grader.course.reference) uses the plain functions, PLAIN.
"""

import numpy as np

from .delegation import refuse


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def _sigmoid(z):
    """sigma(z) = 1 / (1 + e^(-z)), elementwise; no overflow or warning for any finite z.

    Uses e^(-|z|), which lies in (0, 1]: sigma(z) = 1/(1 + e^(-z)) for z >= 0 and
    e^(z)/(1 + e^(z)) for z < 0.
    """
    z = _f64(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), elementwise; at most 1/4 (at z = 0)."""
    s = _sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """tanh(z), elementwise (its derivative is notebook 05's exercise: see define)."""
    return np.tanh(_f64(z))


def relu(z):
    """ReLU(z) = max(z, 0), elementwise."""
    return np.maximum(_f64(z), 0.0)


def _relu_prime(z):
    """ReLU'(z) = 1 for z > 0, 0 for z < 0; the course takes 0 at z = 0."""
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


def _building_block(item, what, plain):
    """plain, refusing to run while the learner's `item` is being checked."""

    def block(z):
        refuse({item}, what)
        return plain(z)

    block.__name__, block.__doc__ = item, plain.__doc__
    return block


sigmoid = _building_block("sigmoid", "the course's sigmoid (activation('sigmoid'))", _sigmoid)
sigmoid_prime = _building_block("sigmoid_prime", "the course's sigma' (activation('sigmoid'))", _sigmoid_prime)
relu_prime = _building_block("relu_prime", "the course's ReLU' (activation('relu'))", _relu_prime)

PLAIN = {"sigmoid": (_sigmoid, _sigmoid_prime), "relu": (relu, _relu_prime), "identity": (identity, identity_prime)}
ACTIVATIONS = {"sigmoid": (sigmoid, sigmoid_prime), "relu": (relu, relu_prime), "identity": (identity, identity_prime)}


def activation(name):
    """(f, f') for an activation name: 'sigmoid', 'relu' or 'identity' (or one added by define)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; use one of {sorted(ACTIVATIONS)}") from None


def define(name, f, f_prime):
    """Add an activation for this session, e.g. define("tanh", np.tanh, tanh_prime) in notebook 05
    with the learner's own tanh'."""
    ACTIVATIONS[name] = (f, f_prime)
