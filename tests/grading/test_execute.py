"""grader.grading.execute: in the instructors' lab, the Formgrader's own Autograde runs no learner code."""

import json
import os
import shutil
import subprocess
import sys

from conftest import ROOT

from grader.grading.execute import UNSANDBOXED
from grader.learner import manifest

# What the Formgrader's Autograde button does, with the configuration the Formgrader loads in the
# lab `make instructor RESULTS=...` starts (nbgrader's config files, lab/instructor's first).
FORMGRADER_AUTOGRADE = """
import json, sys
from nbgrader.apps import NbGrader, NbGraderAPI
app = NbGrader()
app.load_config_file()
result = NbGraderAPI(config=app.config).autograde(sys.argv[1], sys.argv[2])
print(json.dumps({"success": result["success"], "text": result.get("log", "") + result.get("error", "")}))
"""


def test_the_formgraders_autograde_refuses_to_run_a_submission(tmp_path):
    from grader.grading.autograde import autograde

    nb = manifest.load()[0]
    (tmp_path / "class" / "s01").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "class" / "s01" / nb.filename, tmp_path / "class" / "s01")
    # a notebook that would leave a mark if it ran at all
    source = json.loads((tmp_path / "class" / "s01" / nb.filename).read_text())
    source["cells"][1]["source"] = f"open({str(tmp_path / 'ran')!r}, 'w').close()\n" + "".join(
        source["cells"][1]["source"]
    )
    (tmp_path / "class" / "s01" / nb.filename).write_text(json.dumps(source))
    results = tmp_path / "results"
    autograde(tmp_path / "class", results, progress=False)
    assert not (tmp_path / "ran").exists()  # (sandboxed: its own /tmp, not ours)
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(ROOT / "lab" / "instructor"), COURSE_RESULTS=str(results))
    done = subprocess.run(
        [sys.executable, "-c", FORMGRADER_AUTOGRADE, nb.id, "s01"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert not result["success"] and UNSANDBOXED[:60] in result["text"], result["text"][-2000:]
    assert not (tmp_path / "ran").exists(), "the Formgrader's autograde ran the learner's code"
