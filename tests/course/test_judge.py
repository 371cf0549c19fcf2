"""grader.course.judge: the hidden tests pass the reference and fail typical wrong or hard-coded answers."""

import math

import numpy as np
import pytest

from grader.course import judge, reference as R
from grader.course.items import nb02_worked_example as nb02
from grader.learner import manifest, worked_example as WE
from grader.learner.checks import CheckFailed


def test_every_autograded_item_has_a_judge():
    items = {item.id for nb in manifest.load() for item in nb.items if not item.written}
    assert items <= set(judge.ITEMS), items - set(judge.ITEMS)


@pytest.mark.parametrize("name", sorted(judge.ITEMS))
def test_reference_passes_its_own_judge(name):
    judge.check(name, judge.ITEMS[name].reference)


def test_answers_hard_coded_to_the_visible_numbers_fail():
    hard_coded = lambda p, i1, i2: dict(WE.FORWARD)  # noqa: E731
    with pytest.raises(CheckFailed, match=r"Hidden test, input 1 of 5 \(seed 42\)"):
        judge.check("forward_pass", hard_coded, seed=42)


@pytest.mark.parametrize(
    "name, wrong, words",
    [
        ("sigmoid_prime", lambda z: R.sigmoid(R.sigmoid(z)) * (1 - R.sigmoid(R.sigmoid(z))), "entries differ"),
        ("last_layer_grads", lambda a, w, b, y: tuple(-g for g in R.last_layer_grads(a, w, b, y)), "sign is flipped"),
        (
            "last_layer_grads",
            lambda a, w, b, y: tuple(g / 2 for g in R.last_layer_grads(a, w, b, y)),
            "half the expected",
        ),
        (
            "numerical_derivative",
            lambda f, x, h=1e-5: (f(x + h) - f(x)) / h,
            "is allowed: |got - expected| <= 1e-09 + 1e-06",
        ),
        (
            "chain_backward",
            lambda w, b, x, y: tuple([None] + [g * len(x) for g in gs[1:]] for gs in R.chain_backward(w, b, x, y)),
            "first wrong layer",
        ),
        ("perceptron_grad", lambda W, x, t: np.outer(R.sigmoid(W @ x) - t, x), "entries differ"),
        ("one_hidden_vectorised", lambda *a: R.one_hidden_grads(*a[:-1]), "dW1"),  # ignores average
        (
            "one_hidden_loop",
            lambda W1, b1, W2, b2, X, Y, f1, f2, average=False: R.one_hidden_grads(
                W1, b1, W2, b2, X[:, :1], Y[:, :1], f1, f2, average
            ),
            "dW1",
        ),  # first sample only
        ("param_count", lambda sizes: sum(a * b for a, b in zip(sizes[:-1], sizes[1:])), "but should be"),
        (
            "init_params",
            lambda sizes, scheme="glorot_uniform", rng=None: R.init_params(sizes, "lecun_normal", rng),
            "init_params(",
        ),
        (
            "forward",
            lambda W, b, X, f="sigmoid": R.forward(W, [None] + [0 * v for v in b[1:]], X, f),
            "first wrong layer is l=1",
        ),
        (
            "backward",
            lambda W, Z, A, Y, f="sigmoid", cost="half_sse": R.backward(W, A, A, Y, f, cost),
            "first wrong layer",
        ),
        ("gd_step", lambda W, b, dW, db, lr: R.gd_step(W, b, dW, db, -lr), "first wrong layer"),
        ("relu_prime", lambda z: (np.asarray(z) >= 0).astype(float), "entries differ"),
        ("tanh_prime", lambda z: 1 - np.tanh(z), "entries differ"),
        ("predict", lambda W, b, X, f="sigmoid": np.argmin(R.forward(W, b, X, f)[1][-1], axis=0), "wrong class"),
        (
            "delta_bound",
            lambda W, d, c: (
                [None]
                + [
                    c ** (len(W) - 1 - l)
                    * np.linalg.norm(d)
                    * np.prod([np.linalg.norm(W[k]) for k in range(l + 1, len(W))])
                    for l in range(1, len(W))
                ]
            ),
            "first wrong layer",
        ),
        (
            "layer_speeds",
            lambda W, b, X, Y, f="sigmoid": (
                [None]
                + [float(np.linalg.norm(g)) for g in R.backward(W, *R.forward(W, b, X, f), Y, f, "half_sse")[2][1:]]
            ),
            "first wrong layer",
        ),
    ],
)
def test_typical_mistakes_fail_with_a_reason(name, wrong, words):
    for seed in range(3):
        try:
            judge.check(name, wrong, seed=seed)
        except CheckFailed as failure:
            assert words in str(failure)
            break
    else:
        pytest.fail(f"{name}: the wrong answer passed three random draws")


@pytest.mark.parametrize(
    "scheme, instead",
    [
        ("glorot_uniform", "glorot_normal"),
        ("glorot_normal", "glorot_uniform"),
        ("glorot_uniform", "lecun_normal"),
        ("he_normal", "lecun_normal"),
        ("lecun_normal", "small"),
    ],
)
def test_init_params_statistics_tell_every_scheme_from_its_nearest_neighbour(scheme, instead):
    def swapped(sizes, scheme_asked="glorot_uniform", rng=None):
        return R.init_params(sizes, instead if scheme_asked == scheme else scheme_asked, rng)

    for seed in range(5):
        with pytest.raises(CheckFailed, match=f"init_params\\(.*'{scheme}'\\)"):
            judge.check("init_params", swapped, seed=seed)


def test_the_reference_refuses_the_ambiguous_names_of_other_courses():
    for alias in ("xavier", "he", "normal"):
        with pytest.raises(ValueError, match="glorot_uniform"):
            R.init_params([3, 2], alias, 0)


def test_the_slip_fails_gradient_step():
    with pytest.raises(CheckFailed, match="gradient_step"):
        judge.check(
            "gradient_step",
            lambda p, i1, i2, t1, t2, lr, update_biases=False: nb02.ref_slipped_step(p, i1, i2, t1, t2, lr),
            seed=0,
        )


def test_mutating_update_fails():
    def update_in_place(p, grads, lr):
        for k in grads:
            if k in p:
                p[k] -= lr * grads[k]
        return p

    with pytest.raises(CheckFailed, match="in place"):
        judge.check("update_weights", update_in_place, seed=1)


def test_a_warning_costs_nothing_where_the_exercise_does_not_forbid_it():
    """sigmoid_prime's text asks for no particular form: one built on the naive sigmoid (which warns for
    z = -1000) passes; sigmoid's own text forbids the warning (test_what_the_text_forbids_...)."""

    def naive_prime(z):
        s = 1 / (1 + np.exp(-np.asarray(z, float)))
        return s * (1 - s)

    judge.check("sigmoid_prime", naive_prime)


@pytest.mark.parametrize("seed", range(20))
def test_relu_prime_one_at_the_kink_fails_on_every_seed(seed):
    """The course takes ReLU'(0) = 0; random normal inputs alone almost never hit 0 exactly."""
    with pytest.raises(CheckFailed, match="relu_prime"):
        judge.check("relu_prime", lambda z: (np.asarray(z) >= 0).astype(float), seed=seed)


@pytest.mark.parametrize("name", ["one_hidden_loop", "one_hidden_vectorised"])
@pytest.mark.parametrize("always", [True, False], ids=["always-averages", "never-averages"])
def test_one_hidden_items_try_both_sums_and_means_on_every_seed(name, always):
    """A gradient that ignores `average` is right on half the random inputs; the judge's first two
    inputs are one averaged and one summed case, so no seed lets it pass."""

    def ignores_average(W1, b1, W2, b2, X, Y, f1, f2, average=False):
        return R.one_hidden_grads(W1, b1, W2, b2, X, Y, f1, f2, always)

    for seed in range(200):
        with pytest.raises(CheckFailed, match=r"input [12] of 11"):
            judge.check(name, ignores_average, seed=seed)


def test_nan_laced_weights_fail_init_params():
    """A few NaNs leave the spread of the other weights, and the NaN-blind statistics, unchanged."""
    import numpy as np

    from grader.course import judge, reference as R

    def laced(sizes, scheme, seed):
        W, b = R.init_params(sizes, scheme, np.random.default_rng(seed))
        W[1][0, :3] = np.nan
        return W, b

    with pytest.raises(judge.CheckFailed, match="NaN or infinite"):
        judge.run("init_params", lambda args: laced(*args), seed=3)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda z: np.vectorize(lambda v: 4 / (math.exp(v) + math.exp(-v)) ** 2)(z), "math.exp overflows"),  # sech^2
        (lambda z: exec("assert False"), "tanh_prime raised AssertionError"),
    ],
)
def test_an_error_names_the_function_the_input_the_seed_and_what_to_do(wrong, words):
    with pytest.raises(CheckFailed) as failure:
        judge.check("tanh_prime", wrong, seed=7)
    text = str(failure.value)
    assert text.startswith("Hidden test, input 1 of ") and "(seed 7)" in text and words in text
    assert "\nThe input was: tanh_prime([" in text


def test_a_float32_answer_is_told_so():
    """A port computed in single precision (CS231n's nets often are) misses the tolerance, and
    the message says why."""

    def single(W, Z, A, Y, f="sigmoid", cost="half_sse"):
        c = lambda xs: [None] + [np.asarray(x, np.float32) for x in xs[1:]]  # noqa: E731
        A32 = [np.asarray(A[0], np.float32)] + c(A)[1:]
        return tuple(
            [None] + [g.astype(np.float32) for g in part[1:]]
            for part in R.backward(c(W), c(Z), A32, np.asarray(Y, np.float32), f, cost)
        )

    for seed in range(5):
        with pytest.raises(
            CheckFailed, match="holds float32 numbers .about 7 significant digits.; the course computes in float64"
        ):
            judge.check("backward", single, seed=seed)


def test_exact_zero_one_slopes_of_integer_dtype_pass():
    """Integers hold 0 and 1 exactly; booleans are refused, as 05's text says (the test above)."""
    judge.check("relu_prime", lambda z: (np.asarray(z) > 0).astype(int))


@pytest.mark.parametrize("name", sorted(judge.ITEMS))
def test_passes_tries_the_inputs_run_tries_and_agrees_with_it(name):
    """judge.passes (the mutants' seed sweep) is run() without the message: the same inputs in
    the same order, and the same verdict, whether the answer is right or wrong (on the first input)."""
    model = judge.ITEMS[name].reference

    def answer(seen, wrong_at=None):
        def call(args):
            seen.append(repr(args))
            return None if len(seen) == wrong_at else model(*args)

        return call

    by_run, by_passes = [], []
    judge.run(name, answer(by_run), seed=7)
    assert judge.passes(name, answer(by_passes), seed=7)
    assert by_run == by_passes and by_run
    with pytest.raises(CheckFailed):
        judge.run(name, answer([], wrong_at=1), seed=7)
    assert not judge.passes(name, answer([], wrong_at=1), seed=7)


@pytest.mark.parametrize(
    "name, answer, kind",
    [
        ("sigmoid", lambda z: 1 / (1 + np.exp(-np.asarray(z, float))), "warned"),
        ("tanh_prime", lambda z: 4 / (np.exp(np.asarray(z, float)) + np.exp(-np.asarray(z, float))) ** 2, "warned"),
        ("relu_prime", lambda z: np.asarray(z, float) > 0, "wrong"),
    ],
    ids=["naive-sigmoid", "overflowing-tanh-prime", "boolean-relu-prime"],
)
def test_what_the_text_forbids_fails_the_hidden_test_with_the_texts_reason(name, answer, kind):
    """01 and 05 ask for sigmoid and tanh' with no overflow warnings, and for ReLU' as floats."""
    with pytest.raises(CheckFailed) as caught:
        judge.check(name, answer, seed=0)
    assert caught.value.kind == kind
    assert ("does not overflow" if kind == "warned" else "asks for floats") in str(caught.value)


def test_a_failures_inputs_are_shown_briefly():
    """Small arrays in full, large ones by shape and range, lists of them item by item: a message
    that fits on a feedback page rather than 1,000 characters of numbers."""
    from grader.course.judge import _show

    W = [None, np.full((4, 10), 0.5), np.array([[1.0, -2.0]])]
    shown = _show((W, np.linspace(-3, 3, 30).reshape(3, 10), 0.1, "sigmoid"))
    assert shown == (
        "[None, <array of shape (4, 10), from 0.5 to 0.5>, [[ 1., -2.]]], "
        "<array of shape (3, 10), from -3 to 3>, 0.1, 'sigmoid'"
    )
