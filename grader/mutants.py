"""Mutation testing of the course: do the checks catch the typical wrong answers?

A mutant is the solution notebook's answers with ONE graded function changed: one catalogued
misconception put in (grader.misconceptions; the edit is written out below), a generic slip made
automatically (a constant changed, an operator swapped, a line dropped), or a partial mistake
(wrong on one branch of the specification only, PARTIAL). Every mutant is handed in as a learner
would (the release notebook, answers filled in) and judged by grader.trusted, the judge whose
verdicts are the scores of `python -m grader autograde`, with the seed autograde would draw for
it (nbgrader's in-kernel run, which decides no score, is left out); then its function is judged
again on each of SEEDS seeds. A mutant is

- killed when its function loses points, and killed on every seed when it loses them on each,
- diagnosed (catalogue mutants) when the message for its function names its misconception,
- contained when every item that does not use the mutated function keeps full marks.

    python -m grader mutants [--jobs N]     (make mutants) prints the table per function
"""
import ast
import io
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import manifest
from .misconceptions import CATALOGUE, find
from .release import filled, solution_answers

ROOT = Path(__file__).resolve().parent.parent

# Catalogue mutants: function -> [(misconception, [(old, new), ...])], edits of the solution code.
EDITS = {
    "sigmoid_prime": [
        ("fprime_of_a", [("s = sigmoid(z)", "s = sigmoid(sigmoid(z))")]),
        ("wrong_activation_derivative", [("return s * (1 - s)", "return 1 - s ** 2")])],
    "last_layer_grads": [
        ("sign_flipped", [("(sigmoid(z) - y)", "(y - sigmoid(z))")]),
        ("factor_two_dropped", [("* 2 * (", "* (")]),
        ("fprime_omitted", [("sigmoid_prime(z) * 2", "2")]),
        ("fprime_of_a", [("sigmoid_prime(z) *", "sigmoid_prime(sigmoid(z)) *")])],
    "chain_backward": [
        ("fprime_omitted", [("dC_dz = a[l] * (1 - a[l]) * dC_da", "dC_dz = dC_da")]),
        ("fprime_of_a", [("dC_dz = a[l] * (1 - a[l]) * dC_da", "dC_dz = sigmoid_prime(a[l]) * dC_da")]),
        ("sign_flipped", [("(a[L] - y)", "(y - a[L])")]),
        ("factor_two_dropped", [("dC_da = 2 * (a[L] - y)", "dC_da = (a[L] - y)")]),
        ("sum_vs_mean", [(" / a[L].size", "")]),
        ("off_by_one_activation", [("np.sum(a[l - 1] * dC_dz)", "np.sum(a[l] * dC_dz)")])],
    "total_error": [
        ("half_cost_doubled", [("E_o1 = 0.5 * ", "E_o1 = "), ("E_o2 = 0.5 * ", "E_o2 = ")])],
    "output_layer_gradients": [
        ("sign_flipped", [('(fwd["out_o1"] - t1)', '(t1 - fwd["out_o1"])'),
                          ('(fwd["out_o2"] - t2)', '(t2 - fwd["out_o2"])')]),
        ("fprime_omitted", [(' * fwd["out_o1"] * (1 - fwd["out_o1"])', ""),
                            (' * fwd["out_o2"] * (1 - fwd["out_o2"])', "")])],
    "hidden_layer_gradients": [
        ("W_not_transposed", [('d1 * p["w5"] + d2 * p["w7"]', 'd1 * p["w5"] + d2 * p["w6"]'),
                              ('d1 * p["w6"] + d2 * p["w8"]', 'd1 * p["w7"] + d2 * p["w8"]')]),
        ("fprime_omitted", [(' * fwd["out_h1"] * (1 - fwd["out_h1"])', ""),
                            (' * fwd["out_h2"] * (1 - fwd["out_h2"])', "")])],
    "update_weights": [("sign_flipped", [("v - lr * grads[k]", "v + lr * grads[k]")])],
    "gradient_step": [
        ("updated_weights", [("**hidden_layer_gradients(p, fwd, out, i1, i2)",
                              "**hidden_layer_gradients(update_weights(p, out, lr), fwd, out, i1, i2)")])],
    "perceptron_grad": [
        ("dW_transposed", [("np.outer(delta, x)", "np.outer(x, delta)")]),
        ("fprime_omitted", [("delta = (O - t) * O * (1 - O)", "delta = (O - t)")]),
        ("sign_flipped", [("(O - t)", "(t - O)")]),
        ("half_cost_doubled", [("delta = (O - t)", "delta = 2 * (O - t)")])],
    "one_hidden_loop": [
        ("sign_flipped", [("(f2(z2[j]) - Y[j, i])", "(Y[j, i] - f2(z2[j]))")]),
        ("fprime_omitted", [(" * f2_prime(z2[j])", ""), ("f1_prime(z1[k]) * ", "")]),
        ("W_not_transposed", [("W2[j, k] * delta2[j]", "W2[k, j] * delta2[j]")]),
        ("sum_vs_mean", [("    if average:\n", "    if not average:\n")]),
        ("last_fprime_twice", [(" * f2_prime(z2[j])", " * f2_prime(z2[j]) ** 2")])],
    "one_hidden_vectorised": [
        ("dW_transposed", [("delta1 @ X.T", "X @ delta1.T"), ("delta2 @ A1.T", "A1 @ delta2.T")]),
        ("W_not_transposed", [("(W2.T @ delta2)", "(W2 @ delta2)")]),
        ("fprime_omitted", [(" * f2_prime(Z2)", ""), ("f1_prime(Z1) * ", "")]),
        ("fprime_of_a", [("f2_prime(Z2)", "f2_prime(f2(Z2))"), ("f1_prime(Z1)", "f1_prime(A1)")]),
        ("sign_flipped", [("(f2(Z2) - Y)", "(Y - f2(Z2))")]),
        ("bias_not_summed", [("delta1.sum(axis=1, keepdims=True)", "delta1"),
                             ("delta2.sum(axis=1, keepdims=True)", "delta2")]),
        ("wrong_axis", [("delta1.sum(axis=1, keepdims=True)", "delta1.sum(axis=0, keepdims=True)"),
                        ("delta2.sum(axis=1, keepdims=True)", "delta2.sum(axis=0, keepdims=True)")]),
        ("sum_vs_mean", [("if average else grads", "if not average else grads")]),
        ("off_by_one_activation", [("delta1 @ X.T", "delta1 @ A1.T"), ("delta2 @ A1.T", "delta2 @ f2(Z2).T")]),
        ("last_fprime_twice", [(" * f2_prime(Z2)", " * f2_prime(Z2) ** 2")])],
    "backward": [
        ("dW_transposed", [("delta[l] @ A[l - 1].T", "A[l - 1] @ delta[l].T")]),
        ("W_not_transposed", [("(W[l + 1].T @ delta[l + 1])", "(W[l + 1] @ delta[l + 1])")]),
        ("fprime_omitted", [(" * activation(fs[L])[1](Z[L])", ""), ("activation(fs[l])[1](Z[l]) * ", "")]),
        ("fprime_of_a", [("activation(fs[L])[1](Z[L])", "activation(fs[L])[1](A[L])"),
                         ("activation(fs[l])[1](Z[l])", "activation(fs[l])[1](A[l])")]),
        ("sign_flipped", [("dC_dA(A[L], Y) *", "-dC_dA(A[L], Y) *")]),
        ("bias_not_summed", [("delta[l].sum(axis=1, keepdims=True)", "delta[l]")]),
        ("wrong_axis", [("delta[l].sum(axis=1, keepdims=True)", "delta[l].sum(axis=0, keepdims=True)")]),
        ("off_by_one_activation", [("delta[l] @ A[l - 1].T", "delta[l] @ A[l].T")]),
        ("last_fprime_twice", [(" * activation(fs[L])[1](Z[L])", " * activation(fs[L])[1](Z[L]) ** 2")]),
        ("last_fprime_missing", [(" * activation(fs[L])[1](Z[L])", "")])],
    "gd_step": [
        ("sign_flipped", [("W[l] - lr * dW[l]", "W[l] + lr * dW[l]"), ("b[l] - lr * db[l]", "b[l] + lr * db[l]")]),
        ("mutates_input", [("    return new_W, new_b", "    for l in range(1, len(W)):\n        W[l] -= lr * dW[l]\n"
                                                    "        b[l] -= lr * db[l]\n    return W, b")])],
    "predict": [("wrong_axis", [("axis=0", "axis=1")])],
    "tanh_prime": [
        ("wrong_activation_derivative", [(") ** 2", ")")]),
        ("fprime_of_a", [("np.tanh(np.asarray(z, dtype=float))", "np.tanh(np.tanh(np.asarray(z, dtype=float)))")])],
    "relu_prime": [
        ("relu_kink", [("> 0", ">= 0")]),
        ("relu_one_everywhere", [("(np.asarray(z, dtype=float) > 0).astype(float)", "np.ones_like(np.asarray(z, dtype=float))")]),
        ("relu_sign", [("(np.asarray(z, dtype=float) > 0).astype(float)", "np.sign(np.asarray(z, dtype=float))")])],
}


# Partial mutants: the solution made wrong on ONE branch of its specification only (a depth, a
# shape, a scheme, a cost, an activation, one sample), right everywhere else, the kind of bug a
# judge with only random inputs lets through on lucky seeds. Each wraps the solution: kind ->
# (what it gets wrong, the condition under which it is wrong, how: a change to its result `out`).
SCALE_FIRST = "out = (1.01 * out[0],) + tuple(out[1:])"
PARTIAL = {
    "last_layer_grads": [("one-sample", "wrong only for one sample", "len(a_prev) == 1", SCALE_FIRST)],
    "chain_forward": [("deep", "wrong only for L >= 3", "len(w) - 1 >= 3", "out[-1] = 1.01 * out[-1]")],
    "chain_backward": [
        ("deep", "wrong only for L >= 3", "len(w) - 1 >= 3", "out[0][1] = 1.01 * out[0][1]"),
        ("one-neuron", "wrong only for L = 1", "len(w) == 2", "out[1][1] = 1.01 * out[1][1]"),
        ("one-sample", "wrong only for one sample", "len(x) == 1", "out[0][-1] = 1.01 * out[0][-1]")],
    "update_weights": [("all-keys", "wrong only when every parameter has a gradient",
                        "all(k in grads for k in p)", "out['w1'] = out['w1'] + 0.01")],
    "gradient_step": [("biases", "wrong only when the biases are updated too", "update_biases",
                       "out['b1'] = out['b1'] + 0.01")],
    "train": [("one-step", "wrong only for a single step", "steps == 1", "out[1][-1] = 1.01 * out[1][-1]")],
    "perceptron_grad": [("one-output", "wrong only for one output", "np.shape(W)[0] == 1", "out = 1.01 * out")],
    "one_hidden_vectorised": [
        ("identity", "wrong only with an identity layer", "'identity' in (f1, f2)", SCALE_FIRST),
        ("averaged", "wrong only when averaging", "average", SCALE_FIRST),
        ("one-sample", "wrong only for one sample", "X.shape[1] == 1", SCALE_FIRST)],
    "one_hidden_loop": [("relu", "wrong only with a ReLU layer", "'relu' in (f1, f2)", SCALE_FIRST)],
    "param_count": [("deep", "wrong only for L >= 3", "len(sizes) - 1 >= 3", "out = out + 1")],
    "init_params": [
        ("xavier", "'xavier' drawn as N(0, 1/n_in) (deeplearning.ai's Xavier)", "scheme == 'xavier'",
         "out = _right_init_params(sizes, 'normal', rng)"),
        ("he", "'he' drawn uniformly with He's spread", "scheme == 'he'",
         "out = ([None] + [np.sqrt(3) * np.sqrt(2 / w.shape[1]) * (2 * np.random.default_rng(rng).random(w.shape) - 1)"
         " for w in out[0][1:]], out[1])"),
        ("global-random", "ignores its rng argument (numpy's global random state)", "True",
         "out = _right_init_params(sizes, scheme, np.random.randint(2**31))"),
        ("fixed-seed", "ignores its rng argument (a fixed seed)", "True",
         "out = _right_init_params(sizes, scheme, 0)")],
    "forward": [
        ("deep", "wrong only for L >= 3", "len(W) - 1 >= 3", "out[1][-1] = 1.01 * out[1][-1]"),
        ("relu", "wrong only with a ReLU layer", "'relu' in ([f] if isinstance(f, str) else list(f))",
         "out[1][-1] = 1.01 * out[1][-1]")],
    "backward": [
        ("deep", "wrong only for L >= 3", "len(W) - 1 >= 3", "out[1][1] = 1.01 * out[1][1]"),
        ("shallow", "wrong only for L = 1", "len(W) == 2", "out[1][1] = 1.01 * out[1][1]"),
        ("one-sample", "wrong only for one sample", "A[0].shape[1] == 1", "out[2][1] = 1.01 * out[2][1]"),
        ("square", "wrong only when every layer has the same width", "len({w.shape for w in W[1:]}) == 1",
         "out[1][1] = 1.01 * out[1][1]"),
        ("mse", "wrong only for the cost 'mse'", "cost == 'mse'", "out[1][-1] = 1.01 * out[1][-1]"),
        ("sse", "wrong only for the cost 'sse'", "cost == 'sse'", "out[1][-1] = 1.01 * out[1][-1]"),
        ("identity", "wrong only with an identity layer", "'identity' in ([f] if isinstance(f, str) else list(f))",
         "out[1][-1] = 1.01 * out[1][-1]")],
    "gd_step": [("shallow", "wrong only for L = 1", "len(W) == 2", "out[0][1] = 1.01 * out[0][1]")],
    "predict": [("one-sample", "wrong only for one sample", "X.shape[1] == 1", "out = (out + 1) % W[-1].shape[0]")],
    "delta_bound": [
        ("W-index", "W^(l) where W^(l+1) belongs", "True",
         "out = [None] * len(W)\n        out[-1] = float(np.linalg.norm(delta_L))\n"
         "        for l in range(len(W) - 2, 0, -1):\n"
         "            out[l] = float(fprime_max * np.linalg.norm(W[l], 2) * out[l + 1])"),
        ("one-column", "wrong only for one column", "np.ndim(delta_L) == 2 and np.shape(delta_L)[1] == 1",
         "out[1] = 1.01 * out[1]")],
    "layer_speeds": [("deep", "wrong only for L >= 3", "len(W) - 1 >= 3", "out[1] = 1.01 * out[1]")],
}


def partial(item, source, condition, change):
    """The answer `source` to `item` wrapped so that it is wrong exactly when `condition` holds."""
    params = re.search(rf"def {item}\((.*?)\):", source, re.S).group(1)
    names = ", ".join(p.split("=")[0].strip() for p in params.split(","))
    return (f"{source.rstrip()}\n\n\n_right_{item} = {item}\n\n\ndef {item}({params}):\n"
            f"    out = _right_{item}({names})\n    if {condition}:\n        {change}\n    return out\n")


@dataclass(frozen=True)
class Mutant:
    notebook: str
    item: str           # the graded function changed
    kind: str           # a misconception id, or "constant", "operator", "line"
    source: str         # the mutated answer cell
    description: str

    @property
    def catalogued(self):
        return self.kind in CATALOGUE

    @property
    def family(self):
        return "catalogue" if self.catalogued else "partial" if self.kind.startswith("partial-") else "generic"

    @property
    def student(self):  # a folder name for the grader
        return f"{self.item}--{self.kind}"


def _body_tokens(source):
    """Tokens of the function body after its docstring: (type, string, start, end)."""
    tree = ast.parse(source)
    fn = next(node for node in tree.body if isinstance(node, ast.FunctionDef))
    first = fn.body[1] if ast.get_docstring(fn) and len(fn.body) > 1 else fn.body[0]
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    return [t for t in tokens if t.start >= (first.lineno, 0)]


def _replace(source, start, end, new):
    lines = source.split("\n")
    (r1, c1), (r2, c2) = start, end
    assert r1 == r2
    line = lines[r1 - 1]
    lines[r1 - 1] = line[:c1] + new + line[c2:]
    return "\n".join(lines)


def _compiles(source):
    try:
        ast.parse(source)
        return True
    except SyntaxError:
        return False


def generic(entry, item, source):
    """Up to three automatic mutants of one answer: the first numeric constant changed, the
    first binary operator swapped, the first droppable line dropped (all in the body)."""
    found = []
    tokens = _body_tokens(source)
    for tok in tokens:
        if tok.type == tokenize.NUMBER:
            value = ast.literal_eval(tok.string)
            new = repr(value + 1) if isinstance(value, int) else repr(value * 2 if value else 1.0)
            found.append(Mutant(entry.id, item, "constant", _replace(source, tok.start, tok.end, new),
                                f"line {tok.start[0]}: {tok.string} -> {new}"))
            break
    swaps = {"-": "+", "+": "-", "*": "/", "/": "*"}
    for before, tok in zip(tokens, tokens[1:]):
        if tok.type == tokenize.OP and tok.string in swaps and (
                before.type in (tokenize.NAME, tokenize.NUMBER) or before.string in (")", "]")):
            new = swaps[tok.string]
            found.append(Mutant(entry.id, item, "operator", _replace(source, tok.start, tok.end, new),
                                f"line {tok.start[0]}: {tok.string} -> {new}"))
            break
    lines = source.split("\n")
    body_start = tokens[0].start[0] if tokens else len(lines)
    for i in range(body_start - 1, len(lines)):
        text = lines[i].strip()
        if not text or text.startswith(("return", "#", "def ", "else", "elif")) or text.endswith(":"):
            continue
        if re.match(r"(\w+) = np\.asarray\(\1\b", text):   # numpy converts by itself: no change
            continue
        candidate = "\n".join(lines[:i] + lines[i + 1:])
        if _compiles(candidate):
            found.append(Mutant(entry.id, item, "line", candidate, f"line {i + 1} dropped: {text[:60]}"))
            break
    return found


def mutants(root=ROOT):
    """Every mutant of every autograded function, in course order."""
    made = []
    for entry in manifest.load(root / "grader" / "course.toml"):
        solution = solution_answers(entry, root)
        for item in entry.items:
            if item.written:
                continue
            source = solution[item.id]
            for kind, edits in EDITS.get(item.id, []):
                changed = source
                for old, new in edits:
                    if old not in changed:
                        raise ValueError(f"mutant {item.id}/{kind}: {old!r} is not in the solution any more")
                    changed = changed.replace(old, new)
                made.append(Mutant(entry.id, item.id, kind, changed, CATALOGUE[kind].title))
            made += generic(entry, item.id, source)
            for kind, description, condition, change in PARTIAL.get(item.id, []):
                made.append(Mutant(entry.id, item.id, f"partial-{kind}",
                                   partial(item.id, source, condition, change), description))
    return made


def users(entry, root=ROOT):
    """{item: items whose answers call it, directly or through others} in one notebook."""
    solution = solution_answers(entry, root)
    names = {item.id for item in entry.items if not item.written}
    calls = {item: {n.id for n in ast.walk(ast.parse(solution[item])) if isinstance(n, ast.Name)} & names - {item}
             for item in names}
    result = {}
    for item in names:
        found, frontier = set(), {item}
        while frontier:
            frontier = {other for other in names if calls[other] & frontier} - found
            found |= frontier
        result[item] = found
    return result


def _start_judge():
    """A judging worker: one BLAS thread, and the sandbox zygote started before the first mutant."""
    import os

    from . import trusted

    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
    trusted.Zygote.get()


def judge_mutant(m, root=ROOT, timeout=20):
    """{item: Verdict} for one mutant handed in as a learner would hand it in."""
    from . import trusted
    from .autograde import seed_for

    entry = manifest.find(m.notebook + ".ipynb", root / "grader" / "course.toml")
    nb = filled(entry, {**solution_answers(entry, root), m.item: m.source}, root)
    release = nbformat.read(root / "notebooks" / entry.id / entry.filename, as_version=4)
    seed = seed_for(m.student, entry.id)
    limits = trusted.Limits(setup_seconds=600, cell_seconds=timeout, call_seconds=timeout)
    return {v.item: v for v in trusted.grade_notebook(nb, entry, seed, limits, release)}


SEEDS = 200                 # the seed sweep: every mutant must fail on every one of these seeds


def sweep_mutant(m, root=ROOT, seeds=SEEDS):
    """The seeds (of range(seeds)) on which mutant m passes its hidden test: the judge run in this
    process, as it runs in the grader, on the function the mutant's cells define. Mutants are the
    course's own code, run here without a sandbox (an alarm stops one that hangs)."""
    import signal

    from IPython.core.inputtransformer2 import TransformerManager
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from . import checks, judge, trusted

    entry = manifest.find(m.notebook + ".ipynb", root / "grader" / "course.toml")
    nb = filled(entry, {**solution_answers(entry, root), m.item: m.source}, root)
    release = nbformat.read(root / "notebooks" / entry.id / entry.filename, as_version=4)
    shell, ipython = InteractiveShell.instance(), TransformerManager()
    namespace = {"__name__": "__main__", "get_ipython": lambda: shell}     # a fresh one per mutant
    with capture_output(display=True):
        for _, source, _ in trusted.notebook_cells(nb, release, False):
            try:
                exec(compile(ipython.transform_cell(source), "<cell>", "exec"), namespace)
            except Exception:  # noqa: BLE001 - as in a notebook, a failing cell does not stop the others
                pass
    fn = namespace.get(m.item)
    if not callable(fn):
        return []

    def too_long(*_):
        raise TimeoutError(f"{m.item} ran for more than 20 s")

    passed = []
    previous = signal.signal(signal.SIGALRM, too_long)
    try:
        with capture_output(display=True):
            for seed in range(seeds):
                signal.alarm(20)
                try:
                    judge.run(m.item, lambda args: checks.call(fn, *args, name=m.item), seed, explain=False)
                    passed.append(seed)
                except Exception:  # noqa: BLE001 - CheckFailed, or the mutant's own error: it lost the item
                    pass
                finally:
                    signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return passed


def run(jobs=None, root=ROOT, progress=True):
    """Judge every mutant in parallel worker processes. Returns [(mutant, outcome)], where outcome
    is a dict: killed, diagnosed (None if not a catalogue mutant), collateral (items outside the
    mutated function's users that lost points), message."""
    import os

    from tqdm import tqdm

    from .autograde import worker_processes

    entries = {e.id: e for e in manifest.load(root / "grader" / "course.toml")}
    made = mutants(root)
    deps = {nb_id: users(entry, root) for nb_id, entry in entries.items()}
    with worker_processes(jobs or os.cpu_count() or 1, _start_judge) as pool:
        judged = list(tqdm(pool.map(judge_mutant, made, [root] * len(made)), total=len(made), desc="judging",
                           unit="mutant", disable=not progress))
        lucky = list(tqdm(pool.map(sweep_mutant, made, [root] * len(made), chunksize=4), total=len(made),
                          desc=f"{SEEDS} seeds each", unit="mutant", disable=not progress))
    results = []
    for m, verdicts, passed in zip(made, judged, lucky):
        verdict = verdicts[m.item]
        allowed = {m.item} | deps[m.notebook][m.item]
        collateral = sorted(i for i, v in verdicts.items() if i not in allowed and v.status != "ok")
        named = find(verdict.message)
        results.append((m, {"killed": verdict.status != "ok", "lucky_seeds": passed,
                            "diagnosed": (named is not None and named.id == m.kind) if m.catalogued else None,
                            "collateral": collateral, "message": verdict.message}))
    return results


def table(results):
    """Markdown: per function, mutants (catalogue, generic, partial), killed by the grader's run,
    killed on every seed of the sweep, catalogue mutants diagnosed by name."""
    per = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])
    for m, outcome in results:
        counts = per[m.notebook, m.item]
        counts[0] += 1
        counts[1] += m.family == "partial"
        counts[2] += outcome["killed"]
        counts[3] += not outcome["lucky_seeds"]
        counts[4] += m.catalogued
        counts[5] += bool(outcome["diagnosed"])
    lines = [f"| notebook | function | mutants | of them partial | killed | killed on every seed ({SEEDS}) | "
             "catalogue mutants | diagnosed by name |", "|---|---|---|---|---|---|---|---|"]
    for (nb_id, item), (n, partial_, killed, every, cat, diagnosed, _) in per.items():
        lines.append(f"| {nb_id} | `{item}` | {n} | {partial_} | {killed} | {every} | {cat} | {diagnosed} |")
    n, partial_, killed, every, cat, diagnosed, _ = (sum(v[i] for v in per.values()) for i in range(7))
    lines.append(f"| **all** | | **{n}** | **{partial_}** | **{killed} ({100 * killed / n:.0f}%)** | "
                 f"**{every} ({100 * every / n:.0f}%)** | **{cat}** | **{diagnosed} ({100 * diagnosed / max(cat, 1):.0f}%)** |")
    return "\n".join(lines)


def main(jobs=None):
    results = run(jobs)
    print(table(results))
    for m, outcome in results:
        if (not outcome["killed"] or outcome["lucky_seeds"] or outcome["diagnosed"] is False
                or outcome["collateral"]):
            what = ("survived" if not outcome["killed"] else
                    f"passed on {len(outcome['lucky_seeds'])} of {SEEDS} seeds" if outcome["lucky_seeds"] else
                    "not diagnosed" if outcome["diagnosed"] is False else "collateral damage")
            print(f"- {m.item} / {m.kind} ({m.description}): {what}. {outcome['collateral'] or ''} "
                  f"{outcome['message'][:300]}")
    return 0
