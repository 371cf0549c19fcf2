"""Recorded results: what the course has in place of a learner's function that does not pass yet.

`python -m grader release` runs each solution notebook once with recording on (COURSE_RECORD, see
grader.authoring.recordings): every call a demonstration makes through `use` (grader.learner.
fallbacks) is kept with its arguments and its result, in grader/learner/recordings/<notebook>.npz.
When a learner's function does not pass yet, `use` looks the call up there. A call the
demonstrations did not make finds nothing, so the recordings compute nothing: they hold numbers
for the release's own cells, not the course's code.

A file holds JSON (the calls, with arrays named by the hash of their bytes) and the arrays
themselves, loaded without pickle. Arguments match a recorded call when they have the same
structure and their numbers agree to MATCH_RTOL: a learner's own upstream function that passes its
test, or another machine's rounding, gives arguments that differ in the last bits only.
"""

import hashlib
import json
from functools import cache
from pathlib import Path

import numpy as np

FOLDER = Path(__file__).with_name("recordings")
MATCH_RTOL, MATCH_ATOL = 1e-6, 1e-9


class NotRecorded(LookupError):
    """The course has no recorded result for this call."""


# ---------------------------------------------------------------------------------------------
# Values <-> JSON and arrays
# ---------------------------------------------------------------------------------------------


def encode(value, arrays):
    """JSON-ready form of value; its arrays go into `arrays` {key: ndarray}, keyed by content."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.require(np.asarray(value), requirements="C")
        if arr.dtype == object:
            raise TypeError("object arrays cannot be recorded")
        key = hashlib.sha256(arr.dtype.str.encode() + str(arr.shape).encode() + arr.tobytes()).hexdigest()[:20]
        arrays[key] = arr
        return {"nd": key, "scalar": isinstance(value, np.generic)}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {"int": value} if abs(value) >= 2**53 else value
    if isinstance(value, float):
        return value if np.isfinite(value) else {"float": repr(value)}
    if isinstance(value, (list, tuple)):
        return {"list" if isinstance(value, list) else "tuple": [encode(v, arrays) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[encode(k, arrays), encode(v, arrays)] for k, v in value.items()]}
    if isinstance(value, range):
        return {"range": [value.start, value.stop, value.step]}
    if isinstance(value, np.random.Generator):
        return {"rng": json.loads(json.dumps(value.bit_generator.state, default=int))}
    if callable(value):
        return {"fn": getattr(value, "__name__", type(value).__name__)}
    raise TypeError(f"a {type(value).__name__} cannot be recorded")


def decode(data, arrays):
    """The value that encode wrote (a generator or function argument comes back as its description)."""
    if isinstance(data, list):
        return [decode(v, arrays) for v in data]
    if not isinstance(data, dict):
        return data
    ((kind, body),) = ((k, v) for k, v in data.items() if k != "scalar")
    if kind == "nd":
        arr = np.array(arrays[body])  # a copy: the learner may change what they get
        return arr[()] if data.get("scalar") else arr
    if kind == "int":
        return int(body)
    if kind == "float":
        return float(body)
    if kind in ("list", "tuple"):
        items = [decode(v, arrays) for v in body]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {_hashable(decode(k, arrays)): decode(v, arrays) for k, v in body}
    if kind == "range":
        return range(*body)
    return data  # {"rng": ...} or {"fn": ...}: compared, never used


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def same(a, b, arrays_a, arrays_b):
    """Whether two encoded values agree: same structure, equal non-numbers, numbers to MATCH_RTOL."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        if "nd" in a:
            x, y = arrays_a[a["nd"]], arrays_b[b["nd"]]
            if x.shape != y.shape or (x.dtype.kind in "biuf") != (y.dtype.kind in "biuf"):
                return False
            if x.dtype.kind not in "biuf":
                return np.array_equal(x, y)
            return bool(np.allclose(x.astype(float), y.astype(float), rtol=MATCH_RTOL, atol=MATCH_ATOL, equal_nan=True))
        return all(same(a[k], b[k], arrays_a, arrays_b) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, arrays_a, arrays_b) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and not isinstance(a, bool)
            and not isinstance(b, bool)
            and bool(np.isclose(a, b, rtol=MATCH_RTOL, atol=MATCH_ATOL))
        )
    return type(a) is type(b) and a == b


# ---------------------------------------------------------------------------------------------
# A notebook's recordings
# ---------------------------------------------------------------------------------------------


def path(notebook, folder=FOLDER):
    return Path(folder) / f"{notebook}.npz"


def generators_after(args, kwargs):
    """{position or keyword: state} of the random generators among the arguments (after a call)."""
    found = {str(i): a for i, a in enumerate(args) if isinstance(a, np.random.Generator)}
    found.update({k: a for k, a in kwargs.items() if isinstance(a, np.random.Generator)})
    return {k: encode(a, {})["rng"] for k, a in found.items()}


def write(notebook, calls, source_hash, folder=FOLDER):
    """Write the recordings of one notebook: calls is a list of (name, args, kwargs, result,
    generators): the arguments as they were before the call, and the states its random generators
    were left in (generators_after), which a stand-in leaves them in too."""
    arrays, index = {}, []
    for name, args, kwargs, result, generators in calls:
        index.append(
            {
                "name": name,
                "args": encode(list(args), arrays),
                "kwargs": encode(dict(kwargs), arrays),
                "result": encode(result, arrays),
                "generators": generators,
            }
        )
    text = json.dumps({"notebook": notebook, "source": source_hash, "calls": index}, sort_keys=True)
    target = path(notebook, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        np.savez_compressed(out, index=np.array(text), **arrays)
    return target


class Recordings:
    """The recorded calls of one notebook, looked up by name and arguments."""

    def __init__(self, file):
        with np.load(file, allow_pickle=False) as data:
            self.arrays = {k: data[k] for k in data.files if k != "index"}
            meta = json.loads(str(data["index"]))
        self.notebook, self.source, self.calls = meta["notebook"], meta["source"], meta["calls"]
        self._next = {}  # name -> where the last match was: calls repeat in order

    def names(self):
        return {call["name"] for call in self.calls}

    def result(self, name, args, kwargs):
        """The recorded result of name(*args, **kwargs); NotRecorded if no recorded call matches."""
        wanted = {}
        try:
            key = (encode(list(args), wanted), encode(dict(kwargs), wanted))
        except TypeError as err:
            raise NotRecorded(str(err)) from None
        mine = [i for i, call in enumerate(self.calls) if call["name"] == name]
        start = self._next.get(name, 0)
        for i in sorted(mine, key=lambda i: (i < start, i)):  # in the order they were made
            call = self.calls[i]
            if same(key[0], call["args"], wanted, self.arrays) and same(key[1], call["kwargs"], wanted, self.arrays):
                self._next[name] = i + 1
                for where, state in call.get("generators", {}).items():
                    rng = args[int(where)] if where.isdigit() else kwargs[where]
                    rng.bit_generator.state = state  # as the real call would leave it
                return decode(call["result"], self.arrays)
        raise NotRecorded(name)


@cache
def load(notebook, folder=FOLDER):
    """A notebook's Recordings, or None if the course has none for it."""
    file = path(notebook, folder)
    return Recordings(file) if file.exists() else None
