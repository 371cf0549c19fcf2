"""`python -m grader regrade --compare OLD NEW`: every score that differs between two results folders."""

import csv
from pathlib import Path


def read(results):
    """{(student, notebook, item): (score, status, message)} of a results folder's grades.csv."""
    path = Path(results) / "grades.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found; give two results folders of `python -m grader autograde`")
    with open(path, newline="", encoding="utf-8") as f:
        return {
            (row["student"], row["notebook"], row["item"]): (float(row["score"]), row["status"], row["message"])
            for row in csv.DictReader(f)
            if row["item"]
        }


def changes(old, new):
    """[(key, before or None, after or None)] for each item whose score or status differs, in order."""
    before, after = read(old), read(new)
    return [
        (key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if (before.get(key) or (None, None))[:2] != (after.get(key) or (None, None))[:2]
    ]


def text(found):
    """The changes as lines a person reads: the item, its score and message before and after."""
    if not found:
        return "No score changed."

    def side(value):
        return "(none)" if value is None else f"{value[0]:g} ({value[1]}{': ' + value[2] if value[2] else ''})"

    lines = [f"{len(found)} scores changed:"]
    for (student, notebook, item), before, after in found:
        lines += [f"{student} {notebook} {item}", f"  before: {side(before)}", f"  after:  {side(after)}"]
    return "\n".join(lines)
