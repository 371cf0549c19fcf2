"""Data sets that ship with installed packages (no download at run time), in the course's layout.

A batch is stored column-wise, as everywhere in the course: X is (n_0, n), one column per sample.
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The rows of the default split (test_size=0.25, seed=0) as scikit-learn's train_test_split draws
# them: stored so that loading the digits does not import scikit-learn (over a second), and
# checked against train_test_split by tests/learner/test_data.py. Rewrite with save_default_split().
SPLIT_FILE = Path(__file__).with_name("digits_split.npz")


@dataclass(frozen=True)
class Split:
    X_train: np.ndarray  # (64, n_train) pixel intensities scaled to [0, 1]
    Y_train: np.ndarray  # (10, n_train) one-hot targets
    y_train: np.ndarray  # (n_train,) digit labels 0..9
    X_test: np.ndarray  # (64, n_test)
    Y_test: np.ndarray  # (10, n_test)
    y_test: np.ndarray  # (n_test,)


def one_hot(labels, k=10):
    """Targets (k, n) with Y[labels[i], i] = 1 and 0 elsewhere."""
    labels = np.asarray(labels)
    return np.eye(k)[labels].T


def load_digits():
    """The 1,797 8x8 images as (pixels (1797, 64) in 0..16, labels (1797,)), read with numpy from
    the file scikit-learn ships (what sklearn.datasets.load_digits reads)."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "The digits data set ships with scikit-learn: `python -m pip install scikit-learn` first."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1], table[:, -1].astype(int)


def split_rows(labels, test_size=0.25, seed=0):
    """(train rows, test rows): scikit-learn's stratified train_test_split of the row numbers."""
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(len(labels)), test_size=test_size, random_state=seed, stratify=labels)


def save_default_split():
    _, labels = load_digits()
    train, test = split_rows(labels)
    np.savez_compressed(SPLIT_FILE, train=train.astype(np.int16), test=test.astype(np.int16))


def digits(test_size=0.25, seed=0):
    """scikit-learn's 8x8 handwritten digits (1,797 images, bundled with scikit-learn), split
    into a training and a test set with the same share of each digit (stratified), reproducibly.

    Pixels (0..16) are divided by 16. Returns a Split with column-wise X and one-hot Y.
    """
    pixels, labels = load_digits()
    if (test_size, seed) == (0.25, 0) and SPLIT_FILE.exists():
        with np.load(SPLIT_FILE) as stored:
            train, test = stored["train"].astype(int), stored["test"].astype(int)
    else:
        train, test = split_rows(labels, test_size, seed)
    X = pixels / 16.0
    return Split(
        X[train].T.copy(), one_hot(labels[train]), labels[train], X[test].T.copy(), one_hot(labels[test]), labels[test]
    )
