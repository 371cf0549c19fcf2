"""What a notebook cell is to the course, read from its nbgrader metadata: one reading for every
module that asks (which cells are answers and which are tests decides what is graded and what
reaches the sandbox). A cell whose metadata is missing or malformed (a hand-edited or hostile
notebook) is an ordinary cell.

    answer cell   "solution": true        the learner's code, or a written answer (markdown)
    test cell     "grade": true, no "solution"    scored by nbgrader (grade_id test_<item>)
"""


def nbgrader(cell):
    """The cell's nbgrader metadata, {} if it has none or it is not a dict."""
    metadata = cell.get("metadata")
    found = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else {}


def grade_id(cell):
    """The cell's grade_id, None if it has none (or it is not text)."""
    found = nbgrader(cell).get("grade_id")
    return found if isinstance(found, str) else None


def is_answer(cell):
    """nbgrader's is_solution: a cell the learner writes in."""
    return bool(nbgrader(cell).get("solution", False))


def is_graded(cell):
    """nbgrader's is_grade: a cell that earns points (a test cell, or a written answer)."""
    return bool(nbgrader(cell).get("grade", False))


def is_test(cell):
    """A graded cell that is not an answer: a test, which nbgrader scores by its outputs."""
    return is_graded(cell) and not is_answer(cell)


# nbgrader's stand-in for a written answer in a release (ClearSolutions' text stub)
WRITTEN_STUB = "YOUR ANSWER HERE"


def blank_written(nb, item):
    """Whether the written answer `item` of nb is still blank: its cell empty or holding the
    release's stand-in (False if nb has no such cell)."""
    cells = [cell for cell in nb.cells if is_answer(cell) and grade_id(cell) == item]
    return bool(cells) and all(str(cell.source).strip() in ("", WRITTEN_STUB) for cell in cells)


def fill(nb, sources):
    """nb with each cell whose grade_id is in sources ({grade_id: text}) given that text, in place
    (returned too): a release filled with answers, a solution with some answers changed."""
    for cell in nb.cells:
        found = grade_id(cell)
        if found in sources:
            cell.source = sources[found]
    return nb


def answers(nb):
    """{grade_id: source} of nb's answer cells, as they are."""
    return {grade_id(cell): cell.source for cell in nb.cells if is_answer(cell) and grade_id(cell)}
