"""Data sets that ship with installed packages (no download at run time), in the course's layout.

A batch is stored column-wise, as everywhere in the course: X is (n_0, n), one column per sample.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    X_train: np.ndarray   # (64, n_train) pixel intensities scaled to [0, 1]
    Y_train: np.ndarray   # (10, n_train) one-hot targets
    y_train: np.ndarray   # (n_train,) digit labels 0..9
    X_test: np.ndarray    # (64, n_test)
    Y_test: np.ndarray    # (10, n_test)
    y_test: np.ndarray    # (n_test,)


def one_hot(labels, k=10):
    """Targets (k, n) with Y[labels[i], i] = 1 and 0 elsewhere."""
    labels = np.asarray(labels)
    return np.eye(k)[labels].T


def digits(test_size=0.25, seed=0):
    """scikit-learn's 8x8 handwritten digits (1,797 images, bundled with scikit-learn), split
    into a training and a test set with the same share of each digit (stratified), reproducibly.

    Pixels (0..16) are divided by 16. Returns a Split with column-wise X and one-hot Y.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(data.data / 16.0, data.target, test_size=test_size,
                                              random_state=seed, stratify=data.target)
    return Split(X_tr.T.copy(), one_hot(y_tr), y_tr, X_te.T.copy(), one_hot(y_te), y_te)
