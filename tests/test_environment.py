"""environment.yml and pyproject.toml list the same dependencies; constraints.txt pins them all."""

import re
import tomllib

import yaml


def name(spec):
    return re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0].strip().lower().replace("_", "-")


def normal(spec):
    """A spec without spaces and without pip's extras: conda has none (conda-forge's psycopg brings
    its own libpq, which pip's psycopg[binary] extra is for)."""
    return re.sub(r"\[[^]]*\]", "", spec.replace(" ", "").lower())


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((root / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and name(d) not in ("python", "pip")]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    from_pypi = [d for d in pip if d != "-e ."]  # what conda-forge does not have
    assert sorted(map(normal, conda + from_pypi)) == sorted(map(normal, project["dependencies"]))
    python = next(d for d in env["dependencies"] if isinstance(d, str) and name(d) == "python")
    assert python.split("=")[-1] >= "3.11"
    assert pip[-1] == "-e .", "Binder must install the course's own package, after its dependencies"


def test_constraints_pin_every_dependency(root):
    pins = {
        name(line): line
        for line in (root / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"]:
        assert name(dep) in pins and "==" in pins[name(dep)], dep
    assert pins["nbgrader"] >= "nbgrader==0.9.6" and pins["nbval"].startswith("nbval==0.11")
    assert pins["numpy"].startswith("numpy==2.") and pins["jupyterlab"].startswith("jupyterlab==4.")
    assert pins["ipywidgets"].startswith("ipywidgets==8.")
