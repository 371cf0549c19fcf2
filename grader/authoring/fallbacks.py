"""Write grader/learner/fallbacks/nbXX_*.py, the course's working versions of each notebook's
graded functions, from the solution notebooks (run by `python -m grader release`).

A module holds the solution's function definitions, from the answer cells and from the cells
before the first answer (given code), with the imports they use. Derive-it-yourself items are
left out: their fallbacks are numerical (grader/learner/fallbacks/numeric.py), so that nothing
shipped to learners gives their derivation away.
"""
import ast
from pathlib import Path

import nbformat

from ..learner import manifest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "grader" / "learner" / "fallbacks"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _code(cell):
    """A code cell's Python: IPython magics and the solution markers dropped."""
    return "\n".join(line for line in cell.source.split("\n")
                     if not line.lstrip().startswith("%") and line.strip() not in MARKERS)


def source(entry, root=ROOT):
    """The module text for one manifest entry."""
    nb = nbformat.read(Path(root) / "solutions" / entry.id / entry.filename, as_version=4)
    derived = {item.id for item in entry.items if item.derive}
    imports, defs, answered = [], [], False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        answer = bool(meta.get("solution"))
        answered |= answer
        if answered and not answer or meta.get("grade_id") in derived:
            continue                   # demonstrations, and the derivations the learner makes
        code = _code(cell)
        for node in ast.parse(code).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append(node)
            elif isinstance(node, ast.FunctionDef):
                defs.append(ast.get_source_segment(code, node))
    used = {n.id for d in defs for n in ast.walk(ast.parse(d)) if isinstance(n, ast.Name)}
    used |= {d.split("(")[0].split()[-1] for d in defs}
    kept = []
    for node in imports:                    # each import with the names the definitions use
        names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
        if names:
            listed = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in names)
            kept.append(f"from {node.module} import {listed}" if isinstance(node, ast.ImportFrom) else f"import {listed}")
    header = (f'"""The course\'s working versions of {entry.id}\'s graded functions (see '
              f'grader.learner.fallbacks).\n\nWritten by `python -m grader release` from '
              f'solutions/{entry.id}/{entry.filename}: do not edit."""\n')
    return header + "\n".join(kept) + "\n\n\n" + "\n\n\n".join(defs) + "\n"


def path(entry):
    return OUT / f"nb{entry.id}.py"


def write(root=ROOT):
    """Write every notebook's module; returns the paths."""
    written = []
    for entry in manifest.load():
        target = path(entry)
        target.write_text(source(entry, root), encoding="utf-8")
        written.append(target)
    return written
