"""An answer that hands its work to the course gets nothing.

While a check calls a learner's graded function X (grader.learner.checks.call, the sandbox of the
instructor's grader), `testing(X)` is in force. The course's own things that compute X (the
recorded results standing in for X, a building block such as activation("sigmoid")'s sigma, the
central differences of gradcheck for a derive-it-yourself item) call `refuse(X, what)` first, and
that raises Delegated: "sigmoid calls the course's sigma; write your own". A library function that
computes the same thing is found by name in the answer's code (LIBRARY, `library_calls`).
"""

import ast
import contextlib
import functools

_UNDER_TEST = []  # the graded function a check is calling, innermost last
_REFUSED = []  # delegations refused while it ran (an answer could catch the exception)


class Delegated(AssertionError):
    """A learner's function called the course's version of itself."""


@contextlib.contextmanager
def testing(item):
    """Within: the learner's `item` is being checked. Raises Delegated on the way out if it tried
    to delegate, even when its code caught the exception."""
    _UNDER_TEST.append(item)
    mark = len(_REFUSED)
    try:
        yield
    finally:
        _UNDER_TEST.pop()
        refused = _REFUSED[mark:]
        del _REFUSED[mark:]
    if refused:
        raise Delegated(refused[0])


def under_test():
    """The graded function being checked now, or None."""
    return _UNDER_TEST[-1] if _UNDER_TEST else None


@functools.lru_cache(maxsize=1)
def derived():
    """The derive-it-yourself items of the course (grader/learner/course.toml)."""
    from . import manifest

    return frozenset(item.id for nb in manifest.load() for item in nb.items if item.derive)


def refuse(items, what):
    """Called by the course's version of something: Delegated if the learner's function under
    test is one of `items` (the graded functions that `what` computes)."""
    item = under_test()
    if item is not None and item in items:
        message = f"{item} calls {what}; write your own."
        _REFUSED.append(message)
        raise Delegated(message)


# Library functions that compute a graded item, by the names an answer would call them by.
AUTODIFF = ("jax", "torch", "autograd", "tensorflow", "sympy", "numdifftools")
LIBRARY = {
    "sigmoid": ("expit", "logistic", "softplus") + AUTODIFF,
    "sigmoid_prime": ("expit", "logistic") + AUTODIFF,
    "tanh_prime": AUTODIFF,
    "relu_prime": ("heaviside",) + AUTODIFF,
    "numerical_derivative": (
        "derivative",
        "approx_fprime",
        "approx_derivative",
        "numerical_gradient",
        "central_diff_weights",
    )
    + AUTODIFF,
}
DERIVED_LIBRARY = ("numerical_gradient", "approx_fprime", "approx_derivative", "derivative") + AUTODIFF


# The course's own unguarded versions (the reference uses them): no answer may name them.
COURSE_INTERNALS = (
    "PLAIN",
    "_sigmoid",
    "_sigmoid_prime",
    "_relu_prime",
    "_central_differences",
    "recorded",
    "Recordings",
    "recordings",
)


def bound_names(tree):
    """The names an answer's code binds itself: variables it assigns, parameters, the functions and
    classes it defines."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def library_calls(item, source, derive=False):
    """The names in `source` (an answer cell's code) of library functions that compute `item`, and
    of the course's internals; a name the answer binds itself is its own (imports are always read)."""
    banned = set(LIBRARY.get(item, ())) | set(COURSE_INTERNALS) | (set(DERIVED_LIBRARY) if derive else set())
    if not banned:
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    own = bound_names(tree)  # a variable called `derivative` is the learner's own
    found = []
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if isinstance(node, ast.Name) and name in own:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] + (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            )
            found += [m for m in modules if m.split(".")[0] in banned or m.split(".")[-1] in banned]
        elif name in banned:
            found.append(name)
    return sorted(set(found))
