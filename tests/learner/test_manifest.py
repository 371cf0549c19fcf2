"""grader.learner.manifest: the course manifest loads, and written (hand-graded) items are told apart."""

import pytest

from grader.learner import manifest


def test_the_course_has_five_notebooks_in_order(root):
    ids = [nb.id for nb in manifest.load()]
    assert ids == sorted(ids) and len(ids) == 5
    assert all((root / "solutions" / nb_id / f"{nb_id}.ipynb").exists() for nb_id in ids)


def test_item_ids_are_unique_within_a_notebook():
    for nb in manifest.load():
        ids = [item.id for item in nb.items]
        assert len(ids) == len(set(ids)), nb.id


def test_written_items_carry_their_own_points(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text(
        '[[notebooks]]\nid = "x"\ntitle = "t"\nitems = [{ id = "f", points = 2 }, '
        '{ id = "essay", points = 3, kind = "written" }]\n'
    )
    (nb,) = manifest.load(path)
    assert [i.test_id for i in nb.items] == ["test_f", "essay"]
    assert (nb.points, nb.auto_points) == (5, 2)


def test_an_unknown_kind_is_refused(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text('[[notebooks]]\nid = "x"\ntitle = "t"\nitems = [{ id = "f", points = 2, kind = "oral" }]\n')
    with pytest.raises(ValueError, match="kind other than 'code' or 'written'"):
        manifest.load(path)


def test_declared_calls_are_the_calls_the_solutions_make(root):
    """`calls` in course.toml (the only other answers an item may depend on) is what each solution calls."""
    import ast

    from grader.authoring.release import solution_answers

    for nb in manifest.load():
        answers = solution_answers(nb, root)
        graded = {item.id for item in nb.items if not item.written}
        for item in nb.items:
            if not item.written:
                called = {n.id for n in ast.walk(ast.parse(answers[item.id])) if isinstance(n, ast.Name)}
                assert set(item.calls) == called & graded - {item.id}, (nb.id, item.id)


def test_the_failing_callees_are_those_its_exercise_names():
    item = manifest.Item("train", 1, calls=("forward_pass", "total_error", "gradient_step"))
    assert item.failing_calls({"train", "sigmoid"}) == ()
    assert item.failing_calls({"train", "gradient_step", "total_error"}) == ("total_error", "gradient_step")


def test_a_renamed_copy_is_checked_as_the_notebook_it_copies():
    assert manifest.for_file("02_worked_example.ipynb").id == "02_worked_example"
    assert manifest.for_file("02_worked_example-Copy1.ipynb").id == "02_worked_example"
    assert manifest.for_file("02_worked_example_r1.ipynb").id == "02_worked_example"
    assert manifest.for_file("multi_output.ipynb") is None and manifest.find("02_worked_example_r1.ipynb") is None


def test_each_notebooks_items_are_listed_in_the_order_of_its_test_cells(root):
    """The order learners meet the exercises is the order of every list of them (the summary, the
    check's table, grades.csv, the feedback)."""
    import nbformat

    from grader.learner import cell_roles

    for nb in manifest.load():
        cells = nbformat.read(root / "solutions" / nb.id / nb.filename, as_version=4).cells
        graded = [cell_roles.grade_id(c) for c in cells if cell_roles.is_graded(c)]
        assert [g.removeprefix("test_") for g in graded] == [item.id for item in nb.items], nb.id
