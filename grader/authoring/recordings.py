"""Write grader/learner/recordings/<notebook>.npz: the solutions' results for the calls the
release's cells make through `use` (see grader.learner.fallbacks and grader.learner.recorded).

`python -m grader release` calls write(): each solution notebook is run once in a fresh kernel
with COURSE_RECORD set, which makes `use` call the solution's functions and keep every call; the
file also holds a hash of the solution's code, so that a test can tell when it is out of date.
"""

import hashlib
import json
import os
import tempfile
from pathlib import Path

import nbformat

from ..course import layout
from ..course.layout import ROOT
from ..learner import manifest, recorded
from ..learner.fallbacks import RECORD


def source_hash(entry, root=ROOT):
    """A hash of the solution notebook's code cells: what its recordings depend on."""
    nb = nbformat.read(layout.solution_path(entry, root), as_version=4)
    code = "\n\0".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def record(entry, root=ROOT, folder=recorded.FOLDER, timeout=900):
    """Run one solution notebook with recording on and write its recordings. Returns (the path,
    {name: number of recorded calls}, [[item, args, kwargs] of the test blocks' own calls], encoded
    as grader.learner.expected encodes)."""
    from ..learner.selfcheck import notebook_client

    root = Path(root)
    nb = nbformat.read(layout.solution_path(entry, root), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("from grader.learner import fallbacks as _f\n_f.save()"))
    with tempfile.TemporaryDirectory() as scratch:
        saved = {var: os.environ.get(var) for var in (RECORD, "MPLBACKEND", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
        os.environ.update({RECORD: scratch, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
        try:
            notebook_client(nb, layout.solution_path(entry, root).parent, timeout=timeout).execute()  # no widget stalls
        finally:
            for var, value in saved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value
        made = recorded.path(entry.id, scratch)
        if not made.exists():
            recorded.write(entry.id, [], "", scratch)
        seen = Path(scratch) / f"{entry.id}.visible.json"
        visible = json.loads(seen.read_text()) if seen.exists() else []
        return _restamp(made, source_hash(entry, root), recorded.path(entry.id, folder)), counts(made), visible


def counts(file):
    """{name: number of recorded calls} of a recordings file."""
    from collections import Counter

    return dict(Counter(call["name"] for call in recorded.Recordings(file).calls))


def _restamp(made, stamp, target):
    """Copy the kernel's recordings to target with the solution's hash in their index."""

    import numpy as np

    with np.load(made, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "index"}
        meta = json.loads(str(data["index"]))
    meta["source"] = stamp
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        np.savez_compressed(out, index=np.array(json.dumps(meta, sort_keys=True)), **arrays)
    return target


def write(root=ROOT, notebooks=None):
    """Record every notebook (or those named); returns record()'s results."""
    chosen = [nb for nb in manifest.load() if notebooks is None or nb.id in notebooks]
    return [record(nb, root) for nb in chosen]
