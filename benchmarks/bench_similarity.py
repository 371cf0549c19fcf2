"""How long the similarity report takes for a class, and what it flags there.

    python benchmarks/bench_similarity.py [--n 300]

A class of --n learners is made from the five independent learners' answers
(tests/grading/independent_answers.json): each learner takes, for each item, one of the five
answers at random with its assigned names renamed and its comments reworded, as a different
learner would write it down (so answers repeat across the class, as the short answers of a real
class do). Prints the seconds class_flags takes and the pairs it flags: none is a copy, and an
answer that many learners hold is not distinctive, so none should be flagged.
(tests/grading/test_similarity.py shows what is flagged: disguised copies of distinctive answers.)
"""

import argparse
import ast
import io
import json
import random
import sys
import time
import tokenize
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.course import layout  # noqa: E402
from grader.grading import similarity  # noqa: E402
from grader.learner import cell_roles, manifest  # noqa: E402


def disguised(source, tag):
    """source with every name it assigns renamed (prefix tag) and its comments reworded."""
    tree = ast.parse(source)
    params = {a.arg for node in ast.walk(tree) if isinstance(node, ast.arguments) for a in node.args + node.kwonlyargs}
    assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - params
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in assigned:
            tok = tok._replace(string=f"{tag}_{tok.string}")
        elif tok.type == tokenize.COMMENT:
            tok = tok._replace(string=f"# {tag}")
        out.append(tok)
    return tokenize.untokenize(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(0)
    notebooks = manifest.load()
    five = json.loads((ROOT / "tests" / "grading" / "independent_answers.json").read_text(encoding="utf-8"))
    names = sorted(five)
    items = {nb.id: [item.id for item in nb.items if not item.written] for nb in notebooks}
    answers = {}
    for k in range(args.n):
        student = f"s{k:03d}"
        for nb, ids in items.items():
            answers[student, nb] = {item: disguised(five[rng.choice(names)][nb][item], f"v{k}") for item in ids}

    def cells(path_of):
        return {nb.id: cell_roles.answers(nbformat.read(path_of(nb), as_version=4)) for nb in notebooks}

    releases, solutions = cells(layout.release_path), cells(layout.solution_path)
    began = time.perf_counter()
    flags = similarity.class_flags(answers, releases, [], items, solutions)
    seconds = time.perf_counter() - began
    print(f"{args.n} learners x {sum(map(len, items.values()))} items: class_flags took {seconds:.1f} s")
    print(f"pairs flagged: {len({flag.students for flag in flags})}")


if __name__ == "__main__":
    main()
