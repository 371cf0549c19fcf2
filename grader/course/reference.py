"""The course's reference implementation of backpropagation (float64 numpy).

One small pure function per equation, in the course's notation (README, "Notation"):

    layer l = 1..L, n_l units in layer l, a^(0) = x the input, n samples in a batch
    z^(l) = W^(l) a^(l-1) + b^(l)          W^(l): (n_l, n_{l-1})   b^(l): (n_l, 1)
    a^(l) = f_l(z^(l))
    delta^(l) = dC/dz^(l)

Conventions used everywhere in the course:
- A batch is stored column-wise: A^(l) has shape (n_l, n), one column per sample, so the
  single-sample equations hold unchanged for a batch.
- Per-layer quantities live in lists indexed by the layer number, exactly as in the maths:
  W[l] is W^(l), A[l] is a^(l) with A[0] = x, and index 0 of W, b, Z, delta, dW, db is None.
- No function modifies its arguments.

How the sources' symbols map onto this notation is tabulated in the README.
"""

import numpy as np

from ..learner.activations import PLAIN, identity, identity_prime, relu, softmax  # noqa: F401
from ..learner.costs import COSTS, cost_functions, cross_entropy, half_sse, half_sse_grad, mse, mse_grad, sse, sse_grad  # noqa: F401
from ..learner.gradcheck import (  # noqa: F401  (re-exported)
    _central_differences as numerical_gradient,  # noqa: F401  (re-exported)
    norm_rel_error,
    rel_error,
)


def _f64(x):
    return np.asarray(x, dtype=np.float64)


_PLAIN_SIGMOID, _PLAIN_SIGMOID_PRIME = PLAIN["sigmoid"]
_PLAIN_RELU_PRIME = PLAIN["relu"][1]


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^(-z)), elementwise, without overflow (the learners' building block,
    used here without its refusal to stand in for a learner's sigmoid under test)."""
    return _PLAIN_SIGMOID(z)


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), elementwise."""
    return _PLAIN_SIGMOID_PRIME(z)


def relu_prime(z):
    """ReLU'(z) = 1 for z > 0, 0 for z <= 0."""
    return _PLAIN_RELU_PRIME(z)


def tanh(z):
    """tanh(z), elementwise."""
    return np.tanh(_f64(z))


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2, elementwise; at most 1 (at z = 0). Notebook 05's derive-it-yourself
    exercise, so not in the learners' grader.learner.activations."""
    return 1.0 - np.tanh(_f64(z)) ** 2


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "identity": (identity, identity_prime),
}


def activation(name):
    """(f, f') for 'sigmoid', 'tanh', 'relu' or 'identity'."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; use one of {sorted(ACTIVATIONS)}") from None


# ---------------------------------------------------------------------------------------------
# A chain of one-neuron layers (notebook 01): a^(l) = sigma(w^(l) a^(l-1) + b^(l)), C0 = (a^(L) - y)^2.
# w and b are lists indexed by layer, w[0] = b[0] = None; x, y and every a^(l): (n,) or scalars.
# ---------------------------------------------------------------------------------------------


def neuron(w, b, a_prev):
    """One sigmoid neuron: z = w a_prev + b, a = sigma(z). Returns (z, a), elementwise over samples."""
    z = w * _f64(a_prev) + b
    return z, sigmoid(z)


def last_layer_grads(a_prev, w, b, y):
    """The three chain-rule products for C0 = (a - y)^2, a = sigma(z), z = w a_prev + b:

        dC0/dw      = a_prev * sigma'(z) * 2 (a - y)
        dC0/db      =      1 * sigma'(z) * 2 (a - y)
        dC0/da_prev =      w * sigma'(z) * 2 (a - y)

    Per sample (elementwise), not averaged. Returns (dC0/dw, dC0/db, dC0/da_prev).
    """
    z, a = neuron(w, b, a_prev)
    dC_dz = sigmoid_prime(z) * 2.0 * (a - _f64(y))
    return _f64(a_prev) * dC_dz, dC_dz, w * dC_dz


def bce_grads(a_prev, w, b, y):
    """The three chain-rule products for the binary cross-entropy C = -(y ln a + (1 - y) ln(1 - a)),
    a = sigma(z), z = w a_prev + b (notebook 01's derive-it-yourself exercise):

        dC/da = (a - y) / (a (1 - a)),  sigma'(z) = a (1 - a),  so  dC/dz = a - y
        dC/dw = a_prev (a - y),   dC/db = a - y,   dC/da_prev = w (a - y)

    Per sample (elementwise). Returns (dC/dw, dC/db, dC/da_prev).
    """
    _, a = neuron(w, b, a_prev)
    dC_dz = a - _f64(y)
    return _f64(a_prev) * dC_dz, dC_dz, w * dC_dz


def chain_forward(w, b, x):
    """Activations of the chain: a^(0) = x, a^(l) = sigma(w^(l) a^(l-1) + b^(l)), l = 1..L.

    Returns the list [a^(0), a^(1), ..., a^(L)] (L = len(w) - 1), each shaped like x.
    """
    a = [_f64(x)]
    for l in range(1, len(w)):
        a.append(neuron(w[l], b[l], a[l - 1])[1])
    return a


def chain_cost(w, b, x, y):
    """C = (1/n) sum_samples (a^(L) - y)^2, the chain's cost averaged over the n samples."""
    return mse(chain_forward(w, b, x)[-1], y)


def chain_backward(w, b, x, y):
    """Gradients of C = (1/n) sum (a^(L) - y)^2 for every layer of the chain:

        dC/da^(L)   = 2 (a^(L) - y) / n                      (per sample)
        dC/dz^(l)   = sigma'(z^(l)) dC/da^(l),  with sigma'(z^(l)) = a^(l) (1 - a^(l))
        dC/dw^(l)   = sum_samples a^(l-1) dC/dz^(l)
        dC/db^(l)   = sum_samples dC/dz^(l)
        dC/da^(l-1) = w^(l) dC/dz^(l)                        (recurse to layer l - 1)

    Returns (dw, db): lists indexed by layer, dw[0] = db[0] = None, entries floats.
    """
    a = chain_forward(w, b, x)
    L = len(w) - 1
    dw, db = [None] * (L + 1), [None] * (L + 1)
    dC_da = mse_grad(a[L], y)
    for l in range(L, 0, -1):
        dC_dz = a[l] * (1.0 - a[l]) * dC_da
        dw[l] = float(np.sum(a[l - 1] * dC_dz))
        db[l] = float(np.sum(dC_dz))
        dC_da = w[l] * dC_dz
    return dw, db


# ---------------------------------------------------------------------------------------------
# Dense layers in batch form (notebooks 02-05). A^(l): (n_l, n), one column per sample.
# ---------------------------------------------------------------------------------------------


def dense_forward(W, b, A_prev, f="sigmoid"):
    """z^(l) = W^(l) a^(l-1) + b^(l),  a^(l) = f_l(z^(l)).

    W: (n_l, n_{l-1}), b: (n_l, 1), A_prev: (n_{l-1}, n)  ->  (Z, A), each (n_l, n).
    """
    Z = _f64(W) @ _f64(A_prev) + _f64(b)
    return Z, activation(f)[0](Z)


def output_delta(A_L, Y, Z_L, f="sigmoid", cost="half_sse"):
    """delta^(L) = dC/da^(L) ⊙ f_L'(z^(L)).  All arguments and the result: (n_L, n)."""
    return cost_functions(cost)[1](A_L, Y) * activation(f)[1](Z_L)


def hidden_delta(W_next, delta_next, Z, f="sigmoid"):
    """delta^(l) = f_l'(z^(l)) ⊙ (W^(l+1))^T delta^(l+1).

    W_next: (n_{l+1}, n_l), delta_next: (n_{l+1}, n), Z: (n_l, n)  ->  (n_l, n).
    """
    return activation(f)[1](Z) * (_f64(W_next).T @ _f64(delta_next))


def weight_grad(delta, A_prev):
    """dC/dW^(l) = delta^(l) (a^(l-1))^T, summed over the batch by the matrix product.

    delta: (n_l, n), A_prev: (n_{l-1}, n)  ->  (n_l, n_{l-1}), the shape of W^(l).
    """
    return _f64(delta) @ _f64(A_prev).T


def bias_grad(delta):
    """dC/db^(l) = delta^(l), summed over the batch: (n_l, n) -> (n_l, 1), the shape of b^(l)."""
    return np.sum(_f64(delta), axis=1, keepdims=True)


def dense_backward(dA, Z, A_prev, W, f="sigmoid"):
    """One layer backwards, given dC/da^(l):

        delta^(l) = dC/da^(l) ⊙ f_l'(z^(l));  dW^(l) = delta^(l) (a^(l-1))^T;
        db^(l) = sum_samples delta^(l);        dC/da^(l-1) = (W^(l))^T delta^(l)

    dA, Z: (n_l, n), A_prev: (n_{l-1}, n), W: (n_l, n_{l-1}).  Returns (delta, dW, db, dA_prev).
    """
    delta = _f64(dA) * activation(f)[1](Z)
    return delta, weight_grad(delta, A_prev), bias_grad(delta), _f64(W).T @ delta


# ---------------------------------------------------------------------------------------------
# Several outputs (notebook 03)
# ---------------------------------------------------------------------------------------------


def perceptron_grad(W, x, t):
    """One sigmoid layer with m outputs and no hidden layer, O = sigma(W x),
    E = 1/2 sum_k (O_k - t_k)^2:

        dE/dW_kj = (O_k - t_k) O_k (1 - O_k) x_j

    (W_kj is w_jk of seed 004: the weight from input j to output k.) Only output k depends on
    row k of W, so row k of the gradient is output k's term alone.
    W: (m, d), x: (d,), t: (m,)  ->  (m, d).
    """
    x, t = _f64(x), _f64(t)
    O = sigmoid(_f64(W) @ x)
    return np.outer((O - t) * O * (1.0 - O), x)


def one_hidden_grads(W1, b1, W2, b2, X, Y, f1="sigmoid", f2="sigmoid", average=False):
    """Gradients of a one-hidden-layer network over n samples (seed 000's setting: d inputs,
    p hidden units, m outputs), E = 1/2 sum_samples sum_j (a^(2)_j - y_j)^2:

        delta^(2) = (a^(2) - y) ⊙ f2'(z^(2))                          (m, n)
        delta^(1) = f1'(z^(1)) ⊙ (W^(2))^T delta^(2)                   (p, n): a sum over all m outputs
        dW^(2) = delta^(2) (a^(1))^T,  db^(2) = sum_samples delta^(2)  (m, p), (m, 1)
        dW^(1) = delta^(1) X^T,        db^(1) = sum_samples delta^(1)  (p, d), (p, 1)

    W1: (p, d), b1: (p, 1), W2: (m, p), b2: (m, 1), X: (d, n), Y: (m, n).
    average=True divides every gradient by n (the gradient of E/n).
    Returns (dW1, db1, dW2, db2).
    """
    Z1, A1 = dense_forward(W1, b1, X, f1)
    Z2, A2 = dense_forward(W2, b2, A1, f2)
    delta2 = output_delta(A2, Y, Z2, f2, "half_sse")
    delta1 = hidden_delta(W2, delta2, Z1, f1)
    grads = (weight_grad(delta1, X), bias_grad(delta1), weight_grad(delta2, A1), bias_grad(delta2))
    n = _f64(X).shape[1]
    return tuple(g / n for g in grads) if average else grads


def softmax_ce_grads(W1, b1, W2, b2, X, Y, f1="sigmoid"):
    """Gradients of a network with one hidden layer (activation f1) and a softmax output layer,
    for the cross-entropy summed over the n samples, C = -sum_samples sum_j y_j ln a^(2)_j, with
    targets whose columns sum to 1 (notebook 03's derive-it-yourself exercise):

        dC/dz^(2)_j = sum_k (-y_k / a_k) a_k (1[j = k] - a_j) = a_j sum_k y_k - y_j,  so
        delta^(2) = a^(2) - y                                          (m, n)
        delta^(1) = f1'(z^(1)) ⊙ (W^(2))^T delta^(2)                    (p, n)
        dW^(2) = delta^(2) (a^(1))^T, db^(2) = sum_samples delta^(2); dW^(1), db^(1) likewise.

    Shapes as one_hidden_grads. Returns (dW1, db1, dW2, db2).
    """
    Z1, A1 = dense_forward(W1, b1, X, f1)
    A2 = softmax(_f64(W2) @ A1 + _f64(b2))
    delta2 = A2 - _f64(Y)
    delta1 = hidden_delta(W2, delta2, Z1, f1)
    return weight_grad(delta1, X), bias_grad(delta1), weight_grad(delta2, A1), bias_grad(delta2)


# ---------------------------------------------------------------------------------------------
# L layers
# ---------------------------------------------------------------------------------------------


def layer_activations(f, L):
    """[None, f_1, ..., f_L] from one activation name (all layers) or a sequence of L names."""
    names = [f] * L if isinstance(f, str) else list(f)
    if len(names) != L:
        raise ValueError(f"{len(names)} activations given for {L} layers")
    for name in names:
        activation(name)
    return [None] + names


def param_count(sizes):
    """Number of weights and biases of a dense net with layer widths sizes = [n_0, ..., n_L]:
    sum_l (n_l n_{l-1} + n_l).  E.g. [784, 16, 16, 10] -> 13002."""
    return int(sum(n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))


# The schemes by their names in the literature; the aliases other courses use are not accepted, because
# they disagree: deeplearning.ai's "Xavier" is N(0, 1/n_in) (LeCun's), Glorot & Bengio's is uniform.
INIT_SCHEMES = ("small", "lecun_normal", "glorot_uniform", "glorot_normal", "he_normal")


def init_std(scheme, n_in, n_out):
    """The standard deviation of W^(l)'s entries under `scheme`, for n_in = n_{l-1}, n_out = n_l."""
    return {
        "small": 0.01,
        "lecun_normal": np.sqrt(1.0 / n_in),
        "glorot_uniform": np.sqrt(2.0 / (n_in + n_out)),
        "glorot_normal": np.sqrt(2.0 / (n_in + n_out)),
        "he_normal": np.sqrt(2.0 / n_in),
    }[scheme]


def init_params(sizes, scheme="glorot_uniform", rng=None):
    """Initial (W, b) for layer widths sizes = [n_0, ..., n_L]; b^(l) = 0 and

        'small'          : W^(l) ~ N(0, 0.01^2)                        (a naive small Gaussian)
        'lecun_normal'   : W^(l) ~ N(0, 1/n_{l-1})                     (LeCun et al. 1998; Nielsen ch. 3)
        'glorot_uniform' : W^(l) ~ U[-r, r], r = sqrt(6 / (n_{l-1} + n_l))   (Glorot & Bengio 2010)
        'glorot_normal'  : W^(l) ~ N(0, 2 / (n_{l-1} + n_l))           (the same spread, Gaussian)
        'he_normal'      : W^(l) ~ N(0, 2/n_{l-1})                     (He et al. 2015, for ReLU)

    rng: a seed or a numpy Generator. Returns lists W, b indexed by layer (W[0] = b[0] = None);
    W[l]: (n_l, n_{l-1}), b[l]: (n_l, 1).
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"unknown initialisation {scheme!r}; use one of {', '.join(INIT_SCHEMES)}")
    rng = np.random.default_rng(rng)
    W, b = [None], [None]
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if scheme == "glorot_uniform":
            r = np.sqrt(6.0 / (n_in + n_out))  # U[-r, r] has standard deviation r / sqrt(3)
            Wl = rng.uniform(-r, r, (n_out, n_in))
        else:
            Wl = rng.normal(0.0, init_std(scheme, n_in, n_out), (n_out, n_in))
        W.append(Wl)
        b.append(np.zeros((n_out, 1)))
    return W, b


def forward(W, b, X, f="sigmoid"):
    """Forward pass with caches: Z[l] = W^(l) A[l-1] + b^(l), A[l] = f_l(Z[l]) for l = 1..L.

    W, b: lists indexed by layer (index 0 None); X: (n_0, n).  f: one activation name or L names.
    Returns (Z, A): Z[0] = None, A[0] = X; Z[l], A[l]: (n_l, n).
    """
    L = len(W) - 1
    fs = layer_activations(f, L)
    Z, A = [None], [_f64(X)]
    for l in range(1, L + 1):
        Zl, Al = dense_forward(W[l], b[l], A[l - 1], fs[l])
        Z.append(Zl)
        A.append(Al)
    return Z, A


def backward(W, Z, A, Y, f="sigmoid", cost="half_sse"):
    """Backward pass over all layers, from the caches of forward():

        delta^(L) = dC/da^(L) ⊙ f_L'(z^(L))
        delta^(l) = f_l'(z^(l)) ⊙ (W^(l+1))^T delta^(l+1),   l = L-1, ..., 1
        dW^(l) = delta^(l) (a^(l-1))^T,   db^(l) = sum_samples delta^(l)

    Returns (delta, dW, db), lists indexed by layer with index 0 None.
    """
    L = len(W) - 1
    fs = layer_activations(f, L)
    delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    delta[L] = output_delta(A[L], Y, Z[L], fs[L], cost)
    for l in range(L, 0, -1):
        if l < L:
            delta[l] = hidden_delta(W[l + 1], delta[l + 1], Z[l], fs[l])
        dW[l] = weight_grad(delta[l], A[l - 1])
        db[l] = bias_grad(delta[l])
    return delta, dW, db


def l2_gradients(W, b, X, Y, lam, f="sigmoid", cost="half_sse"):
    """Gradients of the L2-regularised cost C_reg = C + (lam / 2) sum_l ||W^(l)||_F^2 (notebook
    04's derive-it-yourself exercise): the penalty adds lam W^(l) to each weight gradient and
    nothing to the biases, which it does not contain:

        dC_reg/dW^(l) = dC/dW^(l) + lam W^(l),   dC_reg/db^(l) = dC/db^(l)

    Returns (dW, db), lists indexed by layer (index 0 None).
    """
    _, dW, db = backward(W, *forward(W, b, X, f), Y, f, cost)
    return [None] + [dW[l] + lam * _f64(W[l]) for l in range(1, len(W))], db


def predict(W, b, X, f="sigmoid"):
    """Predicted class of each sample: the index of the largest output, argmax_k a^(L)_k.
    X: (n_0, n) -> integer array (n,)."""
    return np.argmax(forward(W, b, X, f)[1][-1], axis=0)


def delta_bound(W, delta_L, fprime_max):
    """Upper bounds on ||delta^(l)|| from delta^(l) = f_l'(z^(l)) ⊙ (W^(l+1))^T delta^(l+1):

        bound_L = ||delta^(L)||,   bound_l = fprime_max ||W^(l+1)||_2 bound_{l+1}

    where ||W||_2 is the spectral norm (largest singular value) and fprime_max bounds |f_l'|
    on the hidden layers (1/4 for sigmoid, 1 for tanh and ReLU). Norms of a batch (n_l, n) are
    Frobenius norms; the bound holds column by column and so for the batch.
    W: list indexed by layer; delta_L: (n_L, n) or (n_L,). Returns [None, bound_1, ..., bound_L].
    """
    L = len(W) - 1
    bound = [None] * (L + 1)
    bound[L] = float(np.linalg.norm(_f64(delta_L)))
    for l in range(L - 1, 0, -1):
        bound[l] = float(fprime_max * np.linalg.norm(_f64(W[l + 1]), 2) * bound[l + 1])
    return bound


def layer_speeds(W, b, X, Y, f="sigmoid"):
    """Nielsen's "speed of learning" of each layer: ||dC/db^(l)|| for C = mse, the squared error
    averaged over the n samples, i.e. the norm of the mean over samples of delta^(l).
    Returns [None, s_1, ..., s_L]."""
    Z, A = forward(W, b, X, f)
    _, _, db = backward(W, Z, A, Y, f, "mse")
    return [None] + [float(np.linalg.norm(db[l])) for l in range(1, len(W))]


def loss(W, b, X, Y, f="sigmoid", cost="half_sse"):
    """The cost C of the network's output a^(L) on the batch (X, Y)."""
    return cost_functions(cost)[0](forward(W, b, X, f)[1][-1], Y)


def gd_step(W, b, dW, db, lr):
    """One gradient-descent step on every layer: W^(l) <- W^(l) - lr dW^(l), b^(l) <- b^(l) - lr db^(l).

    Returns new lists (index 0 None); the arguments are left as they were.
    """
    new_W = [None] + [W[l] - lr * dW[l] for l in range(1, len(W))]
    new_b = [None] + [b[l] - lr * db[l] for l in range(1, len(b))]
    return new_W, new_b


def train(W, b, X, Y, f="sigmoid", cost="half_sse", lr=0.5, epochs=1, batch_size=None, rng=None):
    """Gradient descent: forward, backward, gd_step, over mini-batches of columns of (X, Y).

    batch_size None means full batch (one step per epoch). Mini-batches are drawn by a
    permutation from rng each epoch. Returns (W, b, losses) with losses[e] the cost on the
    whole of (X, Y) after epoch e (losses[0] is before training).
    """
    rng = np.random.default_rng(rng)
    X, Y = _f64(X), _f64(Y)
    n = X.shape[1]
    size = n if batch_size is None else batch_size
    losses = [loss(W, b, X, Y, f, cost)]
    for _ in range(epochs):
        order = np.arange(n) if batch_size is None else rng.permutation(n)
        for start in range(0, n, size):
            cols = order[start : start + size]
            Z, A = forward(W, b, X[:, cols], f)
            _, dW, db = backward(W, Z, A, Y[:, cols], f, cost)
            W, b = gd_step(W, b, dW, db, lr)
        losses.append(loss(W, b, X, Y, f, cost))
    return W, b, losses
