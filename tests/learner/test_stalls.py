"""No cell stalls where `python -m grader check` runs a kernel: forty notebooks with sliders,
four kernels at once, each slider cell allowed a few times its normal time (a tenth of a second
or so) for its reply and for its outputs; a cell that reaches that time fails the test.

A stalled wait does not raise: when its timeout runs out, nbclient looks at the socket once more
and finds the reply that was there all along, so the cell merely took its whole timeout. The
test therefore times each cell. nbclient's own waits stall on such cells, about one in 150 here
(grader.learner.selfcheck.notebook_client says why): `STALL_POLL=none pytest tests/learner/test_stalls.py`
runs the same notebooks with them, and fails.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat

from grader.learner import selfcheck

RUNS, AT_ONCE, SLIDER_CELLS = 40, 4, 15
SETUP_SECONDS, SLIDER_SECONDS = 60, 4
POLL = None if os.environ.get("STALL_POLL") == "none" else selfcheck.POLL_SECONDS

SETUP = (
    "%matplotlib inline\nimport ipywidgets as widgets\nimport matplotlib.pyplot as plt\n"
    "def show(n=3, kind='a'):\n    plt.figure(figsize=(2, 2)); plt.plot(range(n)); plt.show()"
)
SLIDER = (
    "widgets.interact(show, n=widgets.IntSlider(value={n}, min=1, max=9), kind=widgets.Dropdown(options=['a', 'b']));"
)


def widget_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    nb.cells += [nbformat.v4.new_code_cell(SLIDER.format(n=n)) for n in range(1, SLIDER_CELLS + 1)]
    return nb


def run(folder):
    """What stalled in one run of the widget notebook, as `grader check` runs it: a cell that took
    its whole timeout, or nbclient's error."""
    folder.mkdir()
    started, stalled = {}, []

    def start(cell, cell_index):
        started[cell_index] = time.monotonic()

    def done(cell, cell_index, execute_reply):
        seconds = time.monotonic() - started[cell_index]
        if seconds >= 0.95 * limit(cell):
            stalled.append(f"{folder.name} cell {cell_index}: {seconds:.1f} s")

    client = selfcheck.notebook_client(
        widget_notebook(),
        folder,
        poll=POLL,
        shutdown_kernel="immediate",
        timeout_func=limit,
        iopub_timeout=SLIDER_SECONDS,
        raise_on_iopub_timeout=True,
        on_cell_execute=start,
        on_cell_executed=done,
    )
    try:
        client.execute()
    except Exception as err:  # nbclient's CellTimeoutError: outputs late, or no reply
        stalled.append(f"{folder.name}: {type(err).__name__}: {str(err).splitlines()[0]}")
    return stalled


def limit(cell):
    return SETUP_SECONDS if "import" in cell.source else SLIDER_SECONDS


def test_forty_widget_notebooks_four_at_once_never_wait_past_a_cells_time(tmp_path):
    with ThreadPoolExecutor(AT_ONCE) as pool:
        results = list(pool.map(run, [tmp_path / f"run{k:02d}" for k in range(RUNS)]))
    stalled = [line for lines in results for line in lines]
    assert not stalled, f"{len(stalled)} stalls in {RUNS} runs of {SLIDER_CELLS} slider cells:\n" + "\n".join(stalled)
