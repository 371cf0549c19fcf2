"""nbgrader settings of the instructors' lab (`make instructor`), on top of the course's own
nbgrader_config.py: the exchange that Release and Collect use is the folder exchange/ beside the
course (made here: nbgrader expects it to exist), so the Formgrader works on one machine without a
system-wide exchange. On JupyterHub the hub's nbgrader configuration names the shared exchange
instead (docs/jupyterhub.md)."""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.Exchange.root = os.path.join(os.getcwd(), "exchange")
os.makedirs(c.Exchange.root, exist_ok=True)
