"""grader.data: the digits split is reproducible, stratified, column-wise and one-hot."""
import numpy as np

from grader import data


def test_digits_split_shapes_and_targets():
    d = data.digits()
    assert d.X_train.shape[0] == d.X_test.shape[0] == 64
    assert d.X_train.shape[1] + d.X_test.shape[1] == 1797
    assert d.X_test.shape[1] == 450                      # 25% of 1,797, rounded up by scikit-learn
    assert 0.0 <= d.X_train.min() and d.X_train.max() <= 1.0
    assert np.array_equal(np.argmax(d.Y_train, axis=0), d.y_train)
    assert np.array_equal(d.Y_test.sum(axis=0), np.ones(450))
    counts = np.bincount(d.y_test, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 46     # stratified: about 45 of each digit


def test_digits_split_is_reproducible_and_depends_on_the_seed():
    a, b, c = data.digits(seed=0), data.digits(seed=0), data.digits(seed=1)
    assert np.array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.y_test, c.y_test)


def test_one_hot():
    assert np.array_equal(data.one_hot([2, 0], k=3), [[0, 1], [0, 0], [1, 0]])
