"""grader.learner.data: the digits split is reproducible, stratified, column-wise and one-hot."""

import numpy as np

from grader.learner import data


def test_digits_split_shapes_and_targets():
    d = data.digits()
    assert d.X_train.shape[0] == d.X_test.shape[0] == 64
    assert d.X_train.shape[1] + d.X_test.shape[1] == 1797
    assert d.X_test.shape[1] == 450  # 25% of 1,797, rounded up by scikit-learn
    assert 0.0 <= d.X_train.min() and d.X_train.max() <= 1.0
    assert np.array_equal(np.argmax(d.Y_train, axis=0), d.y_train)
    assert np.array_equal(d.Y_test.sum(axis=0), np.ones(450))
    counts = np.bincount(d.y_test, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 46  # stratified: about 45 of each digit


def test_digits_split_is_reproducible_and_depends_on_the_seed():
    a, b, c = data.digits(seed=0), data.digits(seed=0), data.digits(seed=1)
    assert np.array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.y_test, c.y_test)


def test_one_hot():
    assert np.array_equal(data.one_hot([2, 0], k=3), [[0, 1], [0, 0], [1, 0]])


def test_the_stored_split_is_scikit_learns():
    """digits() reads the data with numpy and a stored split; it must equal what scikit-learn's
    own loader and train_test_split give."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    sk = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(
        sk.data / 16.0, sk.target, test_size=0.25, random_state=0, stratify=sk.target
    )
    d = data.digits()
    assert data.SPLIT_FILE.exists()
    assert np.array_equal(d.X_train, X_tr.T) and np.array_equal(d.X_test, X_te.T)
    assert np.array_equal(d.y_train, y_tr) and np.array_equal(d.y_test, y_te)
