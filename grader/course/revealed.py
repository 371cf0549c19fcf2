"""The mistakes of the derive-it-yourself exercises (course.toml's `derive = true` items).

Their explanations state the formula the learner is to derive, so they stay with the instructor:
learners read them in their feedback, after grading, never in the release or the bundle.
ALL is the whole catalogue, grader.learner.misconceptions' and these.
"""

from ..learner.misconceptions import CATALOGUE, Misconception

REVEALED = {
    m.id: m
    for m in [
        Misconception(
            "ce_fprime_kept",
            "f'(z) is multiplied in although the cross-entropy cancels it",
            "For a sigmoid output with C = -(y ln a + (1 - y) ln(1 - a)), dC/da = (a - y) / (a (1 - a)) "
            "and sigma'(z) = a (1 - a), so dC/dz = a - y: the slope cancels. For a softmax output with "
            "C = -sum_k y_k ln a_k, da_k/dz_j = a_k (1[j = k] - a_j) gives dC/dz_j = a_j - y_j (the "
            "targets sum to 1). Multiplying by a (1 - a) again brings back the slowdown of a saturated "
            "output that the cross-entropy removes.",
        ),
        Misconception(
            "quadratic_gradient_for_ce",
            "the quadratic cost's gradient is used for the cross-entropy",
            "2 (a - y) sigma'(z) is the derivative of (a - y)^2. The cross-entropy has "
            "dC/da = -y/a + (1 - y)/(1 - a) = (a - y) / (a (1 - a)); times sigma'(z) = a (1 - a) this "
            "is dC/dz = a - y, so dC/dw = a_prev (a - y), dC/db = a - y, dC/da_prev = w (a - y).",
        ),
        Misconception(
            "quotient_rule_sign",
            "the quotient rule's minus became a plus",
            "(u/v)' = (u'v - uv')/v^2. With u = e^z - e^(-z), v = e^z + e^(-z): u' = v and v' = u, so "
            "tanh'(z) = (v^2 - u^2)/v^2 = 1 - tanh(z)^2, at most 1. A plus gives 1 + tanh(z)^2, which "
            "grows away from z = 0 although tanh flattens there.",
        ),
        Misconception(
            "one_path_only",
            "an input's gradient follows only one of its paths",
            "i1 feeds both hidden units, through w1 into h1 and through w3 into h2, so "
            "dE/di1 = delta_h1 w1 + delta_h2 w3 and dE/di2 = delta_h1 w2 + delta_h2 w4, with "
            "delta_h = dE/dnet_h: the chain rule adds one term per path, as for out_h1 in section 4.",
        ),
        Misconception(
            "l2_on_biases",
            "the penalty's gradient is added to the biases",
            "C_reg = C + (lam/2) sum_l ||W^(l)||_F^2 contains the weights only, so "
            "dC_reg/dW^(l) = dC/dW^(l) + lam W^(l) while dC_reg/db^(l) = dC/db^(l), unchanged.",
        ),
        Misconception(
            "l2_factor_two",
            "the 1/2 of the penalty is lost",
            "d/dW (lam/2) sum W_ij^2 = lam W: the 1/2 in front of the penalty cancels the 2 of the "
            "square, so dC_reg/dW^(l) = dC/dW^(l) + lam W^(l), not + 2 lam W^(l).",
        ),
        Misconception(
            "l2_sign",
            "the penalty's gradient is subtracted",
            "The penalty grows with every |W_ij|, so its gradient lam W^(l) points away from zero and "
            "dC_reg/dW^(l) = dC/dW^(l) + lam W^(l); a step then shrinks every weight towards zero "
            "(weight decay). Subtracting it makes the weights grow.",
        ),
    ]
}

ALL = {**CATALOGUE, **REVEALED}
