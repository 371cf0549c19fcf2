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
    path.write_text('[[notebooks]]\nid = "x"\ntitle = "t"\nitems = [{ id = "f", points = 2 }, '
                    '{ id = "essay", points = 3, kind = "written" }]\n')
    (nb,) = manifest.load(path)
    assert [i.test_id for i in nb.items] == ["test_f", "essay"]
    assert (nb.points, nb.auto_points) == (5, 2)


def test_an_unknown_kind_is_refused(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text('[[notebooks]]\nid = "x"\ntitle = "t"\nitems = [{ id = "f", points = 2, kind = "oral" }]\n')
    with pytest.raises(ValueError, match="kind other than 'code' or 'written'"):
        manifest.load(path)
