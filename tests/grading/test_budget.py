"""Notebook budgets (grader.grading.budget): derived from each solution's measured grading time,
used by autograde unless overridden, and long enough for the solutions themselves."""

from grader.grading import budget
from grader.grading.autograde import Settings
from grader.learner import manifest


def test_every_notebook_has_a_measured_grading_time():
    measured = budget.measured()
    assert sorted(measured) == sorted(nb.id for nb in manifest.load()), "run: python -m grader budget --measure"
    assert all(0 < seconds < budget.UNMEASURED / budget.MULTIPLE for seconds in measured.values())


def test_the_budget_is_a_multiple_of_the_measured_time_with_a_floor(tmp_path):
    path = tmp_path / "grading_seconds.toml"
    path.write_text('"a" = 1.0\n"b" = 4.21\n')
    assert budget.seconds("a", path) == budget.FLOOR
    assert budget.seconds("b", path) == 43 == -(-budget.MULTIPLE * 4.21 // 1)
    assert budget.seconds("new", path) == budget.UNMEASURED


def test_autograde_uses_each_notebooks_budget_unless_told(tmp_path):
    default = Settings(out=tmp_path, db_url="sqlite://")
    for nb in manifest.load():
        assert default.limits(nb.id)["notebook_seconds"] == budget.seconds(nb.id) < budget.UNMEASURED
    assert (
        Settings(out=tmp_path, db_url="sqlite://", notebook_timeout=77).limits("01_chain_rule")["notebook_seconds"]
        == 77
    )
