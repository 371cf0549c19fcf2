"""nbgrader settings of the instructors' lab (`make instructor`), on top of the course's own
nbgrader_config.py:

* the exchange that Release and Collect use is the folder exchange/ beside the course (made here:
  nbgrader expects it to exist), so the Formgrader works on one machine without a system-wide
  exchange. On JupyterHub the hub's nbgrader configuration names the shared exchange instead
  (docs/jupyterhub.md);
* the Formgrader's Autograde does not run learners' code: nbgrader's would run it in a kernel with
  the instructor's rights. It stops with what to run instead (`python -m grader autograde`, which
  runs each submission in its own sandbox)."""

import os

from grader.grading.execute import Unsandboxed, autograde_preprocessors

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.Autograde.autograde_preprocessors = autograde_preprocessors(Unsandboxed)
c.Exchange.root = os.path.join(os.getcwd(), "exchange")
os.makedirs(c.Exchange.root, exist_ok=True)
