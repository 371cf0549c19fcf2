"""Hostile notebooks graded with innocent classmates, through the real pipeline (grader.grading.autograde
with bubblewrap sandboxes; as root, as CI runs it). Each attack class of the security review has
an attacker here. For the whole batch: innocent classmates keep their exact scores; no attacker
gets more than the work deserves; no file of the repository or the submissions changes; no
process the attackers started survives; no secret (a marker environment variable, /etc/passwd,
the solutions' text, the reference's source, the hidden tests) appears in any result file."""

import csv
import hashlib
import html
import os
import re
import secrets
import socket
import time
import zipfile

import nbformat
import pytest
from conftest import isolated_probe, with_answers

from grader.grading import isolation
from grader.grading.autograde import Row, autograde, collect, unpack
from grader.grading.results import csv_safe
from grader.learner import manifest

NB = manifest.load()[0]  # 01_chain_rule: quick to run
ITEMS = [item.id for item in NB.items]
FULL = sum(item.points for item in NB.items)
TOKEN = secrets.token_hex(6)  # the attackers' processes name themselves with it
SECRET = f"instructor-secret-{secrets.token_hex(8)}"

pytestmark = pytest.mark.skipif(isolation.problem() is not None, reason=f"no isolation here: {isolation.problem()}")


def solved(root):
    release = nbformat.read(root / "notebooks" / NB.id / NB.filename, as_version=4)
    return with_answers(release, nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4))


def with_cell(nb, grade_id, source, before=True):
    """nb with source put before (or instead of) the answer cell grade_id's own code."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source + "\n" + cell.source if before else source
            return nb
    raise KeyError(grade_id)


def scripted(nb):
    """nb with a markdown cell of its own holding a script."""
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("Note <script>alert(2)</script><img src=x onerror=alert(3)>"))
    return nb


def many_cells(nb):
    """nb with 2,500 empty code cells of its own (the grader takes 2,000 cells at most)."""
    nb.cells += [nbformat.v4.new_code_cell("pass") for _ in range(2_500)]
    return nb


def attacks(root, folder, port):
    """{student: (notebook, most points the work deserves)}."""
    name_me = f"import ctypes\nctypes.CDLL(None).prctl(15, b'{TOKEN}', 0, 0, 0)\n"
    reference = f"""
import glob, os
found = []
for place in [{str(root)!r}, *glob.glob('/proc/*/cwd'), *glob.glob('/proc/*/root/work/main')]:
    for path in (place + '/grader/course/reference.py', place + '/solutions'):
        try:
            found.append(open(path).read())
        except OSError:
            pass
if found:
    namespace = {{}}
    exec(found[0], namespace)
    for name in {ITEMS!r}:
        if name in namespace:
            globals()[name] = namespace[name]
"""
    vandal = f"""
import glob, os
for path in [*glob.glob({str(folder)!r} + '/*/*.ipynb'), {str(root / "grader" / "report.py")!r},
             {str(root / "grader" / "course" / "reference.py")!r}, {str(root / ".venv")!r} + '/pwned.pth']:
    try:
        with open(path, 'a') as f:
            f.write('PWNED')
    except OSError:
        pass
for top in ('/', '/opt/course', '/usr', {str(root)!r}):
    try:
        open(os.path.join(top, 'PWNED'), 'w').write('PWNED')
    except OSError:
        pass
"""
    killer = """
import os, signal
for pid in range(1, 4096):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
"""
    daemon = (
        name_me
        + f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(2)
        for path in ({str(folder)!r} + '/good/01_chain_rule.ipynb', '/tmp/PWNED'):
            try:
                open(path, 'a').write('PWNED')
            except OSError:
                pass
        os._exit(0)
    os._exit(0)
"""
    )
    spy = f"""
import os, socket
print(dict(os.environ))
for path in ('/etc/passwd', '/etc/shadow', {str(root / "solutions" / NB.id / NB.filename)!r},
             {str(root / "grader" / "course" / "reference.py")!r}, '/root/.bash_history'):
    try:
        print(open(path).read())
    except OSError as err:
        print('cannot read', path, err)
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'PWNED')
    print('network reached')
except OSError as err:
    print('no network', err)
get_ipython().events.register('pre_run_cell', lambda info: print('SAW', info.raw_cell))
"""
    limits = (
        name_me
        + """
import os, signal
signal.setitimer(signal.ITIMER_REAL, 0)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
try:
    with open('/tmp/fill', 'wb') as f:
        for _ in range(10_000):
            f.write(b'x' * 2 ** 20)
except OSError:
    pass
children = 0
for _ in range(1000):
    try:
        if os.fork() == 0:
            import time
            time.sleep(60)
            os._exit(0)
        children += 1
    except OSError:
        break
print(f"wrote {os.path.getsize('/tmp/fill') // 2 ** 20} MB, started {children} processes")
"""
    )
    stuck = """import signal
def sigmoid_prime(z):
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
"""
    formula = """
class Boom(Exception):
    pass
Boom.__name__ = '=HYPERLINK("http://evil.example","click")'
def sigmoid(z):
    raise Boom('<script>alert(1)</script>\\n| fake | row |\\n- **good / 01_chain_rule**: cheated')
"""
    nested = """
import os
def sigmoid(z):
    for fd in range(3, 64):
        try:
            os.write(fd, b'[' * 200_000 + b'\\n')
        except OSError:
            pass
    return 0.5
"""
    marker = "### BEGIN HIDDEN TESTS\nx = 1\n"
    released = nbformat.read(root / "notebooks" / NB.id / NB.filename, as_version=4)
    return {
        "good": (solved(root), FULL),
        "blank": (released, 0),
        "reference": (with_cell(released, "sigmoid", reference), 0),
        "vandal": (with_cell(solved(root), "sigmoid", vandal), FULL),
        "killer": (with_cell(solved(root), "sigmoid", killer), FULL),
        "daemon": (with_cell(solved(root), "sigmoid", daemon), FULL),
        "spy": (with_cell(solved(root), "sigmoid", spy), FULL),
        "limits": (with_cell(solved(root), "sigmoid", limits), FULL),
        "stuck": (with_cell(solved(root), "sigmoid_prime", stuck, before=False), FULL - 1),
        "formula": (scripted(with_cell(solved(root), "sigmoid", formula, before=False)), FULL - 1),
        "nested": (with_cell(solved(root), "sigmoid", nested, before=False), FULL - 1),
        "marker": (with_cell(solved(root), "sigmoid", marker), FULL),
        "cells": (many_cells(solved(root)), FULL),
    }


def digest(folder):
    """{relative path: sha256} of every file under folder (the virtual environment's listing only)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".scratch-home", ".git")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if ".venv" in path:
                out[path] = "present"
            elif os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    out[path] = hashlib.sha256(f.read()).hexdigest()
    return out


def named_processes():
    found = []
    for proc in os.listdir("/proc"):
        try:
            with open(f"/proc/{proc}/comm") as f:
                if f.read().strip() == TOKEN:
                    found.append(proc)
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory, root):
    folder = tmp_path_factory.mktemp("class")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    deserved = {}
    for student, (nb, points) in attacks(root, folder, listener.getsockname()[1]).items():
        (folder / student).mkdir()
        nbformat.write(nb, folder / student / NB.filename)
        deserved[student] = points
    before = {**digest(root / "grader"), **digest(root / "solutions"), **digest(folder)}
    os.environ["GRADER_TEST_SECRET"] = SECRET
    out = tmp_path_factory.mktemp("results")
    try:
        rows, review = autograde(folder, out, jobs=2, timeout=3, notebook_timeout=60, progress=False)
    finally:
        del os.environ["GRADER_TEST_SECRET"]
    time.sleep(3)  # longer than the daemon waits
    try:
        connection = listener.accept()
    except BlockingIOError:
        connection = None
    listener.close()
    after = {**digest(root / "grader"), **digest(root / "solutions"), **digest(folder)}
    return {
        "rows": rows,
        "review": review,
        "out": out,
        "deserved": deserved,
        "before": before,
        "after": after,
        "connection": connection,
        "folder": folder,
    }


def totals(rows):
    found = {}
    for r in rows:
        if r.notebook == NB.id:
            found[r.student] = found.get(r.student, 0) + r.score
    return found


def test_classmates_keep_their_scores_and_attackers_gain_nothing(batch):
    got = totals(batch["rows"])
    assert got["good"] == FULL and got["blank"] == 0
    for student, points in batch["deserved"].items():
        assert got[student] <= points, (student, got[student], [r for r in batch["rows"] if r.student == student])


def test_no_file_outside_the_sandbox_changed(batch, root):
    changed = {p for p in set(batch["before"]) | set(batch["after"]) if batch["before"].get(p) != batch["after"].get(p)}
    assert not changed
    assert not os.path.exists("/PWNED") and not os.path.exists("/tmp/PWNED")
    assert not [p for p in root.rglob("*") if "PWNED" in p.name or p.name == "pwned.pth"]


def test_no_attacker_process_survives(batch):
    assert named_processes() == []


def test_no_network(batch):
    assert batch["connection"] is None


def test_no_secret_reaches_any_result(batch, root):
    hidden = set()
    for cell in nbformat.read(root / "solutions" / NB.id / NB.filename, as_version=4).cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            block = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            hidden |= {line.strip() for line in block.splitlines() if line.strip()}
    reference = (root / "grader" / "course" / "reference.py").read_text()
    solution_lines = [line for line in reference.splitlines() if len(line.strip()) > 30][:20]
    for path in batch["out"].rglob("*"):
        if not path.is_file() or path.suffix == ".db":
            continue
        text = html.unescape(path.read_text(errors="replace"))
        assert SECRET not in text, path
        assert "root:x:0:0" not in text, path
        assert not [line for line in solution_lines if line in text], path
        if "course" not in path.relative_to(batch["out"]).parts:  # what learners are shown
            assert not [line for line in hidden if line in text], path
    spy = html.unescape((batch["out"] / "feedback" / "spy" / f"{NB.id}.html").read_text())
    assert "cannot read /etc/passwd" in spy and "no network" in spy  # it ran, and was refused


def test_limits_hold_from_outside(batch):
    table = {(r.student, r.item): r for r in batch["rows"]}
    assert table["stuck", "sigmoid_prime"].status == "timeout"
    assert table["stuck", "sigmoid"].score == 1 and table["stuck", "chain_backward"].score == 3
    assert table["limits", "chain_backward"].score == 3
    page = html.unescape((batch["out"] / "feedback" / "limits" / f"{NB.id}.html").read_text())
    wrote, started = map(int, re.search(r"wrote (\d+) MB, started (\d+) processes", page).groups())
    assert wrote <= 128
    # As root each sandbox has a uid of its own: 64 processes, its own shell among them, whatever
    # its classmates run at the same time. A grading user's sandboxes share that user's count, so
    # there the bomb is only known to stop well before its 1000.
    assert started < 64 if isolation.as_root() else started < 500


def test_learner_text_lands_escaped(batch):
    out = batch["out"]
    with open(out / "grades.csv", newline="") as f:
        messages = [r["message"] for r in csv.DictReader(f) if r["student"] == "formula"]
    assert messages and not any(m.startswith(("=", "+", "-", "@")) for m in messages)
    assert any("HYPERLINK" in m for m in messages)
    page = (out / "feedback" / "formula" / f"{NB.id}.html").read_text()
    assert "<script>alert" not in page and "<img src=x onerror" not in page  # shown as text, inert
    report = (out / "report.md").read_text()
    assert "| fake | row |" not in report and "- **good / 01_chain_rule**: cheated" not in report


def test_a_malformed_reply_costs_only_the_items_that_make_it(batch):
    """The nested sigmoid corrupts every reply while it runs: the items that call it fail, the
    one that does not (numerical_derivative) keeps its points."""
    table = {(r.student, r.item): r for r in batch["rows"]}
    assert table["nested", "sigmoid"].score == 0 and "answered nonsense" in table["nested", "sigmoid"].message
    assert table["nested", "numerical_derivative"].score == 2


def test_nbgrader_markers_in_a_learner_cell_break_nothing(batch):
    assert totals(batch["rows"])["marker"] == FULL


def test_a_notebook_of_too_many_cells_is_refused_with_the_reason(batch):
    rows = [r for r in batch["rows"] if r.student == "cells" and r.notebook == NB.id]
    assert {r.status for r in rows} == {"error"} and "the grader takes at most 2000" in rows[0].message


def test_csv_formula_prefixes_are_neutralised():
    assert [csv_safe(t) for t in ("=1+1", "+1", "-1", "@x", "fine", "")] == ["'=1+1", "'+1", "'-1", "'@x", "fine", ""]


def test_symlinked_submissions_are_not_followed(tmp_path, root):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / NB.filename).symlink_to(root / "solutions" / NB.id / NB.filename)
    (tmp_path / "bob").symlink_to(root / "solutions")
    (tmp_path / "eve\nx").mkdir()
    found, rows = collect(tmp_path, manifest.load())
    assert found == {"alice": {}}
    reasons = {r.student: r.message for r in rows}
    assert "symbolic link" in reasons["alice"] and "symbolic link" in reasons["bob"]
    assert "eve?x" in reasons and "letters, digits" in reasons["eve?x"]


def test_zip_entries_that_collide_or_explode_are_reported(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"s1/{NB.filename}", "{}")
        zf.writestr(f"s1/./{NB.filename}", "{}")  # the same path: only s1 is affected
        zf.writestr(f"s2/{NB.filename}", b"\0" * (3 * 2**20))
        zf.writestr(f"s3/{NB.filename}", "{}")
    dest, rows, _ = unpack(archive, tmp_path / "out", entry_bytes=2**20)
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.ipynb")) == [
        f"s1/{NB.filename}",
        f"s3/{NB.filename}",
    ]
    reasons = {r.student: r.message for r in rows}
    assert "2 entries for s1" in reasons["s1"] and "only the first" in reasons["s1"]
    assert "more than 1 MB" in reasons["s2"]
    assert all(isinstance(r, Row) and r.status == "error" for r in rows)


def test_without_isolation_autograde_refuses_unless_told(tmp_path, monkeypatch):
    from grader.grading import autograde as module

    monkeypatch.setattr(isolation, "problem", lambda: "bwrap is not installed. (fix)")
    with pytest.raises(module.IsolationUnavailable, match="bwrap is not installed"):
        autograde(tmp_path, tmp_path / "out", progress=False)


def test_a_sandbox_runs_unprivileged_without_the_course(tmp_path, root):
    """The sandbox's view, asked directly: its uid, what of the host it sees, and its network."""
    probe = (
        "import os, socket, json\n"
        f"seen = {{'uid': os.getuid(), 'repo': os.path.exists({str(root / 'grader' / 'course' / 'reference.py')!r}), 'home': os.listdir('/root') if os.path.exists('/root') else [],\n"
        " 'env': sorted(os.environ), 'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit())}\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=1); seen['net'] = True\n"
        "except OSError:\n    seen['net'] = False\n"
        "def sigmoid(z):\n    return json.dumps(seen)\n"
    )
    seen = isolated_probe(probe, seconds=30)
    assert seen["uid"] == isolation.sandbox_uid() != 0
    assert seen["repo"] is False and seen["net"] is False
    assert set(seen["home"]) <= {".pyenv"}  # at most the Python installation's path
    assert "GRADER_TEST_SECRET" not in seen["env"] and "PATH" in seen["env"]
    assert max(seen["pids"]) < 10  # its own pid namespace
