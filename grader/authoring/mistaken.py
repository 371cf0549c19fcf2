"""Writes grader/learner/mistaken.json: for each visible test's own call of its function, what each
catalogued mistake of that function gives (grader.learner.named reads it in the learner's session).

`python -m grader release` calls write() with the calls the recording run of each solution kept
(grader.authoring.recordings). Left out: the derive-it-yourself items, the mistakes only the
instructor's catalogue explains (grader.course.revealed), and any mistake that gives the right
value on a call (it cannot be told apart there)."""

import copy
import json
import warnings

import numpy as np

from ..course.items import ITEMS
from ..learner import expected, manifest, named
from ..learner.misconceptions import CATALOGUE

FILE = named.FILE
KEPT = 6  # cases kept per item: the first of each shape, enough to tell the mistakes apart


def _value(fn, args, kwargs):
    """fn(*args, **kwargs), quietly, or None if it cannot run on these arguments."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except Exception:  # noqa: BLE001 - a mistake that does not apply to these arguments
        return None


def cases(item, calls):
    """The stored cases of one item: its visible calls [(args, kwargs)] with the mistakes' values."""
    graded = ITEMS[item]
    found, seen = [], set()
    for args, kwargs in calls:
        key = json.dumps([expected.encode(list(args)), expected.encode(kwargs)], sort_keys=True)
        if key in seen or graded.spec is not None:
            continue
        seen.add(key)
        right = _value(graded.reference, args, kwargs)
        if right is None:
            continue
        values = []
        for which, (mid, mistaken) in enumerate(graded.mistakes):
            value = _value(mistaken, args, kwargs)
            if mid in CATALOGUE and value is not None and graded.compare(value, right, item) is not None:
                values.append([mid, which, expected.encode(value)])
        if values:
            found.append(
                {
                    "args": expected.encode(list(args)),
                    "kwargs": expected.encode(kwargs),
                    "signature": named.signature(args),
                    "values": values,
                }
            )
    return _kept(found)


def _kept(found):
    """The first case of each shape, at most KEPT; if every case has one shape, the first three."""
    signatures = {case["signature"] for case in found}
    if len(signatures) == 1:
        return found[:3]
    kept, seen = [], set()
    for case in found:
        if case["signature"] not in seen and len(kept) < KEPT:
            kept.append(case)
            seen.add(case["signature"])
    return kept


def compute(visible, stored=None):
    """{item: cases} for the items of the given visible calls [[item, args, kwargs], ...] (encoded as
    grader.learner.expected encodes), over `stored` for the rest."""
    derived = {item.id for nb in manifest.load() for item in nb.items if item.derive}
    calls = {}
    for item, args, kwargs in visible:
        if item in ITEMS and item not in derived and ITEMS[item].mistakes:
            calls.setdefault(item, []).append((expected.decode(args), expected.decode(kwargs)))
    result = dict(stored or {})
    for item, item_calls in calls.items():
        found = cases(item, item_calls)
        if found:
            result[item] = found
        else:
            result.pop(item, None)
    return dict(sorted(result.items()))


def write(visible, path=FILE):
    stored = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(compute(visible, stored), indent=1) + "\n")
    return path
