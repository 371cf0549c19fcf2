"""The course's working versions of 02_worked_example's graded functions (see grader.learner.fallbacks).

Written by `python -m grader release` from solutions/02_worked_example/02_worked_example.ipynb: do not edit."""
import math


def sigmoid(z):
    """The logistic function 1 / (1 + e^(-z)) of one number (notebook 01 has the full story)."""
    return 1 / (1 + math.exp(-z))


def forward_pass(p, i1, i2):
    """Every weighted input and activation of the 2-2-2 network, as a dict."""
    net_h1 = p["w1"] * i1 + p["w2"] * i2 + p["b1"]
    net_h2 = p["w3"] * i1 + p["w4"] * i2 + p["b1"]
    out_h1, out_h2 = sigmoid(net_h1), sigmoid(net_h2)
    net_o1 = p["w5"] * out_h1 + p["w6"] * out_h2 + p["b2"]
    net_o2 = p["w7"] * out_h1 + p["w8"] * out_h2 + p["b2"]
    return {"net_h1": net_h1, "out_h1": out_h1, "net_h2": net_h2, "out_h2": out_h2,
            "net_o1": net_o1, "out_o1": sigmoid(net_o1), "net_o2": net_o2, "out_o2": sigmoid(net_o2)}


def total_error(out_o1, out_o2, t1, t2):
    """E_o1, E_o2 and E_total = E_o1 + E_o2 with E_ok = 1/2 (t_k - out_ok)^2."""
    E_o1 = 0.5 * (t1 - out_o1) ** 2
    E_o2 = 0.5 * (t2 - out_o2) ** 2
    return {"E_o1": E_o1, "E_o2": E_o2, "E_total": E_o1 + E_o2}


def output_layer_gradients(p, fwd, t1, t2):
    """The output deltas and dE_total/dw5..dw8, dE_total/db2, as a dict."""
    delta_o1 = (fwd["out_o1"] - t1) * fwd["out_o1"] * (1 - fwd["out_o1"])
    delta_o2 = (fwd["out_o2"] - t2) * fwd["out_o2"] * (1 - fwd["out_o2"])
    return {"delta_o1": delta_o1, "delta_o2": delta_o2,
            "w5": delta_o1 * fwd["out_h1"], "w6": delta_o1 * fwd["out_h2"],
            "w7": delta_o2 * fwd["out_h1"], "w8": delta_o2 * fwd["out_h2"],
            "b2": delta_o1 + delta_o2}


def hidden_layer_gradients(p, fwd, out_grads, i1, i2):
    """dE_total/dw1..dw4 and dE_total/db1, as a dict, from the output deltas."""
    d1, d2 = out_grads["delta_o1"], out_grads["delta_o2"]
    delta_h1 = (d1 * p["w5"] + d2 * p["w7"]) * fwd["out_h1"] * (1 - fwd["out_h1"])
    delta_h2 = (d1 * p["w6"] + d2 * p["w8"]) * fwd["out_h2"] * (1 - fwd["out_h2"])
    return {"w1": delta_h1 * i1, "w2": delta_h1 * i2, "w3": delta_h2 * i1, "w4": delta_h2 * i2,
            "b1": delta_h1 + delta_h2}


def update_weights(p, grads, lr):
    """A new parameter dict: p[k] - lr * grads[k] where grads has k, else p[k]."""
    return {k: (v - lr * grads[k] if k in grads else v) for k, v in p.items()}


def gradient_step(p, i1, i2, t1, t2, lr, update_biases=False):
    """One gradient-descent step on w1..w8 (and on b1, b2 if update_biases)."""
    fwd = forward_pass(p, i1, i2)
    out = output_layer_gradients(p, fwd, t1, t2)
    grads = {**out, **hidden_layer_gradients(p, fwd, out, i1, i2)}
    if not update_biases:
        grads = {k: v for k, v in grads.items() if k not in ("b1", "b2")}
    return update_weights(p, grads, lr)


def slipped_step(p, i1, i2, t1, t2, lr):
    """One step with the published slip: hidden gradients from the already-updated w5..w8."""
    fwd = forward_pass(p, i1, i2)
    out = output_layer_gradients(p, fwd, t1, t2)
    p_new = update_weights(p, {k: out[k] for k in ("w5", "w6", "w7", "w8")}, lr)
    hidden = hidden_layer_gradients(p_new, fwd, out, i1, i2)
    return update_weights(p_new, {k: hidden[k] for k in ("w1", "w2", "w3", "w4")}, lr)


def train(p, i1, i2, t1, t2, lr, steps):
    """(final parameters, [E_total after 0, 1, ..., steps steps])."""
    def e_total(p):
        fwd = forward_pass(p, i1, i2)
        return total_error(fwd["out_o1"], fwd["out_o2"], t1, t2)["E_total"]

    errors = [e_total(p)]
    for _ in range(steps):
        p = gradient_step(p, i1, i2, t1, t2, lr)
        errors.append(e_total(p))
    return p, errors
