"""Test cells compared with the course's release: deleted, edited, duplicated, reordered or
retyped test cells are noted (an item's status becomes `tampered`), duplicates are dropped and a
retyped answer cell gets its type back. nbgrader then restores the course's test cells
(OverwriteCells, add_missing_cells) before grading."""

from collections import defaultdict

import nbformat

from ..learner import cell_roles


def _retype(nb, cell, cell_type):
    """Give cell back its released type, source and metadata kept (as nbgrader's OverwriteCells does)."""
    new = (nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell)(cell.source)
    new.metadata = cell.metadata
    if "id" in cell:
        new["id"] = cell["id"]
    nb.cells[next(i for i, c in enumerate(nb.cells) if c is cell)] = new


def tampering(nb, release, entry):
    """Drop duplicated graded cells from nb (in place) and return {item: what was done to its
    test or answer cell} compared with the released notebook."""
    found = defaultdict(list)
    for cell in nb.cells:
        grade_id = cell_roles.grade_id(cell)
        if grade_id:
            found[grade_id].append(cell)
    released = {cell_roles.grade_id(c): c for c in release.cells if cell_roles.grade_id(c)}
    notes = {}
    for item in entry.items:
        test = released.get(item.test_id)
        cells = found.get(item.test_id, [])
        if not item.written and test is not None:
            if not cells:
                notes[item.id] = "its test cell was deleted; the course's test was put back"
            elif len(cells) > 1:
                notes[item.id] = f"its test cell appears {len(cells)} times (copied?); one copy was kept"
            elif cells[0].source.strip() != test.source.strip():
                notes[item.id] = "its test cell was edited; the course's test was put back"
            elif cells[0].cell_type != "code" or not cell_roles.is_graded(cells[0]):
                notes[item.id] = "its test cell's type or grading metadata was changed; restored"
        answers = found.get(item.id, [])
        if answers and answers[0].cell_type != released[item.id].cell_type:
            notes.setdefault(
                item.id,
                f"its answer cell was changed to a {answers[0].cell_type} cell; "
                f"changed back to {released[item.id].cell_type}",
            )
            _retype(nb, answers[0], released[item.id].cell_type)
    order = [gid for gid in (cell_roles.grade_id(c) for c in nb.cells) if gid and gid.startswith("test_")]
    course_order = [gid for gid in (cell_roles.grade_id(c) for c in release.cells) if gid and gid.startswith("test_")]
    kept = [gid for gid in dict.fromkeys(order) if gid in course_order]
    if kept != [gid for gid in course_order if gid in kept]:
        for item in entry.items:
            notes.setdefault(item.id, "the notebook's test cells were reordered")
    seen = set()
    cells = []
    for cell in nb.cells:
        grade_id = cell_roles.grade_id(cell)
        if grade_id and grade_id in seen:
            continue
        seen.add(grade_id)
        cells.append(cell)
    nb.cells = cells
    return notes
