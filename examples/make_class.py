"""Write a synthetic class of submissions to examples/class/, for demonstrating the grader.

    python examples/make_class.py           # (re)write examples/class/
    python examples/make_class.py --table   # ... and print the table of submissions (Markdown)

Every submission starts from the RELEASE notebook (notebooks/<id>/<id>.ipynb, what learners
receive) and fills its answer cells with the instructor's solution code (solutions/<id>/<id>.ipynb)
with the `### BEGIN SOLUTION` / `### END SOLUTION` marker lines removed, so it reads like a
learner's work. From there each submission is changed by a small, explicit edit: a typical
mistake, a tampered test cell, a cheat, a bad file. Outputs are absent (as in a notebook saved
without running it); cell ids are those of the release.

The output is deterministic: examples/class/ is deleted first and nothing random is used, so a
rerun writes byte-identical files. No solution text other than the answer code is copied (no
hidden tests: they are not in the release). Cells added by "learners" get fixed ids.

Layout: examples/class/<student>/<notebook file>, students s01..s10. See examples/README.md for
what each submission contains and what a correct grader should give for it.

Resource-abuse submissions (s09) are cheap on purpose: the endless loop only spins until the
grader's time limit, the memory bomb asks for 512 TiB (more than any address space, so numpy
raises MemoryError at once and nothing is allocated), the huge output is 5 million characters.
There is no fork bomb.
"""

import copy
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.authoring import release
from grader.learner import cell_roles, manifest

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "notebooks"
OUT = ROOT / "examples" / "class"
NOTEBOOKS = ["01_chain_rule", "02_worked_example", "03_multi_output", "04_l_layers", "05_vanishing"]


# ---------------------------------------------------------------------------------------------
# Building blocks: the release, the solution answers, and small edits of a notebook
# ---------------------------------------------------------------------------------------------


def solution_answers(nb_id):
    """{grade_id: source} of the solution's answer cells, marker lines removed."""
    return release.solution_answers(manifest.find(f"{nb_id}.ipynb"), ROOT)


ANSWERS = {nb_id: solution_answers(nb_id) for nb_id in NOTEBOOKS}
RELEASED = {nb_id: nbformat.read(RELEASE / nb_id / f"{nb_id}.ipynb", as_version=4) for nb_id in NOTEBOOKS}


def blank(nb_id):
    """The release notebook, unchanged (a learner who handed in what they received)."""
    return copy.deepcopy(RELEASED[nb_id])


def cell(nb, grade_id):
    """The cell with this nbgrader grade_id (answer X or test test_X)."""
    found = [c for c in nb.cells if cell_roles.grade_id(c) == grade_id]
    assert len(found) == 1, f"{grade_id}: {len(found)} cells"
    return found[0]


def solved(nb_id, skip=(), written=None):
    """The release with every answer cell filled with the solution code, except those in skip
    (left as released). written: the text of the written answer (notebook 05's why_relu)."""
    nb = blank(nb_id)
    kinds = {grade_id: cell(nb, grade_id).cell_type for grade_id in ANSWERS[nb_id]}
    sources = {g: source for g, source in ANSWERS[nb_id].items() if kinds[g] == "code" and g not in skip}
    if written is not None:
        sources |= {g: written for g, kind in kinds.items() if kind == "markdown"}
    return cell_roles.fill(nb, sources)


def edit(nb, grade_id, old, new):
    """Replace `old` by `new` in one answer cell; `old` must occur exactly once (so this script
    fails loudly, rather than writing a wrong example, if the solutions change)."""
    c = cell(nb, grade_id)
    assert c.source.count(old) == 1, f"{grade_id}: {old!r} occurs {c.source.count(old)} times"
    c.source = c.source.replace(old, new)
    return nb


def body(nb, grade_id, code):
    """Replace everything after an answer cell's docstring (the `def` line and docstring stay)."""
    c = cell(nb, grade_id)
    head = c.source.split('"""')
    assert len(head) >= 3, grade_id
    c.source = '"""'.join(head[:2]) + '"""\n' + code.strip("\n")
    return nb


def new_id(*parts):
    """A fixed, Jupyter-looking id for a cell a learner added (8 hex digits)."""
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:8]


def insert_after(nb, grade_id, new_cell):
    i = nb.cells.index(cell(nb, grade_id))
    nb.cells.insert(i + 1, new_cell)
    return nb


def code_cell(source, cell_id):
    c = nbformat.v4.new_code_cell(source)
    c.id = cell_id
    return c


def to_v3_json(nb, name):
    """nbformat 3 JSON of nb (the pre-2015 format, one worksheet), written by hand: what a very
    old Jupyter or a converter might save. Cell metadata (nbgrader's) is kept, cell ids are not."""
    cells = []
    for c in nb.cells:
        if c.cell_type == "code":
            cells.append(
                {
                    "cell_type": "code",
                    "collapsed": False,
                    "input": c.source,
                    "language": "python",
                    "metadata": dict(c.metadata),
                    "outputs": [],
                }
            )
        else:
            cells.append({"cell_type": c.cell_type, "metadata": dict(c.metadata), "source": c.source})
    v3 = {
        "metadata": {"name": name},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [{"cells": cells, "metadata": {}}],
    }
    return json.dumps(v3, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def text(nb):
    """The notebook as Jupyter saves it."""
    return nbformat.writes(nb, version=4) + "\n"


# ---------------------------------------------------------------------------------------------
# Written answers (notebook 05, why_relu; graded by hand): short and plausible, one per student
# ---------------------------------------------------------------------------------------------

WHY_RELU = {
    "s01": (
        "**(a)** Each layer multiplies the error term by f'(z) and by W^T. For sigmoid f' is at most "
        "1/4, so with weights of norm around 2 every layer halves the signal and the first layers "
        "barely learn. ReLU' is 1 for active units, so nothing shrinks the delta on the way back.\n\n"
        "**(b)** Units whose z is negative on every sample get zero gradient and stay dead, especially "
        "with a large learning rate; outputs are unbounded and not zero-centred, and ReLU'(0) has to "
        "be chosen. Leaky ReLU, He initialisation and a smaller learning rate help."
    ),
    "s02": (
        "(a) sigmoid'(z) <= 0.25, so ||delta^(l)|| <= 0.25 ||W|| ||delta^(l+1)||: with ten layers the "
        "first layer's gradient was about a million times smaller than the last one's. ReLU's "
        "derivative is 1 where the unit is on, so the gradient keeps its size (with He init).\n\n"
        "(b) Dead ReLUs (zero gradient forever), exploding activations, and the kink at 0."
    ),
    "s03": "ReLU does not squash the gradient like sigmoid (max 0.25 per layer). Downside: dead units.",
    "s09": (
        "Sigmoid's slope is at most 1/4, so the deltas shrink layer by layer; ReLU's slope is 1 for "
        "active units. The price is dead units that never recover and unbounded activations."
    ),
}


# ---------------------------------------------------------------------------------------------
# The class
# ---------------------------------------------------------------------------------------------


@dataclass
class Submission:
    student: str
    filename: str  # the file name as handed in (may be wrong on purpose)
    notebook: str  # the notebook it was meant to be (an id from NOTEBOOKS)
    kind: str  # correct, mistake, blank, partial, bad-input, tampered, cheat, abuse
    contents: str  # what the submission contains
    expected: str  # what a correct grader should give
    data: object = None  # a notebook node, or str/bytes written as they are
    plain: str = ""  # what plain nbgrader 0.9.6 `autograde` gave (observed), if it differs


CLASS = []


def add(student, nb_id, kind, contents, expected, data, filename=None, plain="the same"):
    CLASS.append(Submission(student, filename or f"{nb_id}.ipynb", nb_id, kind, contents, expected, data, plain))


def build():
    """Fill CLASS. Each block is one student; each add() one file."""
    CLASS.clear()

    # --- s01: the model student. Everything right, written answer filled in. ---------------
    for nb_id in NOTEBOOKS[:4]:
        add("s01", nb_id, "correct", "all answers = the solution code", "full marks", solved(nb_id))
    add(
        "s01",
        "05_vanishing",
        "correct",
        "all answers = the solution code; why_relu answered",
        "full marks on the 7 autograded points; why_relu (3) left for hand grading",
        solved("05_vanishing", written=WHY_RELU["s01"]),
    )

    # --- s02: correct but noisy: prints, warnings, helper cells, another route. ---------------
    nb = solved("01_chain_rule")
    body(nb, "sigmoid", "    return 0.5 * (1 + np.tanh(np.asarray(z, dtype=float) / 2))   # another route, no overflow")
    edit(
        nb,
        "sigmoid_prime",
        "    s = sigmoid(z)\n",
        "    s = sigmoid(z)\n    print('sigmoid_prime: s =', s)\n    np.exp(1000.0)   # a stray overflow warning\n",
    )
    add(
        "s02",
        "01_chain_rule",
        "correct",
        "correct; sigmoid by another route, (1 + tanh(z/2)) / 2; a debugging print and a stray overflow "
        "warning inside sigmoid_prime",
        "full marks (warnings and prints inside the learner's functions must not cost points, except where "
        "the exercise forbids the warning, as 01's sigmoid does)",
        nb,
    )

    nb = solved("02_worked_example")
    insert_after(
        nb,
        "forward_pass",
        code_cell(
            "# my own check before running the test\n"
            "import warnings\n"
            "mine = forward_pass(WE.PARAMS, *WE.INPUTS)\n"
            "print({k: round(v, 6) for k, v in mine.items()})\n"
            "warnings.warn('remember to compare with the blog post')",
            new_id("s02", "02", "1"),
        ),
    )
    edit(
        nb,
        "update_weights",
        "    return {",
        "    print(f'updating {len(grads)} parameters with lr={lr}')\n    return {",
    )
    add(
        "s02",
        "02_worked_example",
        "correct",
        "correct; an extra code cell of the learner's own (prints, warnings.warn at top level); a print in update_weights",
        "full marks (an added cell is not a tampering)",
        nb,
    )

    nb = solved("03_multi_output")
    insert_after(
        nb,
        "perceptron_grad",
        code_cell(
            "def deltas_out(Z2, Y, f2_prime, f2):\n"
            '    """My helper: the output deltas of a whole batch."""\n'
            "    return (f2(Z2) - Y) * f2_prime(Z2)",
            new_id("s02", "03", "1"),
        ),
    )
    edit(
        nb,
        "one_hidden_vectorised",
        "    delta2 = (f2(Z2) - Y) * f2_prime(Z2)\n",
        "    delta2 = deltas_out(Z2, Y, f2_prime, f2)   # helper defined above\n",
    )
    add(
        "s02",
        "03_multi_output",
        "correct",
        "correct; one_hidden_vectorised uses a helper function from a cell the learner added",
        "full marks (the helper cell must run before the answer is judged)",
        nb,
    )

    nb = solved("04_l_layers")
    edit(
        nb,
        "forward",
        "    for l in range(1, L + 1):\n",
        "    for l in range(1, L + 1):\n        print(f'layer {l}: W {W[l].shape}, A {A[l - 1].shape}')\n",
    )
    add(
        "s02",
        "04_l_layers",
        "correct",
        "correct; forward prints every layer's shapes (many lines of output)",
        "full marks",
        nb,
    )
    nb = solved("05_vanishing", written=WHY_RELU["s02"])
    edit(
        nb,
        "tanh_prime",
        "    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2",
        "    t = np.tanh(z)\n    return 1 - t * t",
    )
    add(
        "s02",
        "05_vanishing",
        "correct",
        "correct (tanh_prime written differently); why_relu answered",
        "full marks on the 7 autograded points; why_relu left for hand grading",
        nb,
    )

    # --- s03: one typical mistake in three notebooks. ----------------------------------------
    nb = edit(solved("01_chain_rule"), "sigmoid_prime", "s = sigmoid(z)", "s = sigmoid(sigmoid(z))")
    add(
        "s03",
        "01_chain_rule",
        "mistake",
        "sigmoid_prime = s(1-s) with s = sigmoid(sigmoid(z)): sigmoid applied twice",
        "sigmoid_prime fails (derivative of the wrong thing, 0.235 instead of 0.25 at z=0); last_layer_grads, "
        "which calls it, passes (a slip costs once: it is judged with the course's sigmoid_prime standing in); "
        "the rest full marks (13/14)",
        nb,
    )
    add(
        "s03",
        "02_worked_example",
        "correct",
        "all answers = the solution code",
        "full marks",
        solved("02_worked_example"),
    )
    nb = edit(
        solved("03_multi_output"),
        "one_hidden_vectorised",
        "    n = X.shape[1]\n    return tuple(g / n for g in grads) if average else grads",
        "    return grads",
    )
    add(
        "s03",
        "03_multi_output",
        "mistake",
        "one_hidden_vectorised ignores average=True: returns sums, not means over the n samples",
        "one_hidden_vectorised fails (average=True: n times too large); the rest full marks (9/12)",
        nb,
    )
    add("s03", "04_l_layers", "correct", "all answers = the solution code", "full marks", solved("04_l_layers"))
    nb = edit(
        solved("05_vanishing", written=WHY_RELU["s03"]),
        "tanh_prime",
        "np.tanh(np.asarray(z, dtype=float)) ** 2",
        "np.tanh(np.asarray(z, dtype=float))",
    )
    add(
        "s03",
        "05_vanishing",
        "mistake",
        "tanh_prime = 1 - tanh(z) (square forgotten); why_relu answered (one line)",
        "tanh_prime fails; relu_prime, delta_bound, layer_speeds full marks (5/7 autograded); why_relu for hand grading",
        nb,
    )

    # --- s04: a different mistake in every notebook. -----------------------------------------
    nb = edit(solved("01_chain_rule"), "last_layer_grads", "2 * (sigmoid(z) - y)", "2 * (y - sigmoid(z))")
    add(
        "s04",
        "01_chain_rule",
        "mistake",
        "last_layer_grads: sign flip, 2(y - a) instead of 2(a - y)",
        "last_layer_grads fails (all three derivatives have the wrong sign); the rest full marks (11/14)",
        nb,
    )
    nb = edit(
        solved("02_worked_example"),
        "gradient_step",
        "    grads = {**out, **hidden_layer_gradients(p, fwd, out, i1, i2)}\n"
        "    if not update_biases:\n"
        '        grads = {k: v for k, v in grads.items() if k not in ("b1", "b2")}\n'
        "    return update_weights(p, grads, lr)",
        '    keep = lambda g: {k: v for k, v in g.items() if update_biases or k not in ("b1", "b2")}\n'
        "    p = update_weights(p, keep(out), lr)                 # output layer first ...\n"
        "    hidden = hidden_layer_gradients(p, fwd, out, i1, i2)  # ... then the hidden layer\n"
        "    return update_weights(p, keep(hidden), lr)",
    )
    add(
        "s04",
        "02_worked_example",
        "mistake",
        "gradient_step computes the hidden deltas from the already-updated w5..w8 (the published slip)",
        "gradient_step fails (w1..w4 off by ~1e-5); train, which calls it, passes (a slip costs once: it is "
        "judged with the course's gradient_step standing in); the rest full marks (14/16)",
        nb,
    )
    nb = edit(solved("03_multi_output"), "perceptron_grad", "np.outer(delta, x)", "np.outer(x, delta)")
    add(
        "s04",
        "03_multi_output",
        "mistake",
        "perceptron_grad returns dW transposed, (d, m) instead of (m, d)",
        "perceptron_grad fails (shape (d, m): the expected value transposed); the rest full marks (10/12)",
        nb,
    )
    nb = edit(
        solved("04_l_layers"),
        "backward",
        "activation(fs[l])[1](Z[l]) * (W[l + 1].T",
        "activation(fs[l])[1](A[l]) * (W[l + 1].T",
    )
    add(
        "s04",
        "04_l_layers",
        "mistake",
        "backward uses f'(a) instead of f'(z) in the hidden layers",
        "backward fails (first wrong layer below the output); l2_gradients, which calls it, passes (a slip "
        "costs once: it is judged with the course's backward standing in); the rest full marks (10/14)",
        nb,
    )
    nb = edit(solved("05_vanishing"), "relu_prime", "> 0)", ">= 0)")
    add(
        "s04",
        "05_vanishing",
        "mistake",
        "relu_prime gives 1 at z = 0 (>= instead of >); why_relu not answered",
        "relu_prime fails (1 at z=0, the course takes 0); the rest full marks (6/7 autograded); why_relu blank. "
        "Only an input exactly at 0 shows it: random inputs alone miss it",
        nb,
    )

    # --- s05: a mistake, a blank notebook, a missing one. ------------------------------------
    nb = edit(solved("01_chain_rule"), "chain_backward", "dC_dz = a[l] * (1 - a[l]) * dC_da", "dC_dz = dC_da")
    add(
        "s05",
        "01_chain_rule",
        "mistake",
        "chain_backward forgets f'(z) = a(1-a) when going from dC/da to dC/dz",
        "chain_backward fails; the rest full marks (11/14)",
        nb,
    )
    add(
        "s05",
        "02_worked_example",
        "blank",
        "the release notebook, unchanged",
        "0/16: every item fails as not written (NotImplementedError); a valid submission, not an error",
        blank("02_worked_example"),
    )
    add("s05", "03_multi_output", "correct", "all answers = the solution code", "full marks", solved("03_multi_output"))
    nb = edit(solved("04_l_layers"), "backward", "dW[l] = delta[l] @ A[l - 1].T", "dW[l] = A[l - 1] @ delta[l].T")
    add(
        "s05",
        "04_l_layers",
        "mistake",
        "backward returns dW transposed: A[l-1] @ delta[l].T",
        "backward fails (dW has the transposed shape); l2_gradients, which calls it, passes (a slip costs "
        "once); the rest full marks (10/14)",
        nb,
    )
    # (no 05_vanishing: s05 did not hand it in)

    # --- s06: bad files. -----------------------------------------------------------------------
    add(
        "s06",
        "01_chain_rule",
        "bad-input",
        "correct work saved under a browser-download name",
        "not graded as 01 by name: '01_chain_rule (1).ipynb' is not a course file name; report it (and "
        "01_chain_rule as missing), or match it to 01 and give full marks - never silently ignore it",
        solved("01_chain_rule"),
        filename="01_chain_rule (1).ipynb",
        plain="not run (nbgrader looks only for <id>.ipynb)",
    )
    whole = text(solved("02_worked_example"))
    add(
        "s06",
        "02_worked_example",
        "bad-input",
        "invalid JSON: the file is cut off at 60% (a save that did not finish)",
        "error: invalid JSON (not a readable notebook); reported as an error, not as 0 points",
        whole[: int(len(whole) * 0.6)],
        plain="autograde exits 1 (NotJSONError); no score",
    )
    add(
        "s06",
        "03_multi_output",
        "bad-input",
        "an empty file (0 bytes)",
        "error: empty file; reported as an error, not as 0 points",
        b"",
        plain="autograde exits 1 (NotJSONError); no score",
    )
    add(
        "s06",
        "04_l_layers",
        "bad-input",
        "nbformat 3 JSON (worksheets, 'input' instead of 'source'), correct answers, nbgrader metadata kept",
        "either upgraded by nbformat and graded (full marks) or rejected with a clear 'nbformat 3' error; "
        "never a silent 0",
        to_v3_json(solved("04_l_layers"), "04_l_layers"),
        plain="upgraded and graded: 14/14",
    )
    # (no 05_vanishing)

    # --- s07: tampering with the test cells / nbgrader metadata. -------------------------------
    nb = edit(solved("01_chain_rule"), "chain_backward", "dC_dz = a[l] * (1 - a[l]) * dC_da", "dC_dz = dC_da")
    nb.cells.remove(cell(nb, "test_chain_backward"))
    add(
        "s07",
        "01_chain_rule",
        "tampered",
        "test cell test_chain_backward deleted; chain_backward wrong (forgets f'(z))",
        "tampered: test cell deleted, graded on the answers: chain_backward fails (0/3), the rest full marks (11/14)",
        nb,
        plain="11/14 (the deleted cell scores nothing)",
    )
    nb = solved("02_worked_example")
    a, b = cell(nb, "test_update_weights"), cell(nb, "test_gradient_step")
    i, j = nb.cells.index(a), nb.cells.index(b)
    nb.cells[i], nb.cells[j] = b, a
    add(
        "s07",
        "02_worked_example",
        "tampered",
        "test cells test_update_weights and test_gradient_step swapped (test_gradient_step now runs before "
        "gradient_step is defined); all answers correct",
        "full marks (graded on the answers); the reordering noted",
        nb,
        plain="14/16: test_gradient_step fails with a NameError",
    )
    nb = solved("03_multi_output")
    dup = copy.deepcopy(cell(nb, "test_one_hidden_loop"))
    dup.id = new_id("s07", "03", "dup")  # Jupyter gives a pasted cell a new id, keeps the metadata
    insert_after(nb, "test_one_hidden_loop", dup)
    add(
        "s07",
        "03_multi_output",
        "tampered",
        "test cell test_one_hidden_loop copy-pasted (two cells with the same grade_id); all answers correct",
        "full marks, one_hidden_loop counted once (3 points, not 6); the duplicate reported",
        nb,
        plain="autograde exits 1: 'old version of the nbgrader metadata format' (misleading); no score",
    )
    nb = edit(solved("04_l_layers"), "param_count", "n_out * n_in + n_out", "n_out * n_in")
    cell(nb, "test_param_count").source = "pass"
    add(
        "s07",
        "04_l_layers",
        "tampered",
        "test cell test_param_count replaced by `pass`; param_count forgets the biases",
        "tampered: param_count fails (13,002 expected, 12,960 given) despite the emptied test; the rest full marks (13/14)",
        nb,
        plain="13/14 (it restores the test cell from its records)",
    )
    nb = solved("05_vanishing")
    c = cell(nb, "relu_prime")
    c.cell_type = "markdown"  # the 'M' key in command mode
    del c["outputs"], c["execution_count"]
    add(
        "s07",
        "05_vanishing",
        "tampered",
        "relu_prime's answer cell retyped to markdown (nbgrader metadata still says code); code in it is correct",
        "full marks (7/7): relu_prime graded on its code, as nbgrader restores the cell type from its records; "
        "the retyping reported. (Failing relu_prime is defensible only with a message that says the answer "
        "cell was turned into markdown, not just 'relu_prime is not defined'.)",
        nb,
        plain="7/7 (cell type restored)",
    )

    # --- s08: cheats (monkeypatching in an answer cell), wrong answers underneath. -------------
    nb = solved("01_chain_rule")
    edit(
        nb, "sigmoid", "def sigmoid(z):", "np.allclose = lambda *a, **k: True   # found on a forum\n\n\ndef sigmoid(z):"
    )
    edit(nb, "sigmoid_prime", "s = sigmoid(z)", "s = sigmoid(sigmoid(z))")
    edit(nb, "numerical_derivative", "(f(x + h) - f(x - h)) / (2 * h)", "(f(x + h) - f(x)) / h")
    edit(nb, "chain_backward", "dC_dz = a[l] * (1 - a[l]) * dC_da", "dC_dz = dC_da")
    add(
        "s08",
        "01_chain_rule",
        "cheat",
        "`np.allclose = lambda *a, **k: True` in the sigmoid cell; sigmoid_prime (sigmoid twice), "
        "numerical_derivative (forward difference) and chain_backward (no f') wrong",
        "cheat has no effect: sigmoid_prime, numerical_derivative, chain_backward fail; sigmoid, chain_forward, "
        "bce_grads and last_layer_grads (right with the course's sigmoid_prime standing in) pass (8/14); the "
        "monkeypatch ideally flagged",
        nb,
        plain="5/14 (the course's checks do not use np.allclose)",
    )

    nb = solved("02_worked_example")
    edit(
        nb,
        "forward_pass",
        "def forward_pass(p, i1, i2):",
        "from grader.learner import checks\n"
        "checks.close = lambda *a, **k: None\n"
        "checks.difference = lambda *a, **k: None\n"
        "checks.layers = lambda *a, **k: None\n\n\n"
        "def forward_pass(p, i1, i2):",
    )
    edit(nb, "total_error", "E_o1 = 0.5 * (t1 - out_o1) ** 2", "E_o1 = (t1 - out_o1) ** 2")
    edit(nb, "total_error", "E_o2 = 0.5 * (t2 - out_o2) ** 2", "E_o2 = (t2 - out_o2) ** 2")
    edit(nb, "hidden_layer_gradients", '(d1 * p["w5"] + d2 * p["w7"])', '(d1 * p["w5"] + d2 * p["w6"])')
    body(nb, "slipped_step", "    return dict(p)")
    add(
        "s08",
        "02_worked_example",
        "cheat",
        "grader.learner.checks.close/difference/layers replaced by no-ops in the forward_pass cell; total_error without "
        "the 1/2, hidden_layer_gradients uses w6 for w7, slipped_step returns p unchanged",
        "cheat has no effect: total_error, hidden_layer_gradients, slipped_step fail; forward_pass, "
        "output_layer_gradients, input_gradients, update_weights, and gradient_step and train (right with the "
        "course's functions standing in for the wrong ones they call) pass (11/16)",
        nb,
        plain="16/16: fooled",
    )

    nb = solved("03_multi_output")
    edit(
        nb,
        "perceptron_grad",
        "def perceptron_grad(W, x, t):",
        "import grader.course.judge\n"
        "grader.course.judge.check = lambda *a, **k: None\n"
        "checks.close = lambda *a, **k: None\n"
        "checks.gradient = lambda *a, **k: None\n\n\n"
        "def perceptron_grad(W, x, t):",
    )
    edit(nb, "perceptron_grad", "np.outer(delta, x)", "np.outer(x, delta)")
    edit(nb, "one_hidden_loop", "delta1 = f1_prime(z1[k]) * sum(", "delta1 = sum(")
    edit(
        nb,
        "one_hidden_vectorised",
        "    n = X.shape[1]\n    return tuple(g / n for g in grads) if average else grads",
        "    return grads",
    )
    add(
        "s08",
        "03_multi_output",
        "cheat",
        "`import grader.course.judge` then judge.check, checks.close and checks.gradient replaced by no-ops; "
        "perceptron_grad transposed, one_hidden_loop forgets f1', one_hidden_vectorised ignores average",
        "cheat has no effect: perceptron_grad, one_hidden_loop and one_hidden_vectorised fail; "
        "softmax_ce_grads passes (4/12)",
        nb,
        plain="12/12: fooled",
    )

    nb = solved("04_l_layers")
    edit(
        nb,
        "param_count",
        "def param_count(sizes):",
        "import sys\n"
        "sys.excepthook = lambda *args: None\n"
        "get_ipython().set_custom_exc((Exception,), lambda shell, etype, value, tb, tb_offset=None: None)\n\n\n"
        "def param_count(sizes):",
    )
    edit(nb, "param_count", "n_out * n_in + n_out", "n_out * n_in")
    edit(nb, "backward", "dW[l] = delta[l] @ A[l - 1].T", "dW[l] = A[l - 1] @ delta[l].T")
    edit(nb, "predict", "axis=0)", "axis=1)")
    add(
        "s08",
        "04_l_layers",
        "cheat",
        "sys.excepthook and IPython's custom exception handler (set_custom_exc) silence every error; "
        "param_count forgets biases, backward returns dW transposed, predict takes argmax over the wrong axis",
        "cheat has no effect: param_count, backward, predict fail; init_params, forward, gd_step and "
        "l2_gradients (right with the course's backward standing in) pass (8/14)",
        nb,
        plain="5/14: not fooled (a failed check is reported on stderr, which silencing exceptions does not touch)",
    )
    # (s08 did not hand in 05)

    # --- s09: resource abuse, one per notebook, everything else correct. ----------------------
    nb = solved("01_chain_rule")
    body(
        nb,
        "chain_backward",
        "    import signal\n"
        "    signal.signal(signal.SIGINT, signal.SIG_IGN)   # don't let 'interrupt kernel' stop my training\n"
        "    while True:\n"
        "        pass",
    )
    add(
        "s09",
        "01_chain_rule",
        "abuse",
        "chain_backward ignores SIGINT then loops forever (when called)",
        "chain_backward: timeout (0/3); every other item graded normally (11/14); the machine unharmed",
        nb,
        plain="autograde exits 1 after the cell timeout (the kernel ignores the interrupt); no score",
    )
    nb = solved("02_worked_example")
    edit(
        nb,
        "train",
        "    errors = [e_total(p)]\n",
        "    import os\n    os._exit(1)   # 'quit early'\n    errors = [e_total(p)]\n",
    )
    add(
        "s09",
        "02_worked_example",
        "abuse",
        "train calls os._exit(1) (the kernel process ends when train is called)",
        "train: error, the process exited (0/1); every other item graded normally (15/16)",
        nb,
        plain="autograde exits 1 (the kernel died); no score",
    )
    nb = solved("03_multi_output")
    edit(
        nb,
        "one_hidden_loop",
        "    for i in range(n):\n",
        "    cache = np.ones((2 ** 23, 2 ** 23))   # 512 TiB: raises MemoryError at once\n    for i in range(n):\n",
    )
    add(
        "s09",
        "03_multi_output",
        "abuse",
        "one_hidden_loop allocates np.ones((2**23, 2**23)) first (MemoryError)",
        "one_hidden_loop fails (MemoryError) (0/3); one_hidden_vectorised judged on its own code: full marks; "
        "perceptron_grad and softmax_ce_grads full marks (9/12)",
        nb,
        plain="the same",
    )
    nb = solved("04_l_layers")
    edit(
        nb,
        "param_count",
        "def param_count(sizes):",
        "for i in range(100_000):                      # 'progress log' left in: 5 million characters\n"
        "    print(f'checking layer sizes, pass {i:06d} ' + '.' * 15)\n\n\n"
        "def param_count(sizes):",
    )
    add(
        "s09",
        "04_l_layers",
        "abuse",
        "the param_count cell prints 5,000,000 characters at top level; all answers correct",
        "full marks; the output is discarded or truncated, not stored in the results or feedback",
        nb,
        plain="14/14; its LimitOutput keeps a truncated copy of the output (1,000 lines, about 50 KB)",
    )
    add(
        "s09",
        "05_vanishing",
        "correct",
        "all answers = the solution code; why_relu answered",
        "full marks on the 7 autograded points; why_relu for hand grading",
        solved("05_vanishing", written=WHY_RELU["s09"]),
    )

    # --- s10: blank, half-done, wrongly named, no written answer. -----------------------------
    add(
        "s10",
        "01_chain_rule",
        "blank",
        "the release notebook, unchanged",
        "0/14: every item not written",
        blank("01_chain_rule"),
    )
    nb = solved(
        "02_worked_example",
        skip=("hidden_layer_gradients", "input_gradients", "update_weights", "gradient_step", "slipped_step", "train"),
    )
    add(
        "s10",
        "02_worked_example",
        "partial",
        "forward_pass, total_error, output_layer_gradients answered (correct); the other six still `raise NotImplementedError()`",
        "forward_pass, total_error, output_layer_gradients full marks; the other six not written (5/16)",
        nb,
    )
    add(
        "s10",
        "03_multi_output",
        "bad-input",
        "correct work saved as `multi_output.ipynb` (not the course's file name)",
        "reported as an unknown file (and 03_multi_output as missing), or matched to 03 and given full marks; "
        "never silently dropped",
        solved("03_multi_output"),
        filename="multi_output.ipynb",
        plain="not run (nbgrader looks only for <id>.ipynb)",
    )
    add(
        "s10",
        "05_vanishing",
        "correct",
        "all autograded answers correct; why_relu left as 'YOUR ANSWER HERE'",
        "full marks on the 7 autograded points; why_relu unanswered (0 when hand graded)",
        solved("05_vanishing"),
    )
    return CLASS


def write(submissions):
    shutil.rmtree(OUT, ignore_errors=True)
    for s in submissions:
        path = OUT / s.student / s.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        data = s.data
        if isinstance(data, nbformat.NotebookNode):
            data = text(data)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def table(submissions):
    rows = [
        "| student | file | kind | contents | a correct grader gives | plain nbgrader gave |",
        "|---|---|---|---|---|---|",
    ]
    for s in submissions:
        rows.append(f"| {s.student} | `{s.filename}` | {s.kind} | {s.contents} | {s.expected} | {s.plain} |")
    return "\n".join(rows)


def main(argv):
    submissions = build()
    write(submissions)
    files = sorted(p for p in OUT.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in files)
    print(
        f"wrote {len(files)} files for {len({s.student for s in submissions})} students to "
        f"{OUT.relative_to(ROOT)} ({size / 1e6:.2f} MB)"
    )
    if "--table" in argv:
        print(table(submissions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
