"""Trusted grading: verdicts computed outside the learner's process cannot be faked, and one bad
function costs only its own item."""

import json
import re
import time

import nbformat
import numpy as np
import pytest
from conftest import ROOT, TMP, isolated_probe, processes_with

from grader.grading import isolation, launchers, trusted
from grader.learner import cell_roles, manifest

NB = manifest.load()[0]  # 01_chain_rule: quick to run
FAST = trusted.Limits(notebook_seconds=20, cell_seconds=5, call_seconds=4)


def submission(root, **answers):
    """The solution notebook with some answer cells replaced: answers[grade_id] = new source."""
    return cell_roles.fill(nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4), answers)


def verdicts(nb, limits=FAST):
    release = nbformat.read(ROOT / "notebooks" / NB.id / NB.filename, as_version=4)
    return {v.item: (v.status, v.message) for v in trusted.grade_notebook(nb, NB, 1, limits, release)}


def sandboxes_running():
    """This test process's sandboxes and zygote (their files are in its own TMP), not anyone else's.
    The zygote is started first if it is not running yet, so only sandboxes make a difference."""
    launchers.Zygote.get()
    return len([p for p in processes_with(str(TMP)) if "sandbox_child.py" in p])


def sandboxes_back_to(before, seconds=10):
    """Whether this test process's sandboxes are back to `before` within `seconds`: a stopped
    sandbox is killed at once, but on a loaded machine the kernel can take a moment to end it."""
    deadline = time.monotonic() + seconds
    while sandboxes_running() != before and time.monotonic() < deadline:
        time.sleep(0.1)
    return sandboxes_running() == before


def test_solutions_pass_and_releases_fail(root):
    for nb in manifest.load():
        release = nbformat.read(root / "notebooks" / nb.id / nb.filename, as_version=4)
        good = trusted.grade_file(root / "solutions" / nb.id / nb.filename, nb, 0, FAST, release)
        assert [v.status for v in good] == ["ok"] * len(good), [(v.item, v.message) for v in good if v.status != "ok"]
        blank = trusted.grade_file(root / "notebooks" / nb.id / nb.filename, nb, seed=0, limits=FAST)
        assert all(v.status == "failed" and "is not written yet" in v.message for v in blank)


def test_monkeypatching_the_checks_earns_nothing(root):
    cheat = """
import numpy as np, builtins, sys
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: np.True_
np.testing.assert_allclose = lambda *a, **k: None
import grader.learner.checks
grader.learner.checks.close = grader.learner.checks.difference = lambda *a, **k: None
sys.excepthook = lambda *a: None
try:
    from grader.course import judge
    judge.check = lambda *a, **k: None
except ImportError:
    pass

def sigmoid(z):
    return np.zeros_like(np.asarray(z, dtype=float))
"""
    result = verdicts(submission(root, sigmoid=cheat))
    assert result["sigmoid"][0] == "failed"
    assert re.match(r"Hidden test, input 1 of \d+ \(seed 1\): sigmoid", result["sigmoid"][1])


def test_sabotaging_builtins_earns_nothing(root):
    sabotage = "import builtins\nbuiltins.isinstance = lambda *a: True\ndef sigmoid(z):\n    return z\n"
    result = verdicts(submission(root, sigmoid=sabotage))
    assert result["sigmoid"][0] != "ok"


def test_the_reference_cannot_be_imported_from_an_answer(root):
    copy_it = "from grader.course.reference import sigmoid\n"
    result = verdicts(submission(root, sigmoid=copy_it))
    assert result["sigmoid"] == ("failed", "its cell raised ModuleNotFoundError: No module named 'grader.course'")


def test_an_endless_loop_that_ignores_sigint_costs_only_its_item(root):
    before = sandboxes_running()
    loop = (
        "import signal\n"
        "def sigmoid_prime(z):\n"
        "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "    while True:\n"
        "        pass\n"
    )
    result = verdicts(submission(root, sigmoid_prime=loop))
    assert result["sigmoid_prime"] == (
        "timeout",
        "Still running sigmoid_prime after 4 s: stopped. Look for an endless loop or a very slow computation.",
    )
    assert result["last_layer_grads"][0] == "timeout"  # it calls sigmoid_prime
    for independent in ("sigmoid", "numerical_derivative", "chain_forward", "chain_backward"):
        assert result[independent] == ("ok", "")
    assert sandboxes_back_to(before)


def test_an_endless_loop_in_a_cell_times_out_every_item(root):
    stubborn = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n"
    result = verdicts(submission(root, sigmoid=stubborn), trusted.Limits(notebook_seconds=3, call_seconds=3))
    assert {status for status, _ in result.values()} == {"timeout"}
    polite = verdicts(submission(root, numerical_derivative="while True:\n    pass\n"))  # stopped after cell_seconds
    assert polite["numerical_derivative"] == (
        "failed",
        "its cell raised CellTimeout: the cell ran too long and was stopped",
    )
    assert polite["chain_backward"] == ("ok", "")


def test_os_exit_and_sys_exit(root):
    result = verdicts(
        submission(root, numerical_derivative="import os\ndef numerical_derivative(f, x, h=1e-5):\n    os._exit(3)\n")
    )
    assert result["numerical_derivative"] == (
        "error",
        "The notebook's Python process exited (code 3: os._exit, sys.exit "
        "at the top level, or a crash) while running numerical_derivative.",
    )
    assert all(status == "ok" for item, (status, _) in result.items() if item != "numerical_derivative")
    result = verdicts(submission(root, numerical_derivative="import sys\nsys.exit(1)\n"))
    assert result["numerical_derivative"] == ("failed", "its cell raised SystemExit: 1")
    assert all(status == "ok" for item, (status, _) in result.items() if item != "numerical_derivative")


def test_memory_bomb_fork_bomb_and_huge_values(root):
    before = sandboxes_running()
    result = verdicts(
        submission(
            root,
            last_layer_grads="def last_layer_grads(a, w, b, y):\n    return bytearray(50 * 2**30)\n",
            numerical_derivative=(
                "import os, time\ndef numerical_derivative(f, x, h=1e-5):\n"
                "    for _ in range(5):\n        os.fork()\n    time.sleep(60)\n"
            ),  # 32 processes
            chain_forward=(
                "import numpy as np\ndef chain_forward(w, b, x):\n    print('x' * 10**7)\n    return np.zeros(10**7)\n"
            ),
        )
    )  # 80 MB
    status, message = result["last_layer_grads"]
    assert status == "failed" and message.startswith("Hidden test, input 1 of ")
    assert (
        "last_layer_grads raised MemoryError:  (at the line `return bytearray(50 * 2**30)`)\nThe input was: " in message
    )
    assert result["numerical_derivative"][0] == "timeout"
    assert result["chain_forward"] == ("error", "The answer to running chain_forward was larger than 64 MB.")
    assert result["sigmoid"] == result["sigmoid_prime"] == ("ok", "")
    assert sandboxes_back_to(before)


def test_noise_helpers_and_another_route_keep_full_marks(root):
    noisy = """
import sys, warnings
print('debugging', file=sys.stderr)
warnings.warn('a learner warning')

def _logistic(t):                       # another route to the sigmoid, with no overflow
    return 0.5 * (1 + np.tanh(t / 2))

def sigmoid(z):
    print('called with', z)
    return _logistic(np.asarray(z, dtype=float))
"""
    result = verdicts(submission(root, sigmoid=noisy))
    assert all(status == "ok" for status, _ in result.values()), result


def test_changing_an_input_in_place_fails(root):
    mutate = (
        "def chain_forward(w, b, x):\n    x *= 1.0\n    a = [x]\n    for l in range(1, len(w)):\n"
        "        a.append(sigmoid(w[l] * a[-1] + b[l]))\n    x[...] = 0\n    return a\n"
    )
    result = verdicts(submission(root, chain_forward=mutate))
    assert result["chain_forward"][0] == "failed" and "changed its argument #3 in place" in result["chain_forward"][1]


def test_a_function_a_graded_one_calls_is_named_when_it_is_not_written(root):
    """chain_backward written, the chain_forward it calls left as a stub: the verdict names the stub."""
    nb = submission(root, chain_forward="def chain_forward(w, b, x):\n    raise NotImplementedError()\n")
    assert verdicts(nb)["chain_backward"][1].startswith("chain_backward calls chain_forward, which is not written yet")


@pytest.mark.skipif(isolation.problem() is not None, reason=f"no isolation here: {isolation.problem()}")
def test_a_sandbox_starts_with_matplotlibs_font_list():
    """A sandbox's matplotlib folder is new and empty; the grader puts its copy of matplotlib's
    font list there, so that the sandbox's first figure does not read every font on the machine
    to build it again (a rebuild would write the file anew)."""
    probe = (
        "import os, json\n"
        "folder = os.environ['MPLCONFIGDIR']\n"
        "listed = sorted(os.listdir(folder)) if os.path.isdir(folder) else []\n"
        "before = [os.stat(os.path.join(folder, n)).st_mtime_ns for n in listed]\n"
        "import matplotlib.pyplot as plt\n"
        "plt.plot([0, 1]); plt.title('fonts')\n"
        "plt.gcf().canvas.draw()\n"
        "after = [os.stat(os.path.join(folder, n)).st_mtime_ns for n in listed]\n"
        "def sigmoid(z):\n    return json.dumps({'listed': listed, 'same': before == after})\n"
    )
    seen = isolated_probe(probe)
    assert trusted.font_list() is not None
    assert seen == {"listed": [trusted.font_list().name], "same": True}


@pytest.mark.parametrize("isolated", [False, True], ids=["zygote", "bubblewrap"])
def test_every_way_a_sandbox_starts_sets_the_same_hard_limits(isolated):
    """launchers.rlimits is the one source of a sandbox's limits, forked by the zygote or started in
    bubblewrap (the zygote's children once got no CPU limit and a soft process limit of their own)."""
    limits = trusted.Limits(isolated=isolated, notebook_seconds=30, memory_bytes=2 * 2**30)
    probe = (
        "import json, resource\n"
        "def sigmoid(z):\n"
        "    return json.dumps({n: resource.getrlimit(getattr(resource, n)) for n in\n"
        "                       ('RLIMIT_AS', 'RLIMIT_FSIZE', 'RLIMIT_CORE', 'RLIMIT_CPU', 'RLIMIT_NPROC')})\n"
    )
    with trusted.Sandbox(limits) as box:
        box.start()
        box.run(probe)
        seen = json.loads(box.call("sigmoid", [0.0]))
    nproc = seen.pop("RLIMIT_NPROC")  # how many processes the sandbox's user runs: not fixed
    assert nproc[0] == nproc[1] > 0
    assert seen == {n: list(pair) for n, pair in launchers.rlimits(limits).items() if n != "RLIMIT_NPROC"}


def test_a_sandboxs_failure_says_its_kind():
    """The kind the sandbox replies reaches the grader as CheckFailed.kind (the judge and the
    diagnosis act on it, not on the message's words)."""
    from grader.learner.checks import CheckFailed

    found = {}
    with trusted.Sandbox(FAST) as box:
        box.start()
        box.run(
            "def unwritten(x):\n    raise NotImplementedError()\n"
            "def mutating(x):\n    x[0] = 1.0\n    return x\n"
            "def failing(x):\n    return 1 / 0\n"
        )
        for name in ("missing", "unwritten", "mutating", "failing"):
            with pytest.raises(CheckFailed) as caught:
                box.call(name, [np.zeros(2)])
            found[name] = caught.value.kind
    assert found == {"missing": "undefined", "unwritten": "not written", "mutating": "mutated", "failing": "raised"}


def test_a_sandboxed_call_that_warns_fails_only_where_warnings_are_forbidden():
    from grader.learner.checks import CheckFailed

    with trusted.Sandbox(FAST) as box:
        box.start()
        box.run("import numpy as np\ndef naive(z):\n    return 1 / (1 + np.exp(-z))\n")
        assert box.call("naive", [np.array([-1000.0])]).tolist() == [0.0]
        with pytest.raises(CheckFailed) as caught:
            box.call("naive", [np.array([-1000.0])], forbid_warnings=True)
    assert caught.value.kind == "warned" and "overflow encountered in exp" in str(caught.value)


def test_a_slip_costs_once_a_right_function_is_judged_with_the_courses_callee(root):
    """chain_forward wrong (a bias left out), chain_backward written right on top of it: chain_forward
    fails, chain_backward passes when the grader answers its chain_forward calls with the course's.
    A chain_backward wrong in its own right (no 1/n) still fails."""
    slip = (
        "def chain_forward(w, b, x):\n    a = [np.asarray(x, dtype=float)]\n"
        "    for l in range(1, len(w)):\n        a.append(sigmoid(w[l] * a[l - 1]))\n    return a\n"
    )
    result = verdicts(submission(root, chain_forward=slip))
    assert result["chain_forward"][0] == "failed"
    status, message = result["chain_backward"]
    assert status == "ok" and "the course's chain_forward stands in for yours" in message
    summed = (
        "def chain_backward(w, b, x, y):\n    a = chain_forward(w, b, x)\n    L = len(w) - 1\n"
        "    dw, db = [None] * (L + 1), [None] * (L + 1)\n    dC_da = 2 * (a[L] - y)\n"
        "    for l in range(L, 0, -1):\n        dC_dz = a[l] * (1 - a[l]) * dC_da\n"
        "        dw[l] = float(np.sum(a[l - 1] * dC_dz))\n        db[l] = float(np.sum(dC_dz))\n"
        "        dC_da = w[l] * dC_dz\n    return dw, db\n"
    )
    both = verdicts(submission(root, chain_forward=slip, chain_backward=summed))
    assert (
        both["chain_backward"][0] == "failed"
        and "Note: chain_backward calls your chain_forward" in both["chain_backward"][1]
    )


def test_a_stand_in_answers_only_the_functions_it_was_offered():
    from grader.learner.checks import CheckFailed

    with trusted.Sandbox(FAST) as box:
        box.start()
        box.run(
            "def inner(x):\n    return -1.0\ndef outer(x):\n    return inner(x) + other(x)\ndef other(x):\n    return 0.0\n"
        )
        assert box.call("outer", [2.0]) == -1.0
        assert box.call("outer", [2.0], answered={"inner": lambda x: 10 * x}) == 20.0
        with pytest.raises(CheckFailed, match="no value for inner"):
            box.call("outer", [2.0], answered={"inner": lambda x: 1 / 0})
        assert box.call("outer", [2.0]) == -1.0  # the learner's own is back after the call


def test_a_raised_error_names_the_learners_line():
    """As `grader check` shows it: the last line of the learner's own code the error went through,
    not numpy's."""
    from grader.learner.checks import CheckFailed

    with trusted.Sandbox(FAST) as box:
        box.start()
        box.run("import numpy as np\ndef backward(W, A):\n    d = W @ A\n    return np.dot(d, A)\n")
        with pytest.raises(CheckFailed) as caught:
            box.call("backward", [np.zeros((2, 3)), np.zeros((2, 3))])
    assert caught.value.failure.kind == "raised"
    assert str(caught.value).endswith("(at the line `d = W @ A`)")
