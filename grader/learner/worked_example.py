"""The 2-2-2 worked example (seed 001): its starting values and its verified numbers.

Network: inputs i1, i2 -> hidden h1, h2 -> outputs o1, o2, logistic activations everywhere.
w1, w2 feed h1 (from i1, i2); w3, w4 feed h2; w5, w6 feed o1 (from h1, h2); w7, w8 feed o2.
One bias b1 is shared by both hidden units and one bias b2 by both outputs.
Error E_total = sum over outputs of 1/2 (target - out)^2; learning rate 0.5; in the original
method the biases are NOT updated.

In the course's matrix notation (see to_layers):
    W^(1) = [[w1, w2], [w3, w4]],  b^(1) = [b1, b1]^T,  net_h = z^(1),  out_h = a^(1)
    W^(2) = [[w5, w6], [w7, w8]],  b^(2) = [b2, b2]^T,  net_o = z^(2),  out_o = a^(2)
    delta_o1, delta_o2 = entries of delta^(2)

Every number below was recomputed in float64; the published figures agree with float64 to
within 4e-9 except where noted (PUBLISHED_* values come from a slip in the original script).
"""

import numpy as np

PARAMS = {
    "w1": 0.15,
    "w2": 0.20,
    "w3": 0.25,
    "w4": 0.30,
    "w5": 0.40,
    "w6": 0.45,
    "w7": 0.50,
    "w8": 0.55,
    "b1": 0.35,
    "b2": 0.60,
}
INPUTS = (0.05, 0.10)  # i1, i2
TARGETS = (0.01, 0.99)  # t1, t2 (targets for o1, o2)
LEARNING_RATE = 0.5
WEIGHTS = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8")

FORWARD = {
    "net_h1": 0.3775,
    "out_h1": 0.593269992,
    "net_h2": 0.3925,
    "out_h2": 0.596884378,
    "net_o1": 1.105905967,
    "out_o1": 0.75136507,
    "net_o2": 1.224921404,
    "out_o2": 0.772928465,
}
ERRORS = {"E_o1": 0.274811083, "E_o2": 0.023560026, "E_total": 0.298371109}

# Output layer, for w5 (the others follow the same pattern).
DE_DOUT_O1 = 0.74136507  # dE/dout_o1 = out_o1 - t1
DOUT_DNET_O1 = 0.186815602  # dout_o1/dnet_o1 = out_o1 (1 - out_o1)
DE_DW5 = 0.082167041  # dE/dw5 = delta_o1 * out_h1
DELTA_O1 = 0.138498562  # delta_o1 = dE/dnet_o1

# Hidden layer, for w1.
DE_O1_DOUT_H1 = 0.055399425  # delta_o1 * w5
DE_O2_DOUT_H1 = -0.019049119  # delta_o2 * w7
DE_DOUT_H1 = 0.036350306  # the sum of the two: out_h1 reaches both outputs
DOUT_DNET_H1 = 0.241300709  # out_h1 (1 - out_h1)
DE_DW1 = 0.000438568  # dE/dout_h1 * dout_h1/dnet_h1 * i1

UPDATED = {
    "w1": 0.149780716,
    "w2": 0.19956143,
    "w3": 0.24975114,
    "w4": 0.29950229,
    "w5": 0.35891648,
    "w6": 0.408666186,
    "w7": 0.511301270,
    "w8": 0.561370121,
}

ERROR_AFTER_ONE_STEP = 0.291027774
# Published: the hidden deltas were computed from the already-updated w5..w8.
PUBLISHED_ERROR_AFTER_ONE_STEP = 0.291027924

ERROR_AFTER_10000 = 3.51019e-5  # 6 significant figures
OUTPUTS_AFTER_10000 = (0.015913620, 0.984064274)
PUBLISHED_OUTPUTS_AFTER_10000 = (0.015912196, 0.984065734)  # the same slip, 10,000 times
SLIPPED_ERROR_AFTER_10000 = 3.50848e-5  # what the slip gives, and 1/2 sum (t - out)^2 of
PUBLISHED_ERROR_AFTER_10000 = 3.51085e-5  # the published outputs; the published error matches
# neither method nor its own published outputs

# If the biases are updated too, the error after one step is:
ERROR_AFTER_ONE_STEP_SHARED_BIASES = 0.285750887  # b1, b2 shared, as in the network above
ERROR_AFTER_ONE_STEP_PER_NEURON_BIASES = 0.280471447  # one bias per neuron


def to_layers(p):
    """The course's layer lists from a parameter dict: W[l] (2, 2), b[l] (2, 1), index 0 None."""
    W1 = np.array([[p["w1"], p["w2"]], [p["w3"], p["w4"]]], dtype=np.float64)
    W2 = np.array([[p["w5"], p["w6"]], [p["w7"], p["w8"]]], dtype=np.float64)
    b1 = np.full((2, 1), p["b1"], dtype=np.float64)
    b2 = np.full((2, 1), p["b2"], dtype=np.float64)
    return [None, W1, W2], [None, b1, b2]
