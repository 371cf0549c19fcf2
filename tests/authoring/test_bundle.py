"""The learners' bundle: the release notebooks and the learner package as a wheel, without the
reference, the judge, solutions or hidden tests. tests/e2e/test_learner_trial.py installs it as its
README says and works through every notebook in it."""

import email
import sys
import tomllib
import zipfile

import pytest

from grader.authoring.bundle import DISTRIBUTION, INSTRUCTOR_ONLY, bundle, learner_requirements, wheel_filename
from grader.grading.learner_package import INIT, learner_files
from grader.learner import manifest

LEARNER_REQUIREMENTS = learner_requirements()

NOTEBOOKS = manifest.load()


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    names = bundle(out / "course.zip")
    with zipfile.ZipFile(out / "course.zip") as zf:
        zf.extractall(out / "course")
    return out / "course", names


def test_bundle_holds_the_release_the_wheel_and_no_instructor_material(unpacked, root):
    folder, names = unpacked
    assert sorted(names) == sorted(
        [f"notebooks/{nb.id}/{nb.filename}" for nb in NOTEBOOKS]
        + [f"wheels/{wheel_filename()}", "README.md", "requirements.txt"]
    )
    assert not any(n.startswith(("grader/", "solutions/")) or n.endswith(".db") for n in names)
    for nb in NOTEBOOKS:
        released = (root / "notebooks" / nb.id / nb.filename).read_bytes()
        assert (folder / "notebooks" / nb.id / nb.filename).read_bytes() == released
    requirements = [
        line for line in (folder / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")
    ]
    assert requirements == [f"./wheels/{wheel_filename()}"]
    readme = (folder / "README.md").read_text()
    assert "python -m pip install -r requirements.txt" in readme and f"wheels/{wheel_filename()}" in readme
    assert all(nb.id in readme for nb in NOTEBOOKS)
    # the notation table the notebooks point to (04: "the README's notation table"), the course's columns
    table = [line for line in readme.split("## Notation", 1)[1].splitlines() if line.startswith("|")]
    assert table[0] == "| course | code | shape | meaning |" and len(table) >= 12
    assert all(line.count("|") == 5 for line in table)
    assert "seed 00" not in readme  # the sources' symbols refer to articles the bundle does not hold


def test_the_wheel_is_exactly_the_learner_package(unpacked):
    folder, _ = unpacked
    wheel = folder / "wheels" / wheel_filename()
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        init = zf.read("grader/__init__.py").decode()
        shipped = {name: zf.read(name) for name in names if name.startswith("grader/")}
    dist_info = f"{DISTRIBUTION.replace('-', '_')}-{wheel_filename().split('-')[1]}.dist-info"
    package = {name for _, name in learner_files()} | {"grader/__init__.py"}
    assert set(names) == package | {f"{dist_info}/{f}" for f in ("WHEEL", "METADATA", "RECORD")}
    assert init == INIT
    for source, name in learner_files():
        assert shipped[name] == source.read_bytes(), name
    assert "grader/learner/course.toml" in package and "grader/learner/digits_split.npz" in package
    assert "grader/learner/expected.json" in package and "grader/cli.py" in package
    assert not any(n.startswith(f"grader/{folder}/") for folder in INSTRUCTOR_ONLY for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_the_wheels_metadata(unpacked, root):
    folder, _ = unpacked
    with zipfile.ZipFile(folder / "wheels" / wheel_filename()) as zf:
        dist_info = next(n.rsplit("/", 1)[0] for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(zf.read(f"{dist_info}/METADATA"))
        wheel = email.message_from_bytes(zf.read(f"{dist_info}/WHEEL"))
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert meta["Name"] == DISTRIBUTION and meta["Version"] == project["version"]
    assert meta["Requires-Python"] == project["requires-python"]
    assert meta.get_all("Requires-Dist") == LEARNER_REQUIREMENTS
    assert wheel["Root-Is-Purelib"] == "true" and wheel["Tag"] == "py3-none-any"


def test_learners_requirements_are_the_courses_own_ranges(root):
    """Each learner dependency the course itself depends on has the course's range (the instructor's
    tests run on versions in it), and what learners get leaves out the instructor's stack."""
    project = {
        req.split(">")[0].split("<")[0].split("[")[0]: req
        for req in tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    for req in LEARNER_REQUIREMENTS:
        name = req.split(">")[0].split("<")[0]
        if name in project:
            assert project[name] == req, (req, project[name])
    names = {req.split(">")[0].split("<")[0] for req in LEARNER_REQUIREMENTS}
    assert not names & {"nbgrader", "nbval", "pytest", "psycopg", "distributed", "playwright", "flit-core"}


def test_learners_requirements_are_what_the_learner_package_and_notebooks_import(root):
    """Every module the learner package and the release notebooks import is in the standard library,
    the package itself, or a distribution the wheel requires (or one of those brings)."""
    import ast
    import importlib.metadata
    import json

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    sources = [path.read_text() for path, _ in learner_files() if path.suffix == ".py"]
    for nb in NOTEBOOKS:
        cells = json.loads((root / "notebooks" / nb.id / nb.filename).read_text())["cells"]
        sources += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    imported = set()
    for source in sources:
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"grader"}
    assert "sklearn" in third_party and "nbgrader" not in third_party

    def brought(name, seen=frozenset()):  # a distribution and all it requires (as installed here)
        name = canonicalize_name(name)
        if name in seen:
            return set()
        found = {name}
        for req in map(Requirement, importlib.metadata.requires(name) or ()):
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                try:
                    found |= brought(req.name, seen | {name})
                except importlib.metadata.PackageNotFoundError:
                    pass
        return found

    available = set().union(*(brought(Requirement(req).name) for req in LEARNER_REQUIREMENTS))
    distributions = importlib.metadata.packages_distributions()
    for module in sorted(third_party):
        assert {canonicalize_name(d) for d in distributions.get(module, [])} & available, (
            f"{module} is imported by the learner package or a notebook, but no learner requirement brings it"
        )


def test_the_same_files_give_the_same_wheel(tmp_path):
    from grader.authoring.bundle import learner_wheel

    first, second = learner_wheel(tmp_path / "a"), learner_wheel(tmp_path / "b")
    assert first.name == second.name == wheel_filename()
    assert first.read_bytes() == second.read_bytes()
