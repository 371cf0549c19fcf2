"""grader.course.reference: central-difference agreement, the verified 2-2-2 numbers, purity."""

import copy
import warnings

import numpy as np
import pytest

from grader.course import reference as R
from grader.learner import worked_example as WE
from grader.learner.gradcheck import norm_rel_error, numerical_gradient

ACTS = ["sigmoid", "tanh", "relu", "identity"]


def random_net(seed):
    rng = np.random.default_rng(seed)
    L = int(rng.integers(1, 5))
    sizes = [int(s) for s in rng.integers(1, 5, L + 1)]
    f = [str(a) for a in rng.choice(ACTS, L)]
    W, b = R.init_params(sizes, "lecun_normal", rng)
    b = [None] + [rng.normal(0, 0.5, bl.shape) for bl in b[1:]]
    n = int(rng.integers(1, 6))
    X = rng.normal(0, 1, (sizes[0], n))
    Y = rng.uniform(0, 1, (sizes[-1], n))
    return W, b, X, Y, f


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("cost", ["half_sse", "sse", "mse"])
def test_backward_agrees_with_central_differences(seed, cost):
    W, b, X, Y, f = random_net(seed)
    Z, A = R.forward(W, b, X, f)
    delta, dW, db = R.backward(W, Z, A, Y, f, cost)
    for l in range(1, len(W)):

        def loss_W(Wl, l=l):
            return R.loss(W[:l] + [Wl] + W[l + 1 :], b, X, Y, f, cost)

        def loss_b(bl, l=l):
            return R.loss(W, b[:l] + [bl] + b[l + 1 :], X, Y, f, cost)

        for analytic, numeric in ((dW[l], numerical_gradient(loss_W, W[l])), (db[l], numerical_gradient(loss_b, b[l]))):
            assert analytic.shape == numeric.shape
            if np.linalg.norm(numeric) > 1e-6:
                assert norm_rel_error(analytic, numeric) <= 1e-7, (seed, l, f)
            else:
                assert np.max(np.abs(analytic - numeric)) < 1e-9
        # delta^(l) = dC/dz^(l), checked through the bias: db^(l) = sum over the batch of delta^(l)
        np.testing.assert_allclose(delta[l].sum(axis=1, keepdims=True), db[l], rtol=1e-12, atol=1e-15)


def test_shapes_and_none_at_index_zero():
    W, b = R.init_params([3, 5, 2], "glorot_uniform", 0)
    Z, A = R.forward(W, b, np.ones((3, 7)))
    delta, dW, db = R.backward(W, Z, A, np.zeros((2, 7)))
    assert W[0] is None and Z[0] is None and delta[0] is None and dW[0] is None
    assert [w.shape for w in dW[1:]] == [(5, 3), (2, 5)]
    assert [x.shape for x in db[1:]] == [(5, 1), (2, 1)]
    assert A[2].shape == (2, 7) and delta[1].shape == (5, 7)


@pytest.mark.parametrize("name", ACTS)
def test_activation_derivatives(name):
    f, fp = R.activation(name)
    z = np.array([-2.3, -0.7, 0.4, 1.9])  # away from ReLU's kink
    np.testing.assert_allclose(fp(z), numerical_gradient(lambda v: np.sum(f(v)), z), rtol=1e-8, atol=1e-10)


def test_activation_bounds():
    z = np.linspace(-10, 10, 2001)
    assert R.sigmoid_prime(z).max() == pytest.approx(0.25)
    assert R.tanh_prime(z).max() == pytest.approx(1.0)
    assert set(np.unique(R.relu_prime(z))) == {0.0, 1.0}


def test_sigmoid_is_stable_without_warnings():
    z = np.array([-1000.0, -710.0, -40.0, 0.0, 40.0, 710.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # numpy ignores underflow by default
            s = R.sigmoid(z)
            p = R.sigmoid_prime(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    np.testing.assert_allclose(s + R.sigmoid(-z), 1.0, rtol=0, atol=1e-15)
    assert np.all(np.isfinite(p)) and p[0] == 0.0


@pytest.mark.parametrize("cost", ["half_sse", "sse", "mse"])
def test_cost_gradients(cost):
    C, dC = R.cost_functions(cost)
    rng = np.random.default_rng(3)
    A, Y = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    np.testing.assert_allclose(dC(A, Y), numerical_gradient(lambda a: C(a, Y), A), rtol=1e-7)


def test_costs_relate_as_defined():
    A, Y = np.array([[0.2, 0.9, 0.4]]), np.array([[0.0, 1.0, 1.0]])
    assert R.sse(A, Y) == pytest.approx(2 * R.half_sse(A, Y))
    assert R.mse(A, Y) == pytest.approx(R.sse(A, Y) / 3)
    assert R.sse(0.66, 1.0) == pytest.approx(0.1156)


def test_single_neuron_chain():
    assert R.last_layer_grads(1.0, 0.0, 0.0, 1.0) == (-0.25, -0.25, 0.0)
    a_prev, w, b, y = 0.3, -1.2, 0.4, 0.9
    C0 = lambda a_prev, w, b: R.sse(R.neuron(w, b, a_prev)[1], y)  # noqa: E731
    dw, db, da = R.last_layer_grads(a_prev, w, b, y)
    assert dw == pytest.approx(numerical_gradient(lambda v: C0(a_prev, v, b), w), rel=1e-8)
    assert db == pytest.approx(numerical_gradient(lambda v: C0(a_prev, w, v), b), rel=1e-8)
    assert da == pytest.approx(numerical_gradient(lambda v: C0(v, w, b), a_prev), rel=1e-8)


@pytest.mark.parametrize("seed", range(10))
def test_chain_backward_agrees_with_central_differences(seed):
    rng = np.random.default_rng(seed)
    L, n = int(rng.integers(1, 6)), int(rng.integers(1, 8))
    w, b = [None, *rng.normal(0, 1.5, L)], [None, *rng.normal(0, 1, L)]
    x, y = rng.normal(0, 1, n), rng.uniform(0, 1, n)
    dw, db = R.chain_backward(w, b, x, y)
    for l in range(1, L + 1):
        nw = numerical_gradient(lambda v, l=l: R.chain_cost(w[:l] + [v] + w[l + 1 :], b, x, y), w[l])
        nb = numerical_gradient(lambda v, l=l: R.chain_cost(w, b[:l] + [v] + b[l + 1 :], x, y), b[l])
        assert dw[l] == pytest.approx(nw, rel=1e-7, abs=1e-11)
        assert db[l] == pytest.approx(nb, rel=1e-7, abs=1e-11)


def test_chain_worked_example():
    dw, db = R.chain_backward([None, 0.0, 0.0], [None, 0.0, 0.0], np.array([1.0]), np.array([1.0]))
    assert dw == [None, 0.0, -0.125] and db == [None, 0.0, -0.25]


# --- the 2-2-2 example (field notes, section 1) ---------------------------------------------


def worked_222():
    W, b = WE.to_layers(WE.PARAMS)
    X, Y = np.array([[WE.INPUTS[0]], [WE.INPUTS[1]]]), np.array([[WE.TARGETS[0]], [WE.TARGETS[1]]])
    return W, b, X, Y


def test_222_forward_and_error():
    W, b, X, Y = worked_222()
    Z, A = R.forward(W, b, X)
    got = {
        "net_h1": Z[1][0, 0],
        "out_h1": A[1][0, 0],
        "net_h2": Z[1][1, 0],
        "out_h2": A[1][1, 0],
        "net_o1": Z[2][0, 0],
        "out_o1": A[2][0, 0],
        "net_o2": Z[2][1, 0],
        "out_o2": A[2][1, 0],
    }
    for key, value in WE.FORWARD.items():
        assert got[key] == pytest.approx(value, abs=1e-8), key
    assert R.half_sse(A[2][0], Y[0]) == pytest.approx(WE.ERRORS["E_o1"], abs=1e-8)
    assert R.half_sse(A[2][1], Y[1]) == pytest.approx(WE.ERRORS["E_o2"], abs=1e-8)
    assert R.half_sse(A[2], Y) == pytest.approx(WE.ERRORS["E_total"], abs=1e-8)


def test_222_gradients_and_update():
    W, b, X, Y = worked_222()
    Z, A = R.forward(W, b, X)
    delta, dW, db = R.backward(W, Z, A, Y)
    assert R.half_sse_grad(A[2], Y)[0, 0] == pytest.approx(WE.DE_DOUT_O1, abs=1e-8)
    assert R.sigmoid_prime(Z[2])[0, 0] == pytest.approx(WE.DOUT_DNET_O1, abs=1e-8)
    assert delta[2][0, 0] == pytest.approx(WE.DELTA_O1, abs=1e-8)
    assert dW[2][0, 0] == pytest.approx(WE.DE_DW5, abs=1e-8)
    assert delta[2][0, 0] * W[2][0, 0] == pytest.approx(WE.DE_O1_DOUT_H1, abs=1e-8)
    assert delta[2][1, 0] * W[2][1, 0] == pytest.approx(WE.DE_O2_DOUT_H1, abs=1e-8)
    assert (W[2].T @ delta[2])[0, 0] == pytest.approx(WE.DE_DOUT_H1, abs=1e-8)
    assert R.sigmoid_prime(Z[1])[0, 0] == pytest.approx(WE.DOUT_DNET_H1, abs=1e-8)
    assert dW[1][0, 0] == pytest.approx(WE.DE_DW1, abs=1e-8)
    zero = [None, np.zeros_like(db[1]), np.zeros_like(db[2])]
    W1, _ = R.gd_step(W, b, dW, zero, WE.LEARNING_RATE)
    new = {
        "w1": W1[1][0, 0],
        "w2": W1[1][0, 1],
        "w3": W1[1][1, 0],
        "w4": W1[1][1, 1],
        "w5": W1[2][0, 0],
        "w6": W1[2][0, 1],
        "w7": W1[2][1, 0],
        "w8": W1[2][1, 1],
    }
    for key, value in WE.UPDATED.items():
        assert new[key] == pytest.approx(value, abs=1e-8), key
    assert R.loss(W1, b, X, Y) == pytest.approx(WE.ERROR_AFTER_ONE_STEP, abs=1e-9)
    assert abs(R.loss(W1, b, X, Y) - WE.PUBLISHED_ERROR_AFTER_ONE_STEP) > 1e-7


def test_222_slip_and_biases():
    W, b, X, Y = worked_222()
    Z, A = R.forward(W, b, X)
    delta, dW, db = R.backward(W, Z, A, Y)
    # the slip: hidden deltas from the already-updated W^(2)
    W2_new = W[2] - WE.LEARNING_RATE * dW[2]
    d1 = R.hidden_delta(W2_new, delta[2], Z[1])
    W1_new = W[1] - WE.LEARNING_RATE * R.weight_grad(d1, X)
    assert R.loss([None, W1_new, W2_new], b, X, Y) == pytest.approx(WE.PUBLISHED_ERROR_AFTER_ONE_STEP, abs=1e-9)
    # biases updated: one per neuron, or one shared per layer
    Wn, bn = R.gd_step(W, b, dW, db, WE.LEARNING_RATE)
    assert R.loss(Wn, bn, X, Y) == pytest.approx(WE.ERROR_AFTER_ONE_STEP_PER_NEURON_BIASES, abs=1e-9)
    shared = [None] + [bl - WE.LEARNING_RATE * g.sum() for bl, g in zip(b[1:], db[1:])]
    assert R.loss(Wn, shared, X, Y) == pytest.approx(WE.ERROR_AFTER_ONE_STEP_SHARED_BIASES, abs=1e-9)


def test_222_ten_thousand_steps():
    W, b, X, Y = worked_222()
    zero = [None, np.zeros((2, 1)), np.zeros((2, 1))]
    for _ in range(10_000):
        Z, A = R.forward(W, b, X)
        _, dW, _ = R.backward(W, Z, A, Y)
        W, _ = R.gd_step(W, b, dW, zero, WE.LEARNING_RATE)
    assert R.loss(W, b, X, Y) == pytest.approx(WE.ERROR_AFTER_10000, rel=2e-6)
    np.testing.assert_allclose(R.forward(W, b, X)[1][2].ravel(), WE.OUTPUTS_AFTER_10000, rtol=0, atol=1e-8)


def test_published_outputs_after_10000_give_the_slipped_error():
    o1, o2 = WE.PUBLISHED_OUTPUTS_AFTER_10000
    E = R.half_sse(np.array([o1, o2]), np.array(WE.TARGETS))
    assert E == pytest.approx(WE.SLIPPED_ERROR_AFTER_10000, rel=1e-5)
    assert abs(E - WE.PUBLISHED_ERROR_AFTER_10000) > 1e-8


# --- the rest --------------------------------------------------------------------------------


def test_param_count():
    assert R.param_count([784, 16, 16, 10]) == 13_002
    W, b = R.init_params([784, 16, 16, 10], "he_normal", 0)
    assert sum(w.size + v.size for w, v in zip(W[1:], b[1:])) == 13_002


def test_train_lowers_the_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 40))
    Y = (X[:1] * X[1:] > 0).astype(float)
    W, b = R.init_params([2, 8, 1], "glorot_uniform", rng)
    _, _, losses = R.train(W, b, X, Y, ["tanh", "sigmoid"], "mse", lr=0.5, epochs=300, batch_size=10, rng=1)
    assert len(losses) == 301 and losses[-1] < 0.5 * losses[0]


def test_no_input_is_mutated():
    W, b, X, Y, f = random_net(7)
    args = copy.deepcopy((W, b, X, Y))
    Z, A = R.forward(W, b, X, f)
    cached = copy.deepcopy((Z, A))
    delta, dW, db = R.backward(W, Z, A, Y, f)
    R.gd_step(W, b, dW, db, 0.1)
    R.train(W, b, X, Y, f, epochs=2, batch_size=2, rng=0)
    R.dense_backward(A[-1], Z[-1], A[-2], W[-1], f[-1])
    for before, after in zip(args + cached, (W, b, X, Y, Z, A)):
        for x, y in zip(
            before if isinstance(before, list) else [before], after if isinstance(after, list) else [after]
        ):
            assert (x is None and y is None) or np.array_equal(x, y)
    z = np.array([-1.0, 2.0])
    for name in ACTS:
        R.activation(name)[0](z), R.activation(name)[1](z)
    assert np.array_equal(z, [-1.0, 2.0])
    w, bb, x = [None, 0.5, -1.0], [None, 0.1, 0.2], np.array([0.3, -0.2])
    R.chain_backward(w, bb, x, np.array([1.0, 0.0]))
    assert w == [None, 0.5, -1.0] and np.array_equal(x, [0.3, -0.2])


def test_numerical_gradient_leaves_x_alone():
    x = np.array([1.0, 2.0])
    g = numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-9)
    assert np.array_equal(x, [1.0, 2.0])


def test_bad_names_say_what_is_allowed():
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        R.forward([None, np.ones((1, 1))], [None, np.zeros((1, 1))], np.ones((1, 1)), "softplus")
    with pytest.raises(ValueError, match="2 activations given for 1 layers"):
        R.layer_activations(["relu", "relu"], 1)
