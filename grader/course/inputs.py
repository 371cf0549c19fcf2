"""Inputs that several notebooks' items draw: values of z for elementwise functions, and networks
of any depth (the designed ones every seed tries, and random ones); and the rule that every
item's designed inputs follow.

The designed inputs: one rule per kind of argument
--------------------------------------------------
An item's designed inputs are tried on every seed; its random inputs change from seed to seed. A
branch of the specification that only random inputs reach is judged on some seeds and not on
others, and an answer wrong on that branch alone passes on the others (a lucky seed). So every
item's designed inputs cover every branch its random inputs can reach, by one rule per kind of
argument, stated over the input's *dimensions* (`dimensions` below: each axis length of each
array, of each layer's array in a per-layer list, each width in a list of widths, and the number
of layers L of each list; the two axes of a matrix are a pair, so "square or not" is a pair):

  D1  every dimension: 1 in one designed input and more than 1 in another (one sample and
      several, one output and several, one unit in a layer and several, L = 1 and L > 1);
  D2  every pair of dimensions: equal, at 2 or more, in one designed input and different in
      another (every matrix square once and not square once; m = n and m != n; a width equal to
      the number of samples, or to L, and not; ...). Equal at 1 does not count: transposing a
      1 x 1 matrix or summing over an axis of length 1 changes nothing;
  C   every count, an integer argument that is not a seed (train's steps): 1, a few, and more than
      CAPPED, above the round numbers a learner's loop might stop at (10, 20, 50, 64, 100, 128,
      200, 256);
  F   every flag and name (average, update_biases, a scheme, a cost, an activation): each value.

D1 and D2 apply where the item's random inputs can take both sides: b^(l) has one column in every
input, W1 and b1 always as many rows, so they ask nothing there. Three designed inputs meet D1 and
D2 for any number of dimensions: one whose dimensions are all one k >= 2 (with L = k too: EQUAL
below), one whose dimensions all differ, and one whose dimensions are all 1 (ONES below).
tests/course/test_designed.py checks D1, D2 and C on every item, against the random inputs the item draws,
on many seeds; `branches` and `net_branches` give the matching "wrong on one branch only" mutants
(Item.partial, grader.course.item), which tests/authoring/test_mutants.py judges on 200 seeds each.
"""

import numpy as np

from . import reference as R

CAPPED = 256  # rule C: one designed count above this
ABOVE_CAPS = 300  # ... namely this one (train's 300 steps cost about 0.1 s to judge)


def dimensions(args, names):
    """{label: size}: every dimension of one input that rules D1 and D2 look at. `names` are the
    item's parameter names. An array gives each axis (`X.shape[1]`), a per-layer list each layer's
    axes (`W[2].shape[0]`) or widths (`sizes[1]`), and every list its number of layers (`L(W)`,
    len(W) - 1: index 0 is unused, or the input). Names, flags, numbers and dicts give none."""
    found = {}
    for name, arg in zip(names, args):
        if isinstance(arg, np.ndarray):
            found.update({f"{name}.shape[{a}]": int(s) for a, s in enumerate(arg.shape)})
        elif isinstance(arg, list) and not all(isinstance(v, str) for v in arg):
            found[f"L({name})"] = len(arg) - 1
            for l, v in enumerate(arg):
                if isinstance(v, np.ndarray):
                    found.update({f"{name}[{l}].shape[{a}]": int(s) for a, s in enumerate(v.shape)})
                elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                    found[f"{name}[{l}]"] = int(v)
    return found


def counts(args, names):
    """{name: value} of the integer arguments that rule C looks at: every int but a seed (`rng`)."""
    return {
        name: int(a)
        for name, a in zip(names, args)
        if isinstance(a, (int, np.integer)) and not isinstance(a, bool) and name not in ("rng", "seed")
    }


def branches(dims):
    """The branches rules D1 and D2 cover, as conditions on an item's arguments, for the mutants
    that are wrong on one of them only: [(kind, description, condition)] for dims = {name: Python
    expression}, e.g. {"m": "W2.shape[0]", "n": "X.shape[1]"}: each dimension 1, each pair equal."""
    found = [(f"{a}-is-1", f"wrong only when {a} = 1", f"{e} == 1") for a, e in dims.items()]
    names = list(dims)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            found.append((f"{a}-equals-{b}", f"wrong only when {a} = {b}", f"{dims[a]} == {dims[b]} > 1"))
    return found


def net_branches(W="W", n=None, widths=None):
    """`branches` for a network's arguments, whatever its depth: some W^(l) square, two widths
    equal, some layer of one unit, some layer L units wide, L = 1, and with n (the expression for
    the number of samples) one sample and some layer n units wide. `widths`: the expression for
    [n_0, ..., n_L] where there is no W (param_count's sizes)."""
    widths = widths or f"[{W}[1].shape[1]] + [w.shape[0] for w in {W}[1:]]"
    found = [
        (
            "square-W",
            "wrong only when some W^(l) is square",
            f"any(a == b > 1 for a, b in zip({widths}, {widths}[1:]))",
        ),
        (
            "equal-widths",
            "wrong only when two layers are as wide",
            f"any({widths}.count(a) > 1 for a in {widths} if a > 1)",
        ),
        ("one-unit", "wrong only when some layer has one unit", f"1 in {widths}"),
        (
            "width-is-L",
            "wrong only when some layer is L units wide",
            f"len({widths}) > 2 and len({widths}) - 1 in {widths}",
        ),
        ("L-is-1", "wrong only for L = 1", f"len({widths}) == 2"),
    ]
    if n:
        found += [
            ("n-is-1", "wrong only for one sample", f"{n} == 1"),
            ("width-is-n", "wrong only when some layer is n units wide", f"{n} > 1 and {n} in {widths}"),
        ]
    return found


def wrong_on(found, change, skip=()):
    """Item.partial entries (grader.course.item): (kind, description, condition, change) for each
    branch in `found` (from `branches` or `net_branches`) but those whose kind is in `skip`."""
    return [(kind, description, condition, change) for kind, description, condition in found if kind not in skip]


# An elementwise function's branches (rules D1, D2 on z's axes), as Item.partial entries.
Z_PARTIAL = [
    (
        "square",
        "z.T for z when z is a square matrix",
        "np.ndim(z) == 2 and np.shape(z)[0] == np.shape(z)[1] > 1",
        "out = np.transpose(out)",
    ),
    (
        "one-row",
        "wrong only when z has one row (or one entry)",
        "np.ndim(z) >= 1 and np.shape(z)[0] == 1",
        "out = out + 0.01",
    ),
    ("one-column", "wrong only when z has one column", "np.ndim(z) == 2 and np.shape(z)[1] == 1", "out = out + 0.01"),
]


def z_values(rng):
    shape = tuple(int(s) for s in rng.integers(1, 6, size=rng.integers(1, 3)))
    z = rng.normal(0.0, 1.0, shape) * rng.choice([1.0, 6.0], shape)  # the middle and the slopes
    special = [0.0] + list(rng.permutation([-1000.0, -40.0, 40.0, 1000.0]))  # the kink, the far tails
    k = min(z.size, len(special))
    z.flat[:k] = special[:k]  # 0 every time: relu_prime(0) is decided there
    return (z,)


def z_first(rng):
    """Every special value at once, and more: 0, both tails, both sides of 0 (so that ReLU' = 1
    everywhere and ReLU'(0) = 1 differ on the first input)."""
    z = rng.normal(0.0, 2.0, int(rng.integers(6, 12)))
    z[:6] = [0.0, -1000.0, -40.0, 40.0, 1000.0, -abs(z[5]) - 0.1]
    return (rng.permutation(z),)


def z_designed(rng):
    """The special values in a vector, and again in a matrix (an elementwise function keeps
    shapes), and a fine grid over [-8, 8] (a formula that changes at the wrong point shows).
    Rules D1, D2: the matrix is not square, the grid is (13 x 13: z.T in place of z gives a value,
    not a shape error), and a 1 x 1 matrix has an axis of length 1 each way."""
    z = rng.normal(0.0, 3.0, (3, 4))
    z.flat[rng.permutation(12)[:5]] = [0.0, -1000.0, -40.0, 40.0, 1000.0]
    return [z_first(rng), (z,), (np.linspace(-8.0, 8.0, 169).reshape(13, 13),), (rng.normal(0.0, 3.0, (1, 1)),)]


NAMES = ("sigmoid", "relu", "identity")  # not tanh: its derivative is notebook 05's exercise


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
# then shows), square nets (there W where W^T belongs gives a value instead of an error), one
# sample and several, every activation, alone and mixed. The first is the most telling (curved
# activations, every shape different): a message describes the first input that fails.
# Rules D1 and D2 for networks of up to four layers (random_net's depth): EQUAL, every width, the
# number of samples and L all 4 (every W square, every width equal to n and to L), and ONES, every
# width and n all 1; the first and [5, 4, 6, 3, 2] have every dimension different. Neither has a
# ReLU layer (all its units can be off, and every gradient below it 0: no mistake there would show)
# nor a run of sigmoid layers (a single unit's gradient can shrink below the tolerance's floor).
EQUAL = ([4, 4, 4, 4, 4], ["sigmoid", "identity", "identity", "sigmoid"], 4)
ONES = ([1, 1, 1, 1, 1], ["identity", "identity", "identity", "sigmoid"], 1)
NETS = [
    ([2, 5, 4, 3], ["relu", "sigmoid", "sigmoid"], 6),
    ([4, 3, 2], ["relu", "identity"], 5),
    ([5, 5, 5, 5], "sigmoid", 4),  # wider than _square_backward_case's: a second square shape
    ([5, 4, 6, 3, 2], ["sigmoid", "relu", "identity", "sigmoid"], 1),
    ([3, 2], "identity", 1),
    EQUAL,
    ONES,
]


def designed_net(rng, sizes, f, n):
    W, b = R.init_params(sizes, "lecun_normal", rng)
    b = [None] + [rng.normal(0, 0.5, bl.shape) for bl in b[1:]]
    return W, b, rng.normal(0, 1, (sizes[0], n)), f


def nets_designed(rng):
    return [designed_net(rng, *net) for net in NETS]
