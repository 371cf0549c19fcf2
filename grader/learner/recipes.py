"""Functions the grader hands a learner's function as arguments (numerical_derivative's f), sent
by recipe: only a name and numbers cross into the learner's sandbox, which builds the function
from this table (grader.grading.sandbox_child.decode). Test inputs, not answers."""

import numpy as np


def cubic_sine(c1, c2, c3):
    """t -> c1 sin(c2 t) + c3 t^3: smooth, with a derivative that is not a multiple of itself."""
    return lambda t: c1 * np.sin(c2 * t) + c3 * t**3


RECIPES = {"cubic_sine": cubic_sine}
