"""The catalogue of typical backpropagation mistakes: a name and an explanation for each.

A failed check that recognises one of these names it, so that a learner reads which mistake
they made and why it is one, not only that a number differs. Recognising a mistake means
computing what the mistaken method gives on the same inputs and finding the learner's output
equal to it; that is done where the reference is available (grader.course.diagnose, used by the
hidden tests and the instructor's grader). This module holds only the words, so learners have it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Misconception:
    id: str
    title: str  # what the learner did, in a few words
    explanation: str  # why it is wrong and what the right rule is

    def message(self):
        return f"Recognised mistake: {self.title}. {self.explanation}"


CATALOGUE = {
    m.id: m
    for m in [
        Misconception(
            "dW_transposed",
            "dW is transposed",
            "dC/dW^(l) = delta^(l) (a^(l-1))^T has the shape of W^(l), (n_l, n_{l-1}): one row per "
            "unit of layer l. (a^(l-1)) (delta^(l))^T is its transpose.",
        ),
        Misconception(
            "W_not_transposed",
            "W is used where W^T belongs",
            "The error goes backwards through the same weights that carried the signal forwards, so "
            "delta^(l) = f'(z^(l)) ⊙ (W^(l+1))^T delta^(l+1): unit j of layer l collects "
            "W^(l+1)_kj delta^(l+1)_k over the units k it feeds, which is column j of W^(l+1).",
        ),
        Misconception(
            "fprime_omitted",
            "the activation's derivative f'(z) is left out",
            "Each layer's delta carries the slope of its own activation: delta = (dC/da) ⊙ f'(z). "
            "Without it the result is the gradient for a network with no activation functions.",
        ),
        Misconception(
            "fprime_of_a",
            "f'(a) is used where f'(z) belongs",
            "The derivative is taken at the layer's input z, not its output a = f(z). For the sigmoid, "
            "sigma'(z) = a (1 - a) with a = sigma(z); sigma'(a) = sigma'(sigma(z)) applies the "
            "sigmoid twice.",
        ),
        Misconception(
            "wrong_activation_derivative",
            "the derivative of a different function",
            "sigma'(z) = sigma(z) (1 - sigma(z)); ReLU'(z) = 1 for z > 0 and 0 otherwise. For tanh, "
            "differentiate its definition (e^z - e^(-z)) / (e^z + e^(-z)) by the quotient rule, write the "
            "result with tanh(z) itself, and compare it with central differences.",
        ),
        Misconception(
            "sign_flipped",
            "the sign is flipped",
            "dC/da is a positive multiple of a - y (2 (a - y) for (a - y)^2, a - y for 1/2 (a - y)^2), "
            "not of y - a; gradient descent then moves against the gradient: w <- w - eta dC/dw. One "
            "flipped sign turns descent into ascent.",
        ),
        Misconception(
            "factor_two_dropped",
            "the factor 2 from the square is dropped",
            "d/da (a - y)^2 = 2 (a - y). Only a cost written with 1/2 in front, 1/2 (a - y)^2, has gradient a - y.",
        ),
        Misconception(
            "half_cost_doubled",
            "the 1/2 of the cost is lost",
            "E = 1/2 sum (t - o)^2 has gradient o - t, with no factor 2: the 1/2 is there to cancel "
            "it. Dropping the 1/2 (or adding a 2) doubles every value.",
        ),
        Misconception(
            "sum_vs_mean",
            "summed where the course averages, or averaged where it sums",
            "Over a batch of n samples the gradient of sum_samples C is the SUM of the per-sample "
            "gradients; the gradient of (1/n) sum_samples C is their mean. The two differ by a factor n; "
            "check which cost the function's docstring asks for.",
        ),
        Misconception(
            "wrong_axis",
            "a sum or an argmax over the wrong axis",
            "Batches are column-wise, (units, samples): sum over the samples with axis=1 (keepdims=True "
            "for a (n_l, 1) bias gradient); the class of each sample is the argmax over axis 0.",
        ),
        Misconception(
            "bias_not_summed",
            "the bias gradient is not summed over the batch",
            "b^(l) is shared by every sample, so dC/db^(l) = sum_samples delta^(l), shape (n_l, 1), "
            "the shape of b^(l); delta^(l) itself is (n_l, n).",
        ),
        Misconception(
            "updated_weights",
            "the hidden deltas use weights that were already updated",
            "All gradients of one step come from the same weights, the ones used in the forward pass. "
            "Updating w5..w8 first and then computing the hidden deltas with the new values is the "
            "slip in one of the course's sources.",
        ),
        Misconception(
            "off_by_one_activation",
            "delta^(l) is paired with a^(l) instead of a^(l-1)",
            "z^(l) = W^(l) a^(l-1) + b^(l), so dC/dW^(l) = delta^(l) (a^(l-1))^T: the weights of layer "
            "l multiply the activations coming INTO the layer (A[l - 1] with the course's lists).",
        ),
        Misconception(
            "last_fprime_twice",
            "the output layer's f' is applied twice",
            "delta^(L) = dC/da^(L) ⊙ f_L'(z^(L)) already holds the output layer's derivative; the "
            "recursion multiplies by f_l'(z^(l)) only for the layers below it.",
        ),
        Misconception(
            "last_fprime_missing",
            "the output layer's f' is missing",
            "delta^(L) = dC/da^(L) ⊙ f_L'(z^(L)): the output layer's own activation derivative is part "
            "of its delta (it is 1 only for an identity output).",
        ),
        Misconception(
            "relu_kink",
            "ReLU'(0) is taken as 1",
            "ReLU is not differentiable at 0; the course (like most libraries) uses 0 there: "
            "ReLU'(z) = 1 for z > 0, 0 for z <= 0. Compare with z > 0, not z >= 0.",
        ),
        Misconception(
            "relu_one_everywhere",
            "ReLU' is 1 everywhere",
            "ReLU'(z) is 0 for z <= 0: a unit whose input is negative passes no gradient back. "
            "That is why dead ReLUs stop learning.",
        ),
        Misconception(
            "relu_sign",
            "ReLU' taken as the sign of z",
            "sign(z) is -1 for negative z, but ReLU is flat there: its slope is 0, not -1.",
        ),
        Misconception(
            "mutates_input",
            "the function changes its input arrays",
            "`W -= lr * dW` or `A[l] *= ...` overwrite the caller's arrays, so the caller's weights "
            "or caches change behind its back. Compute new arrays instead (`W = W - lr * dW`).",
        ),
    ]
}
