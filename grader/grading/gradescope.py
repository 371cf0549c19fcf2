"""One Gradescope submission, graded: what `run_autograder` runs (python -m grader.grading.gradescope).

Gradescope lays out /autograder as its autograder specification says: source/ (the autograder zip,
unpacked: grader.authoring.gradescope), submission/ (what the learner handed in),
submission_metadata.json, and results/, where results.json must be written. The learner's code
runs in the same container, so before anything of it runs, /autograder/source, /autograder/results
and the metadata are closed to every user but root, and the learner's code runs

* in bubblewrap sandboxes (grader.grading.isolation) where the container allows them, or else
* as an unprivileged uid of its own with the sandbox's limits and system-call filter
  (grader.grading.launchers.DroppedUid): it cannot read the course, the reference or the results,
  open a network socket, or outlive its sandbox.

results.json (Gradescope's fields): a test per graded item with score, max_score, status
("passed"/"failed"), and the grader's message; a written answer as a test worth 0 that says it
is graded by hand (make it a manually graded question in Gradescope); the top-level output names
the isolation used. If grading itself fails, results.json holds one "autograder failed" test and
the traceback goes to Gradescope's stdout, which only instructors see.
"""

import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from ..learner import manifest
from . import isolation
from .submissions import STUDENT

AUTOGRADER = Path("/autograder")
MODES = {
    "bubblewrap": "in bubblewrap sandboxes (no network, no view of the autograder's files)",
    "uid": "as an unprivileged user of its own, with resource limits and a system-call filter (no network), "
    "the autograder's files closed to it: this container does not allow bubblewrap's namespaces",
}


def isolation_mode():
    """ "bubblewrap" where sandboxes start here, else "uid" as root, else None (no isolation)."""
    if isolation.problem() is None:
        return "bubblewrap"
    return "uid" if os.geteuid() == 0 else None


def close_off(root):
    """Make the autograder's own files unreadable to any user but root."""
    for path, mode in ((root / "source", 0o700), (root / "results", 0o700), (root / "submission_metadata.json", 0o600)):
        if path.exists() and not path.is_symlink():
            path.chmod(mode)


def student_id(root):
    """The learner's Gradescope id (submission_metadata.json), as a name the grader takes."""
    try:
        users = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8")).get("users") or [{}]
        found = f"gradescope-{users[0].get('id', '')}"
    except (OSError, ValueError, AttributeError, TypeError):
        found = ""
    return found if STUDENT.fullmatch(found) else "learner"


def submitted(folder, notebooks):
    """{notebook id: path} of the course notebooks in the submission folder (any depth; a renamed
    copy, 01_chain_rule-Copy1.ipynb, counts as its notebook; links are never followed), and the
    other .ipynb files' names."""
    found, others = {}, []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != ".ipynb_checkpoints")
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.endswith(".ipynb") or path.is_symlink():
                continue
            entry = next((nb for nb in notebooks if nb.filename == name), None) or manifest.for_file(name)
            if entry is None or entry.id in found:
                others.append(name)
            else:
                found[entry.id] = path
    return found, others


def test_record(number, nb, item, row):
    """Gradescope's record of one graded item."""
    if item.written:
        blank = "blank" in row.message
        return {
            "name": f"{nb.id}: {item.id} (written answer)",
            "number": number,
            "score": 0,
            "max_score": 0,
            "status": "failed" if blank else "passed",
            "output": f"{row.message} ({item.points:g} points, graded by hand)",
            "visibility": "visible",
        }
    return {
        "name": f"{nb.id}: {item.id}",
        "number": number,
        "score": row.score,
        "max_score": row.max_score,
        "status": "passed" if row.score >= row.max_score > 0 else "failed",
        "output": row.message or "correct",
        "visibility": "visible",
    }


def results(rows, notebooks, graded, others, mode, seconds):
    """results.json for the rows of one learner."""
    by_key = {(r.notebook, r.item): r for r in rows if r.item}
    tests = []
    for nb in notebooks:
        if nb.id not in graded:
            continue
        for j, item in enumerate(nb.items, 1):
            tests.append(test_record(f"{nb.id[:2]}.{j}", nb, item, by_key[nb.id, item.id]))
    notes = [f"Graded {', '.join(sorted(graded))}; your code ran {MODES[mode]}."]
    if others:
        notes.append(f"Not graded (not one of the course's notebooks, or a second copy): {', '.join(others)}.")
    if not graded:
        names = ", ".join(nb.filename for nb in notebooks)
        notes = [f"No course notebook was found in your submission. Hand in one of: {names}."]
        tests.append({"name": "submission", "score": 0, "max_score": 0, "status": "failed", "output": notes[0]})
    return {
        "score": sum(t["score"] for t in tests),
        "execution_time": round(seconds),
        "output": " ".join(notes),
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def failed(message):
    """results.json when grading itself failed."""
    text = f"The autograder failed: {message}. This is not your code's fault; your instructor can see why."
    return {
        "score": 0,
        "output": text,
        "stdout_visibility": "hidden",
        "tests": [{"name": "autograder failed", "score": 0, "max_score": 0, "status": "failed", "output": text}],
    }


def grade(root=AUTOGRADER):
    """Grade /autograder/submission; returns results.json's content."""
    from .autograde import autograde

    began = time.monotonic()
    close_off(root)
    mode = isolation_mode()
    if mode is None:
        return failed(f"learner code cannot be isolated here ({isolation.problem()}) and the grader is not root")
    notebooks = manifest.released()
    found, others = submitted(root / "submission", notebooks)
    if not found:
        return results([], notebooks, {}, others, mode, time.monotonic() - began)
    work = Path(tempfile.mkdtemp(prefix="gradescope-"))  # 0700: the learner's uid cannot look in
    try:
        student = student_id(root)
        (work / "class" / student).mkdir(parents=True)
        for nb_id, path in found.items():
            entry = next(nb for nb in notebooks if nb.id == nb_id)
            shutil.copyfile(path, work / "class" / student / entry.filename, follow_symlinks=False)
        rows, review = autograde(
            work / "class",
            work / "out",
            jobs=1,
            progress=False,
            isolated=mode == "bubblewrap",
            dropped_uid=mode == "uid",
        )
        for (_, nb_id), notes in review.items():  # for the instructor: Gradescope's stdout
            print(f"{nb_id} needs a look: " + "; ".join(notes))
            log = work / "out" / "course" / "logs" / student / f"{nb_id}.log"
            if log.is_file():
                print(log.read_text(encoding="utf-8", errors="replace")[-20000:])
        return results(rows, notebooks, set(found), others, mode, time.monotonic() - began)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(root=AUTOGRADER):
    try:
        record = grade(root)
    except Exception as err:  # noqa: BLE001 - whatever happens, Gradescope gets a results.json
        traceback.print_exc(file=sys.stdout)
        record = failed(f"{type(err).__name__}: {err}")
    out = root / "results"
    out.mkdir(parents=True, exist_ok=True)
    partial = out / "results.json.partial"
    partial.write_text(json.dumps(record, indent=2), encoding="utf-8")
    os.replace(partial, out / "results.json")
    print(record["output"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
