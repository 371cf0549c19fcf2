"""Inputs that several notebooks' items draw: values of z for elementwise functions, and networks
of any depth (the designed ones every seed tries, and random ones)."""
import numpy as np

from . import reference as R


def z_values(rng):
    shape = tuple(int(s) for s in rng.integers(1, 6, size=rng.integers(1, 3)))
    z = rng.normal(0.0, 1.0, shape) * rng.choice([1.0, 6.0], shape)   # the middle and the slopes
    special = [0.0] + list(rng.permutation([-1000.0, -40.0, 40.0, 1000.0]))   # the kink, the far tails
    k = min(z.size, len(special))
    z.flat[:k] = special[:k]                      # 0 every time: relu_prime(0) is decided there
    return (z,)


def z_first(rng):
    """Every special value at once, and more: 0, both tails, both sides of 0 (so that ReLU' = 1
    everywhere and ReLU'(0) = 1 differ on the first input)."""
    z = rng.normal(0.0, 2.0, int(rng.integers(6, 12)))
    z[:6] = [0.0, -1000.0, -40.0, 40.0, 1000.0, -abs(z[5]) - 0.1]
    return (rng.permutation(z),)


def z_designed(rng):
    """The special values in a vector, and again in a matrix (an elementwise function keeps
    shapes), and a fine grid over [-8, 8] (a formula that changes at the wrong point shows)."""
    z = rng.normal(0.0, 3.0, (3, 4))
    z.flat[rng.permutation(12)[:5]] = [0.0, -1000.0, -40.0, 40.0, 1000.0]
    return [z_first(rng), (z,), (np.linspace(-8.0, 8.0, 161).reshape(7, 23),)]


NAMES = ("sigmoid", "relu", "identity")      # not tanh: its derivative is notebook 05's exercise


def random_sizes(rng, low=1, high=6):
    L = int(rng.integers(1, 5))
    return [int(v) for v in rng.integers(low, high, L + 1)]


def random_net(rng, square=False):
    """Random (W, b, X, f): 1-4 layers of 1-5 units (all of one width if square), 1-5 samples,
    one activation or a mix."""
    sizes = random_sizes(rng)
    if square:
        sizes = [int(rng.integers(2, 5))] * max(len(sizes), 3)
    W, b = R.init_params(sizes, "lecun_normal", rng)
    b = [None] + [rng.normal(0, 0.5, bl.shape) for bl in b[1:]]
    L = len(sizes) - 1
    f = str(rng.choice(NAMES)) if rng.uniform() < 0.4 else [str(v) for v in rng.choice(NAMES, L)]
    return W, b, rng.normal(0, 1, (sizes[0], int(rng.integers(1, 6)))), f


# Designed networks (widths, activations, samples): three layers, two, four and one; widths that
# differ from each other and from the number of samples (a transposed matrix or the wrong axis
# then shows), one square net (there W where W^T belongs gives a value instead of an error), one
# sample and several, every activation, alone and mixed. The first is the most telling (curved
# activations, every shape different): a message describes the first input that fails.
NETS = [([2, 5, 4, 3], ["relu", "sigmoid", "sigmoid"], 6),
        ([4, 3, 2], ["relu", "identity"], 5),
        ([5, 5, 5, 5], "sigmoid", 4),        # wider than _square_backward_case's: a second square shape
        ([5, 4, 6, 3, 2], ["sigmoid", "relu", "identity", "sigmoid"], 1),
        ([3, 2], "identity", 1)]


def designed_net(rng, sizes, f, n):
    W, b = R.init_params(sizes, "lecun_normal", rng)
    b = [None] + [rng.normal(0, 0.5, bl.shape) for bl in b[1:]]
    return W, b, rng.normal(0, 1, (sizes[0], n)), f


def nets_designed(rng):
    return [designed_net(rng, *net) for net in NETS]
