"""notebooks/ is exactly nbgrader's release of solutions/, with no solution or hidden test left."""

import ast
import re

import nbformat
import pytest

from grader.authoring.release import metadata_problems, release
from grader.learner import manifest

NOTEBOOKS = manifest.load()


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    release(out=out)
    return out


def solution_lines(path):
    """Lines between BEGIN SOLUTION and END SOLUTION markers in a solution notebook."""
    lines = []
    for cell in nbformat.read(path, as_version=4).cells:
        for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 10]
    return lines


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_committed_release_is_what_release_produces(nb, root, fresh_release):
    committed = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4)
    produced = nbformat.read(fresh_release / nb.id / nb.filename, as_version=4)
    assert committed == produced, (
        f"notebooks/{nb.id} is out of date or was edited by hand: run `python -m grader release` and commit the result"
    )


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_release_holds_no_solution_and_no_hidden_test(nb, root):
    cells = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4).cells
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "judge", "grader.course.reference"):
        assert marker not in code
    imported = set(re.findall(r"^\s*(?:from|import) (grader[\w.]*)", code, re.M))
    assert imported and all(name.startswith("grader.learner") for name in imported), imported
    leaked = [line for line in solution_lines(root / "solutions" / nb.id / nb.filename) if line in code]
    assert not leaked, leaked
    assert not any(c.get("outputs") for c in cells if c.cell_type == "code"), "outputs left in the release"
    answers = {c.metadata["nbgrader"]["grade_id"]: c for c in cells if c.metadata.get("nbgrader", {}).get("solution")}
    items = {item.id for item in nb.items}
    assert items <= set(answers), sorted(items - set(answers))
    for extra in set(answers) - items:  # ungraded answer cells: 05's network, brought from notebook 04
        meta = answers[extra].metadata["nbgrader"]
        assert not meta.get("grade") and "raise NotImplementedError()" in answers[extra].source, extra
    for item in nb.items:
        stub = "YOUR ANSWER HERE" if item.written else "raise NotImplementedError()"
        assert stub in answers[item.id].source, item.id


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.id)
def test_solution_metadata_agrees_with_the_manifest(nb, root):
    assert metadata_problems(root / "solutions" / nb.id / nb.filename, nb) == []


def test_manifest_problems_are_reported(tmp_path, root):
    nb = NOTEBOOKS[0]
    wrong = manifest.Notebook(nb.id, nb.title, nb.items[:-1] + (manifest.Item("extra", 5),))
    problems = metadata_problems(root / "solutions" / nb.id / nb.filename, wrong)
    assert any("no answer cell with grade_id 'extra'" in p for p in problems)
    assert any(f"'{nb.items[-1].test_id}' is not in the manifest" in p for p in problems)


def test_every_solution_is_in_the_manifest(root):
    on_disk = sorted(p.parent.name for p in (root / "solutions").glob("*/*.ipynb"))
    assert on_disk == sorted(nb.id for nb in NOTEBOOKS)


# ---------------------------------------------------------------------------------------------
# No answer ships: every function learners receive, compared with every answer
# ---------------------------------------------------------------------------------------------


def canonical(fn):
    """A function's code with its docstring dropped and every name (its own, its arguments, its
    variables, the modules it uses) replaced by its order of first appearance: two functions are
    the same answer if these agree, whatever they call things."""
    fn = ast.parse(ast.unparse(fn)).body[0]
    if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(getattr(fn.body[0], "value", None), ast.Constant):
        fn.body = fn.body[1:] or [ast.Pass()]
    names = {}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            node.id = names.setdefault(node.id, f"n{len(names)}")
            return node

        def visit_arg(self, node):
            node.arg = names.setdefault(node.arg, f"n{len(names)}")
            node.annotation = None
            return node

    fn.name = "f"
    fn.returns = None
    return ast.dump(Rename().visit(fn), annotate_fields=False)


def functions(source):
    """The function definitions in Python source (IPython magics dropped), at any depth."""
    code = "\n".join(line for line in source.split("\n") if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


def shipped_sources(root):
    """(where, source) of every Python text learners receive: the learner package and the
    release notebooks' code cells (their answer cells are stubs)."""
    for path in sorted((root / "grader" / "learner").rglob("*.py")):
        yield path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")
    for nb in NOTEBOOKS:
        release_nb = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4)
        for i, cell in enumerate(release_nb.cells):
            if cell.cell_type == "code":
                yield f"notebooks/{nb.id} cell {i}", cell.source


def test_no_function_learners_receive_is_an_answer(root):
    """Every function in the learner package and in the release notebooks' cells, compared with
    every function of every solution answer cell, names canonicalised (an answer renamed is still
    the answer)."""
    from grader.authoring.release import solution_answers

    answers = {}
    for nb in NOTEBOOKS:
        for item_id, source in solution_answers(nb, root).items():
            for fn in functions(source):
                if not isinstance(fn.body[-1], ast.Raise):  # a stub is not an answer
                    answers.setdefault(canonical(fn), f"{nb.id}: {item_id}")
    assert len(answers) >= 31
    found = [
        (where, fn.name, answers[canonical(fn)])
        for where, source in shipped_sources(root)
        for fn in functions(source)
        if canonical(fn) in answers
    ]
    assert not found, found
