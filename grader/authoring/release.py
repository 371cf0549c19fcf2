"""Generate the student release (notebooks/) from the instructor sources (solutions/) with nbgrader."""

import tempfile
from pathlib import Path

import nbformat
from traitlets.config import Config

from ..course import layout
from ..course.layout import ROOT
from ..learner import cell_roles, manifest

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def release(out=None, root=ROOT, notebooks=None):
    """Run nbgrader's GenerateAssignment for every notebook of the manifest.

    Writes <out>/<id>/<id>.ipynb (out defaults to <root>/notebooks): solutions replaced by
    stubs, hidden tests removed, outputs cleared, test cells locked with checksums.
    Returns the written paths. Raises RuntimeError with nbgrader's log if a notebook fails.
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    root = Path(root).resolve()
    out = Path(out).resolve() if out else root / "notebooks"
    notebooks = notebooks or manifest.load()
    for nb in notebooks:
        sync_points(layout.solution_path(nb, root), nb)
    problems = [p for nb in notebooks for p in metadata_problems(layout.solution_path(nb, root), nb)]
    if problems:
        raise RuntimeError("solutions/ disagrees with grader/learner/course.toml:\n  " + "\n  ".join(problems))
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for nb in notebooks:
            config = Config()
            config.CourseDirectory.root = str(root)
            config.CourseDirectory.source_directory = str(root / "solutions")
            config.CourseDirectory.release_directory = str(Path(scratch) / "release")
            config.CourseDirectory.assignment_id = nb.id
            config.GenerateAssignment.no_database = True
            config.SaveCells.enabled = False
            config.GenerateAssignment.force = True
            coursedir = CourseDirectory(config=config)
            app = GenerateAssignment(coursedir=coursedir, config=config)
            app.start()
            produced = Path(scratch) / "release" / nb.id / nb.filename
            if not produced.exists():
                raise RuntimeError(f"nbgrader did not produce {produced.name}")
            target = out / nb.id / nb.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            _drop_widget_state(produced, target)
            written.append(target)
    return written


def _drop_widget_state(src, dst):
    """Copy a released notebook without the solution run's saved widget state (its outputs are
    cleared, so the state would only be dead weight)."""
    nb = nbformat.read(src, as_version=4)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, dst)


def sync_points(path, nb):
    """Points live in course.toml: each graded cell of the solution notebook at path is given its
    item's points there (nbgrader reads them from the cell), the file rewritten only if one
    changed. Returns the cells changed, {grade_id: (old, new)}."""
    if not path.exists():
        return {}
    solution = nbformat.read(path, as_version=4)
    points = {item.test_id: item.points for item in nb.items}
    changed = {}
    for cell in solution.cells:
        meta, found = cell_roles.nbgrader(cell), cell_roles.grade_id(cell)
        if meta.get("grade") and found in points and float(meta.get("points", 0)) != points[found]:
            changed[found] = (meta.get("points"), points[found])
            meta["points"] = int(points[found]) if points[found].is_integer() else points[found]
    if changed:
        nbformat.write(solution, path)
    return changed


def metadata_problems(path, nb):
    """Differences between a solution notebook's nbgrader cells and its manifest entry."""
    if not path.exists():
        return [f"{path} is missing"]
    cells = nbformat.read(path, as_version=4).cells
    meta = {cell_roles.grade_id(c): cell_roles.nbgrader(c) for c in cells if cell_roles.grade_id(c)}
    problems = []
    kinds = {cell_roles.grade_id(c): c.cell_type for c in cells if cell_roles.grade_id(c)}
    for item in nb.items:
        if item.id not in meta or not meta[item.id].get("solution"):
            problems.append(f"{path.name}: no answer cell with grade_id {item.id!r}")
        elif item.written and kinds[item.id] != "markdown":
            problems.append(f"{path.name}: {item.id!r} is a written answer in the manifest but a code cell")
        elif not item.written and kinds[item.id] != "code":
            problems.append(f"{path.name}: {item.id!r} is a code item in the manifest but a markdown cell")
        test = meta.get(item.test_id)
        if test is None or not test.get("grade"):
            kind = "answer" if item.written else "test"
            problems.append(f"{path.name}: no graded {kind} cell with grade_id {item.test_id!r}")
        elif float(test.get("points", 0)) != item.points:
            problems.append(
                f"{path.name}: {item.test_id} is worth {test.get('points')} points in the "
                f"notebook but {item.points:g} in the manifest"
            )
    known = {i.id for i in nb.items} | {i.test_id for i in nb.items}
    extra = [gid for gid, m in meta.items() if m.get("grade") and gid not in known]
    problems += [f"{path.name}: graded cell {gid!r} is not in the manifest" for gid in extra]
    return problems


def solution_answers(entry, root=ROOT):
    """{grade_id: source} of the solution's answer cells (code and written), marker lines
    removed: what a learner who solved everything writes."""
    nb = nbformat.read(layout.solution_path(entry, root), as_version=4)
    return {
        grade_id: "\n".join(line for line in source.split("\n") if line.strip() not in MARKERS)
        for grade_id, source in cell_roles.answers(nb).items()
    }


def filled(entry, sources, root=ROOT):
    """The released notebook with its answer cells replaced by sources {grade_id: text}."""
    return cell_roles.fill(nbformat.read(layout.release_path(entry, root), as_version=4), sources)
