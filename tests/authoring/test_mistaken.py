"""grader/learner/mistaken.json (grader.authoring.mistaken): the catalogued mistakes' values on the
visible tests' own inputs. They are what the mistakes give today, none is an answer, no
derive-it-yourself item and no instructor-only mistake is there, and with it each catalogued mistake
a visible test can tell apart is named in the learner's session."""

import copy

import pytest

from grader.course.items import ITEMS
from grader.learner import checks, manifest, named
from grader.learner.misconceptions import CATALOGUE

STORED = named._stored()
DERIVED = {item.id for nb in manifest.load() for item in nb.items if item.derive}


def test_the_file_covers_the_visible_tests_of_the_items_with_catalogued_mistakes():
    assert set(STORED) <= set(ITEMS) and not set(STORED) & DERIVED
    with_mistakes = {name for name, item in ITEMS.items() if any(mid in CATALOGUE for mid, _ in item.mistakes)}
    assert len(STORED) >= len(with_mistakes - DERIVED) // 2, sorted(with_mistakes - DERIVED - set(STORED))


@pytest.mark.parametrize("item", sorted(STORED))
def test_every_stored_value_is_the_mistakes_and_none_is_the_answer(item):
    graded = ITEMS[item]
    for args, kwargs, _, values in named.cases(item):
        right = graded.reference(*copy.deepcopy(args), **kwargs)
        for mid, which, value in values:
            assert mid in CATALOGUE and graded.mistakes[which][0] == mid
            now = graded.mistakes[which][1](*copy.deepcopy(args), **kwargs)
            assert graded.compare(value, now, item) is None, (item, mid, "out of date: run python -m grader release")
            assert graded.compare(value, right, item) is not None, (item, mid, "a stored value is the answer")


def named_mistakes():
    """[(item, mistake id, mistaken function)] that the stored cases can tell apart (two shapes)."""
    found = []
    for item in STORED:
        stored = named.cases(item)
        one_shape = len({sig for _, _, sig, _ in stored}) == 1  # then two inputs suffice, as for the judge
        sigs = {}
        for k, (_, _, sig, values) in enumerate(stored):
            for mid, which, _ in values:
                sigs.setdefault((mid, which), set()).add(f"{sig} #{k}" if one_shape else sig)
        found += [(item, mid, ITEMS[item].mistakes[which][1]) for (mid, which), s in sigs.items() if len(s) >= 2]
    return found


NAMED = named_mistakes()


@pytest.mark.parametrize("item, mid, mistaken", NAMED, ids=[f"{i}-{m}" for i, m, _ in NAMED])
def test_each_mistake_the_visible_inputs_tell_apart_is_named_in_the_learners_session(item, mid, mistaken):
    found = named.mistake(item, lambda a, k: checks.call(mistaken, *a, name=item, **k), checks.difference)
    assert found == mid
