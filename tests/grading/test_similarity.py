"""Answers that look copied (grader.grading.similarity), measured on a class of five learners who
wrote every exercise of the course independently, each in a style of their own, from the release
notebooks alone (independent_answers.json; every answer passes `grader check`):

* no false flag among their 10 pairs x 31 items (the thresholds' reason: the largest overlaps
  between independent answers, printed by test_the_independent_class_is_not_flagged, stay below
  them);
* a copy with its names changed and its comments reworded is flagged on every notebook;
* the same unusual wrong answer in two notebooks is flagged; a catalogued mistake written the same
  way, or an answer left as released, is not.
"""

import ast
import io
import itertools
import json
import tokenize
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from grader.course import layout
from grader.grading import similarity
from grader.grading.submissions import Row
from grader.learner import cell_roles, manifest
from grader.learner.failures import Failure

NOTEBOOKS = manifest.load()
ITEMS = {nb.id: [item.id for item in nb.items if not item.written] for nb in NOTEBOOKS}
CLASS = json.loads(Path(__file__).with_name("independent_answers.json").read_text(encoding="utf-8"))


def course_cells(path_of):
    return {nb.id: cell_roles.answers(nbformat.read(path_of(nb), as_version=4)) for nb in NOTEBOOKS}


RELEASES, SOLUTIONS = course_cells(layout.release_path), course_cells(layout.solution_path)


def answers_of(learners):
    return {(name, nb): items for name, notebooks in learners.items() for nb, items in notebooks.items()}


def disguised(source):
    """A copy as a copier makes it: every name the answer assigns renamed, comments reworded."""
    tree = ast.parse(source)
    params = {a.arg for node in ast.walk(tree) if isinstance(node, ast.arguments) for a in node.args + node.kwonlyargs}
    assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - params
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in assigned:
            tok = tok._replace(string=f"my_{tok.string}")
        elif tok.type == tokenize.COMMENT:
            tok = tok._replace(string="# my own step")
        out.append(tok)
    return tokenize.untokenize(out)


def test_the_independent_class_is_not_flagged():
    found = similarity.class_flags(answers_of(CLASS), RELEASES, [], ITEMS, SOLUTIONS)
    overlaps = []
    for nb, ids in ITEMS.items():
        for item in ids:
            known = set()
            for text in (RELEASES[nb].get(item, ""), SOLUTIONS[nb].get(item, "")):
                known |= similarity.fingerprint(text).hashes if text.strip() else set()
            prints = {name: similarity.fingerprint(CLASS[name][nb][item], known) for name in CLASS}
            holders = Counter(h for fp in prints.values() for h in fp.hashes)
            limit = similarity.rare_limit(len(prints))
            rare = {name: {h for h in fp.hashes if holders[h] <= limit} for name, fp in prints.items()}
            for a, b in itertools.combinations(sorted(CLASS), 2):
                shared = len(rare[a] & rare[b])
                overlaps.append((shared, shared / (min(len(rare[a]), len(rare[b])) or 1), item, a, b))
    print("largest overlaps between independent answers (shared, share, item, pair):")
    for overlap in sorted(overlaps, reverse=True)[:5]:
        print(f"  {overlap[0]:4d} {overlap[1]:.2f} {overlap[2]} {overlap[3]}-{overlap[4]}")
    assert len(overlaps) == 10 * sum(len(ids) for ids in ITEMS.values())
    assert found == []


@pytest.mark.parametrize("original", sorted(CLASS))
def test_a_disguised_copy_is_flagged_on_every_notebook(original):
    copier = {nb: {item: disguised(src) for item, src in items.items()} for nb, items in CLASS[original].items()}
    assert copier["04_l_layers"]["backward"] != CLASS[original]["04_l_layers"]["backward"]
    found = similarity.class_flags(answers_of({**CLASS, "copier": copier}), RELEASES, [], ITEMS, SOLUTIONS)
    assert {flag.students for flag in found} == {tuple(sorted((original, "copier")))}
    assert {flag.notebook for flag in found} == set(ITEMS)


def test_the_same_unusual_wrong_answer_is_flagged_a_common_one_is_not():
    wrong = (
        "def chain_backward(ws, bs, x, y):\n"
        "    zs, as_ = chain_forward(ws, bs, x)\n"
        "    d = (as_[-1] - y) * sigmoid_prime(zs[-1])\n"
        "    grads = []\n"
        "    for i in range(len(ws) - 1, -1, -1):\n"
        "        grads.append((d * as_[i], d))\n"
        "        d = d * ws[i]  # the slope of the next layer is left out\n"
        "    return grads[::-1]\n"
    )
    learners = {name: {"01_chain_rule": dict(CLASS[name]["01_chain_rule"])} for name in CLASS}
    learners["learner1"]["01_chain_rule"]["chain_backward"] = wrong
    learners["learner4"]["01_chain_rule"]["chain_backward"] = wrong.replace("grads", "result")
    common = (  # a catalogued mistake, written the same way by two: common by definition
        "def sigmoid_prime(z):\n    s = sigmoid(z)\n    slope = s * (1 - s)\n    return slope * s * (1 - s) + 0 * z\n"
    )
    for name in ("learner2", "learner3"):
        learners[name]["01_chain_rule"]["sigmoid_prime"] = common
    failure = Failure("wrong", "differs", "chain_backward")
    rows = [
        Row(n, "01_chain_rule", "chain_backward", 0, 3, "failed", "differs", failure) for n in ("learner1", "learner4")
    ]
    rows += [
        Row(
            n,
            "01_chain_rule",
            "sigmoid_prime",
            0,
            1,
            "failed",
            "f'",
            Failure("wrong", "x", "sigmoid_prime", mistake="prime_of_wrong"),
        )
        for n in ("learner2", "learner3")
    ]
    found = similarity.class_flags(
        answers_of(learners), RELEASES, rows, {"01_chain_rule": ITEMS["01_chain_rule"]}, SOLUTIONS
    )
    assert [(f.item, f.students, f.reason) for f in found] == [
        ("chain_backward", ("learner1", "learner4"), "the same wrong answer")
    ]
    assert "learner4's answer" in found[0].note("learner1")
