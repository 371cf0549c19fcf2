"""Mutation testing through the instructor's grader (grader.authoring.mutants): every mutant of every graded
function loses points on that function and on nothing that does not use it, and the catalogue
mutants are diagnosed by name."""

import pytest

from grader.authoring import mutants
from grader.course.revealed import ALL as CATALOGUE
from grader.learner import manifest


@pytest.fixture(scope="module")
def results():
    return mutants.run(jobs=2, progress=False)


def test_every_graded_function_has_mutants():
    made = mutants.mutants()
    items = {item.id for nb in manifest.load() for item in nb.items if not item.written}
    assert {m.item for m in made} == items
    assert {m.kind for m in made if m.catalogued} == set(CATALOGUE)  # every misconception is injected
    assert len({(m.item, m.kind, m.source) for m in made}) == len(made)


def test_every_mutant_is_killed(results):
    survivors = [(m.item, m.kind, m.description) for m, outcome in results if not outcome["killed"]]
    assert survivors == []


def test_every_mutant_is_killed_on_every_seed(results):
    """The seed sweep: partial mutants (wrong on one branch of the specification only) included."""
    assert {m.family for m, _ in results} == {"catalogue", "generic", "partial"}
    assert mutants.SEEDS >= 200
    lucky = [(m.item, m.kind, len(outcome["lucky_seeds"])) for m, outcome in results if outcome["lucky_seeds"]]
    assert lucky == []


def test_the_sweep_passes_every_solution(root):
    """The sweep runs each notebook as the grader does, so every graded function's own solution
    passes it on every seed. (It once could not: its shell failed on `%matplotlib inline`, the
    setup cells defined nothing, and every mutant "lost" every seed to a NameError.)"""
    failed = mutants.sweep_solutions(jobs=2, root=root, seeds=3)
    assert failed == {item: [] for item in failed}
    assert len(failed) == len({item.id for nb in manifest.load() for item in nb.items if not item.written})


def test_the_issues_partial_mutants_are_swept():
    """Issue 24's three lucky mutants, and a capped loop, a square-only transpose and an m = n-only
    axis slip for the other items, are in the sweep."""
    kinds = {(m.item, m.kind) for m in mutants.mutants() if m.family == "partial"}
    assert {
        ("train", "partial-capped-20"),
        ("perceptron_grad", "partial-transposed-if-square"),
        ("one_hidden_vectorised", "partial-db2-over-the-axis-of-n"),
        ("softmax_ce_grads", "partial-db2-over-the-axis-of-n"),
        ("backward", "partial-db-over-the-axis-of-n"),
        ("backward", "partial-dW-transposed-if-square"),
        ("gd_step", "partial-W-transposed-if-square"),
        ("sigmoid", "partial-square"),
    } <= kinds
    every = {item.id for nb in manifest.load() for item in nb.items if not item.written}
    branchless = {
        "numerical_derivative",
        "forward_pass",
        "total_error",
        "output_layer_gradients",
        "hidden_layer_gradients",
        "input_gradients",
        "slipped_step",
    }  # scalars and dicts only
    assert {item for item, _ in kinds} == every - branchless


def test_the_sweep_can_see_a_lucky_seed(root):
    """A mutant that is wrong only on a kind of input the judge never tries passes on every seed:
    the sweep reports it (here param_count is wrong only for more than 50 layers)."""
    m = next(m for m in mutants.mutants() if m.item == "param_count" and m.family == "partial")
    blind = mutants.Mutant(
        m.notebook,
        m.item,
        "partial-very-deep",
        m.source.replace("len(sizes) - 1 >= 3", "len(sizes) - 1 > 50"),
        "wrong only for more than 50 layers",
    )
    assert mutants.sweep_mutant(blind, root, seeds=5) == list(range(5))
    assert mutants.sweep_mutant(m, root, seeds=5) == []


def test_a_mutant_costs_only_the_functions_that_use_it(results):
    damage = [(m.item, m.kind, outcome["collateral"]) for m, outcome in results if outcome["collateral"]]
    assert damage == []


def test_catalogue_mutants_are_diagnosed_by_name(results):
    catalogued = [(m, outcome) for m, outcome in results if m.catalogued]
    missed = [(m.item, m.kind, outcome["message"][:200]) for m, outcome in catalogued if not outcome["diagnosed"]]
    assert len(missed) <= 0.1 * len(catalogued), missed
    table = mutants.table(results)
    assert table.splitlines()[-1].startswith("| **all** |")


def test_the_table_counts_every_column_as_a_number_even_for_one_mutant():
    one = mutants.Mutant("02_worked_example", "slipped_step", "partial-x", "source", "wrong once")
    lucky = mutants.Mutant("02_worked_example", "train", "sign_flipped", "source", "a sign")
    rows = mutants.table(
        [
            (one, {"killed": True, "lucky_seeds": [], "diagnosed": None}),
            (lucky, {"killed": True, "lucky_seeds": [4], "diagnosed": False}),
        ]
    ).splitlines()
    assert rows[2] == "| 02_worked_example | `slipped_step` | 1 | 1 | 1 | 1 | 0 | 0 |"
    assert rows[3] == "| 02_worked_example | `train` | 1 | 0 | 1 | 0 | 1 | 0 |"
    assert rows[4] == "| **all** | | **2** | **1** | **2 (100%)** | **1 (50%)** | **1** | **0 (0%)** |"
