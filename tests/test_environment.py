"""environment.yml and pyproject.toml list the same dependencies; constraints.txt pins them all;
a learner's install (the dependencies without extras) has none of the instructor's tools."""

import re
import tomllib

import yaml


def name(spec):
    return re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0].strip().lower().replace("_", "-")


def normal(spec):
    """A spec without spaces and without pip's extras: conda has none (conda-forge's psycopg brings
    its own libpq, which pip's psycopg[binary] extra is for)."""
    return re.sub(r"\[[^]]*\]", "", spec.replace(" ", "").lower())


def every_dependency(project):
    """The dependencies and every extra's."""
    return project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((root / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and name(d) not in ("python", "pip")]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    from_pypi = [d for d in pip if not d.startswith("-e ")]  # what conda-forge does not have
    assert sorted(map(normal, conda + from_pypi)) == sorted(map(normal, every_dependency(project)))
    python = next(d for d in env["dependencies"] if isinstance(d, str) and name(d) == "python")
    assert python.split("=")[-1] >= "3.11"
    assert pip[-1].startswith("-e .["), "Binder must install the course's own package, after its dependencies"
    assert set(pip[-1][len("-e .[") : -1].split(",")) == set(project["optional-dependencies"]), "with every extra"


def test_constraints_pin_every_dependency(root):
    pins = {
        name(line): line
        for line in (root / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    for dep in every_dependency(project):
        assert name(dep) in pins and "==" in pins[name(dep)], dep
    assert pins["nbgrader"] >= "nbgrader==0.9.6" and pins["nbval"].startswith("nbval==0.11")
    assert pins["numpy"].startswith("numpy==2.") and pins["jupyterlab"].startswith("jupyterlab==4.")
    assert pins["ipywidgets"].startswith("ipywidgets==8.")


def test_a_learners_install_has_no_instructors_tools(root):
    """The learner's side (grader.learner: the notebooks' checks and `python -m grader check`)
    imports only the dependencies; nbgrader, the sandbox filter, Dask and the test tools are extras."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    learner = {name(d) for d in project["dependencies"]}
    assert not learner & {"nbgrader", "pyseccomp", "distributed", "psycopg", "pytest", "nbval", "playwright", "ruff"}
    assert set(project["optional-dependencies"]) == {"grading", "cluster", "test"}
