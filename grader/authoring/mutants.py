"""Mutation testing of the course: do the checks catch the typical wrong answers?

A mutant is the solution notebook's answers with ONE graded function changed: one catalogued
misconception put in (grader.learner.misconceptions; the edit is written out below), a generic slip made
automatically (a constant changed, an operator swapped, a line dropped), or a partial mistake
(wrong on one branch of the specification only, Item.partial). Every mutant is handed in as a learner
would (the release notebook, answers filled in) and judged by grader.grading.trusted, the judge whose
verdicts are the scores of `python -m grader autograde`, with the seed autograde would draw for
it (nbgrader's in-kernel run, which decides no score, is left out); then its function is judged
again on each of SEEDS seeds. A mutant is

- killed when its function loses points, and killed on every seed when it loses them on each,
- diagnosed (catalogue mutants) when the message for its function names its misconception,
- contained when every item that does not use the mutated function keeps full marks.

The sweep is only as good as its run of the notebook: each graded function's own solution must
pass it on every seed (sweep_solutions, tests/authoring/test_mutants.py).

    python -m grader mutants [--jobs N]     (make mutants) prints the table per function
"""

import ast
import io
import re
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass

import nbformat

from ..course import layout
from ..course.items import ITEMS
from ..course.layout import ROOT
from ..course.revealed import ALL as CATALOGUE
from ..learner import manifest
from .release import filled, solution_answers


def partial(item, source, condition, change):
    """The answer `source` to `item` wrapped so that it is wrong exactly when `condition` holds."""
    params = re.search(rf"def {item}\((.*?)\):", source, re.S).group(1)
    names = ", ".join(p.split("=")[0].strip() for p in params.split(","))
    return (
        f"{source.rstrip()}\n\n\n_right_{item} = {item}\n\n\ndef {item}({params}):\n"
        f"    out = _right_{item}({names})\n    if {condition}:\n        {change}\n    return out\n"
    )


@dataclass(frozen=True)
class Mutant:
    notebook: str
    item: str  # the graded function changed
    kind: str  # a misconception id, or "constant", "operator", "line"
    source: str  # the mutated answer cell
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
            found.append(
                Mutant(
                    entry.id,
                    item,
                    "constant",
                    _replace(source, tok.start, tok.end, new),
                    f"line {tok.start[0]}: {tok.string} -> {new}",
                )
            )
            break
    swaps = {"-": "+", "+": "-", "*": "/", "/": "*"}
    for before, tok in zip(tokens, tokens[1:]):
        if (
            tok.type == tokenize.OP
            and tok.string in swaps
            and (before.type in (tokenize.NAME, tokenize.NUMBER) or before.string in (")", "]"))
        ):
            new = swaps[tok.string]
            found.append(
                Mutant(
                    entry.id,
                    item,
                    "operator",
                    _replace(source, tok.start, tok.end, new),
                    f"line {tok.start[0]}: {tok.string} -> {new}",
                )
            )
            break
    lines = source.split("\n")
    body_start = tokens[0].start[0] if tokens else len(lines)
    for i in range(body_start - 1, len(lines)):
        text = lines[i].strip()
        if not text or text.startswith(("return", "#", "def ", "else", "elif")) or text.endswith(":"):
            continue
        if re.match(r"(\w+) = np\.asarray\(\1\b", text):  # numpy converts by itself: no change
            continue
        candidate = "\n".join(lines[:i] + lines[i + 1 :])
        if _compiles(candidate):
            found.append(Mutant(entry.id, item, "line", candidate, f"line {i + 1} dropped: {text[:60]}"))
            break
    return found


def mutants(root=ROOT):
    """Every mutant of every autograded function, in course order."""
    made = []
    for entry in manifest.load(layout.manifest_path(root)):
        solution = solution_answers(entry, root)
        for item in entry.items:
            if item.written:
                continue
            source = solution[item.id]
            for kind, edits in ITEMS[item.id].edits:
                changed = source
                for old, new in edits:
                    if old not in changed:
                        raise ValueError(f"mutant {item.id}/{kind}: {old!r} is not in the solution any more")
                    changed = changed.replace(old, new)
                made.append(Mutant(entry.id, item.id, kind, changed, CATALOGUE[kind].title))
            made += generic(entry, item.id, source)
            for kind, description, condition, change in ITEMS[item.id].partial:
                made.append(
                    Mutant(
                        entry.id, item.id, f"partial-{kind}", partial(item.id, source, condition, change), description
                    )
                )
    return made


def users(entry, root=ROOT):
    """{item: items whose answers call it, directly or through others} in one notebook."""
    solution = solution_answers(entry, root)
    names = {item.id for item in entry.items if not item.written}
    calls = {
        item: {n.id for n in ast.walk(ast.parse(solution[item])) if isinstance(n, ast.Name)} & names - {item}
        for item in names
    }
    result = {}
    for item in names:
        found, frontier = set(), {item}
        while frontier:
            frontier = {other for other in names if calls[other] & frontier} - found
            found |= frontier
        result[item] = found
    return result


def _one_blas_thread():
    """A sweeping worker: one BLAS thread (two workers share two cores)."""
    import os

    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _start_judge():
    """A judging worker: one BLAS thread, and the sandbox zygote started before the first mutant."""
    import os

    from ..grading import launchers

    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
    launchers.Zygote.get()


def judge_mutant(m, root=ROOT, timeout=20):
    """{item: Verdict} for one mutant handed in as a learner would hand it in."""
    from ..grading import trusted
    from ..grading.autograde import seed_for

    entry = manifest.find(m.notebook + ".ipynb", layout.manifest_path(root))
    nb = filled(entry, {**solution_answers(entry, root), m.item: m.source}, root)
    release = nbformat.read(layout.release_path(entry, root), as_version=4)
    seed = seed_for(m.student, entry.id)
    limits = trusted.Limits(notebook_seconds=600, cell_seconds=timeout, call_seconds=timeout)
    return {v.item: v for v in trusted.grade_notebook(nb, entry, seed, limits, release)}


SEEDS = 200  # the seed sweep: every mutant must fail on every one of these seeds


def sweep_mutant(m, root=ROOT, seeds=SEEDS):
    """The seeds (of range(seeds)) on which mutant m passes its hidden test: the judge run in this
    process, as it runs in the grader, on the function the mutant's cells define. Mutants are the
    course's own code, run here without a sandbox (an alarm stops one that hangs)."""
    import signal

    from IPython.core.inputtransformer2 import TransformerManager
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from ..course import judge
    from ..grading import trusted
    from ..learner import checks

    entry = manifest.find(m.notebook + ".ipynb", layout.manifest_path(root))
    nb = filled(entry, {**solution_answers(entry, root), m.item: m.source}, root)
    release = nbformat.read(layout.release_path(entry, root), as_version=4)
    shell, ipython = InteractiveShell.instance(), TransformerManager()
    shell.enable_gui = lambda gui=None: None  # %matplotlib inline, the first line of every setup cell
    namespace = {"__name__": "__main__", "get_ipython": lambda: shell}  # a fresh one per mutant
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
                    if judge.passes(m.item, lambda args: checks.call(fn, *args, name=m.item), seed):
                        passed.append(seed)
                except Exception:  # noqa: BLE001 - the mutant's own error: it lost the item
                    pass
                finally:
                    signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return passed


def solutions(root=ROOT):
    """Every graded function's own solution, as a mutant that changes nothing: the seed sweep must
    pass each on every seed (a sweep whose notebook setup failed would kill every mutant for
    nothing: until the sweep ran `%matplotlib inline`, it did)."""
    made = []
    for entry in manifest.load(layout.manifest_path(root)):
        solution = solution_answers(entry, root)
        made += [
            Mutant(entry.id, item.id, "solution", solution[item.id], "the solution itself")
            for item in entry.items
            if not item.written
        ]
    return made


def sweep_solutions(jobs=None, root=ROOT, seeds=3):
    """{item: the seeds of range(seeds) on which its own solution FAILS the sweep}: all empty."""
    import os

    from ..grading.workers import worker_processes

    made = solutions(root)
    with worker_processes(jobs or os.cpu_count() or 1, _one_blas_thread) as pool:
        passed = list(pool.map(sweep_mutant, made, [root] * len(made), [seeds] * len(made)))
    return {m.item: sorted(set(range(seeds)) - set(p)) for m, p in zip(made, passed)}


def run(jobs=None, root=ROOT, progress=True):
    """Judge every mutant in parallel worker processes. Returns [(mutant, outcome)], where outcome
    is a dict: killed, diagnosed (None if not a catalogue mutant), collateral (items outside the
    mutated function's users that lost points), message."""
    import os

    from tqdm import tqdm

    from ..grading.workers import worker_processes

    entries = {e.id: e for e in manifest.load(layout.manifest_path(root))}
    made = mutants(root)
    deps = {nb_id: users(entry, root) for nb_id, entry in entries.items()}
    with worker_processes(jobs or os.cpu_count() or 1, _start_judge) as pool:
        judged = list(
            tqdm(
                pool.map(judge_mutant, made, [root] * len(made)),
                total=len(made),
                desc="judging",
                unit="mutant",
                disable=not progress,
            )
        )
        lucky = list(
            tqdm(
                pool.map(sweep_mutant, made, [root] * len(made), chunksize=4),
                total=len(made),
                desc=f"{SEEDS} seeds each",
                unit="mutant",
                disable=not progress,
            )
        )
    results = []
    for m, verdicts, passed in zip(made, judged, lucky):
        verdict = verdicts[m.item]
        allowed = {m.item} | deps[m.notebook][m.item]
        collateral = sorted(i for i, v in verdicts.items() if i not in allowed and v.status != "ok")
        named = verdict.failure.mistake if verdict.failure else ""
        results.append(
            (
                m,
                {
                    "killed": verdict.status != "ok",
                    "lucky_seeds": passed,
                    "diagnosed": named == m.kind if m.catalogued else None,
                    "collateral": collateral,
                    "message": verdict.message,
                },
            )
        )
    return results


def table(results):
    """Markdown: per function, mutants (catalogue, generic, partial), killed by the grader's run,
    killed on every seed of the sweep, catalogue mutants diagnosed by name."""
    columns = ("mutants", "partial", "killed", "every seed", "catalogued", "diagnosed")
    per = defaultdict(Counter)
    for m, outcome in results:
        per[m.notebook, m.item].update(
            {
                "mutants": 1,
                "partial": int(m.family == "partial"),
                "killed": int(bool(outcome["killed"])),
                "every seed": int(not outcome["lucky_seeds"]),
                "catalogued": int(m.catalogued),
                "diagnosed": int(bool(outcome["diagnosed"])),
            }
        )
    lines = [
        f"| notebook | function | mutants | of them partial | killed | killed on every seed ({SEEDS}) | "
        "catalogue mutants | diagnosed by name |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (nb_id, item), counts in per.items():
        lines.append(f"| {nb_id} | `{item}` | " + " | ".join(str(counts[c]) for c in columns) + " |")
    n, partial_, killed, every, cat, diagnosed = (sum(counts[c] for counts in per.values()) for c in columns)
    lines.append(
        f"| **all** | | **{n}** | **{partial_}** | **{killed} ({100 * killed / n:.0f}%)** | "
        f"**{every} ({100 * every / n:.0f}%)** | **{cat}** | **{diagnosed} ({100 * diagnosed / max(cat, 1):.0f}%)** |"
    )
    return "\n".join(lines)


def main(jobs=None):
    results = run(jobs)
    print(table(results))
    for m, outcome in results:
        if not outcome["killed"] or outcome["lucky_seeds"] or outcome["diagnosed"] is False or outcome["collateral"]:
            what = (
                "survived"
                if not outcome["killed"]
                else f"passed on {len(outcome['lucky_seeds'])} of {SEEDS} seeds"
                if outcome["lucky_seeds"]
                else "not diagnosed"
                if outcome["diagnosed"] is False
                else "collateral damage"
            )
            print(
                f"- {m.item} / {m.kind} ({m.description}): {what}. {outcome['collateral'] or ''} "
                f"{outcome['message'][:300]}"
            )
    return 0
