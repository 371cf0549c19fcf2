"""A backward pass with switchable mistakes: the catalogued mistakes of every batch-form gradient
(notebooks 01, 03 and 04) are built on it."""

import numpy as np

from . import reference as R


def mistaken_backward(
    W,
    Z,
    A,
    Y,
    f="sigmoid",
    cost="half_sse",
    fprime="z",
    W_T=True,
    last="once",
    prev=1,
    dW_T=False,
    sign=1.0,
    scale=1.0,
    bias="sum",
    hidden_only=False,
):
    """R.backward with one mistake switched on (the defaults are the right method):

    fprime  "z" | "a" (f'(a^(l))) | "none" (f' = 1), in every layer or (hidden_only) below L
    W_T     False: W^(l+1) for (W^(l+1))^T
    last    "once" | "twice" | "none" (f_L' in delta^(L))  prev  0: a^(l) for a^(l-1)
    dW_T    dW^(l) transposed      sign, scale  multiply dC/da^(L)
    bias    "sum" | "none" (db = delta) | "axis0" (summed over units)
    """
    L = len(W) - 1
    fs = R.layer_activations(f, L)

    def slope(l):
        d = R.activation(fs[l])[1]
        how = "z" if hidden_only and l == L else fprime
        return {"z": d(Z[l]), "a": d(A[l]), "none": np.ones_like(Z[l])}[how]

    delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    dC = sign * scale * R.cost_functions(cost)[1](A[L], Y)
    delta[L] = dC * {"once": slope(L), "twice": slope(L) ** 2, "none": 1.0}[last]
    for l in range(L, 0, -1):
        if l < L:
            delta[l] = slope(l) * ((W[l + 1].T if W_T else W[l + 1]) @ delta[l + 1])
        dW[l] = delta[l] @ A[l - prev].T
        if dW_T:
            dW[l] = dW[l].T
        db[l] = {
            "sum": lambda d: d.sum(axis=1, keepdims=True),
            "none": lambda d: d,
            "axis0": lambda d: d.sum(axis=0, keepdims=True),
        }[bias](delta[l])
    return delta, dW, db


# The mistakes a batch-form gradient can make, as switches of mistaken_backward
BACKWARD = [
    ("dW_transposed", {"dW_T": True}),
    ("W_not_transposed", {"W_T": False}),
    ("fprime_omitted", {"fprime": "none"}),
    ("fprime_of_a", {"fprime": "a"}),
    ("fprime_omitted", {"fprime": "none", "hidden_only": True}),
    ("fprime_of_a", {"fprime": "a", "hidden_only": True}),
    ("sign_flipped", {"sign": -1.0}),
    ("factor_two_dropped", {"scale": 0.5}),
    ("half_cost_doubled", {"scale": 2.0}),
    ("bias_not_summed", {"bias": "none"}),
    ("wrong_axis", {"bias": "axis0"}),
    ("off_by_one_activation", {"prev": 0}),
    ("last_fprime_twice", {"last": "twice"}),
    ("last_fprime_missing", {"last": "none"}),
]


# A partial mutant's usual change (Item.partial, grader.course.item): its first result 1% off.
SCALE_FIRST = "out = (1.01 * out[0],) + tuple(out[1:])"
