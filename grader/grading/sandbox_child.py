"""The untrusted side of trusted grading (see grader/grading/trusted.py), and the wire format both sides use.

Run as a script, this file is the child process that holds a learner's code: it executes the
notebook's code cells in an IPython shell, then answers one request per line on stdin ("call
function X with these arguments") with one JSON line on the protocol channel. Everything the
learner's code prints goes to /dev/null. The child never judges anything: it returns values, and
the grading process compares them with grader.course.reference where the learner's code cannot reach.

The wire format carries only data: numbers, strings, None, lists, tuples, dicts with string keys,
numpy arrays of numeric dtype (as raw bytes) and a few named recipes for callables. Decoding builds
nothing else, so a hostile reply cannot run code in the grading process.

Run with `--zygote FD`, it is a template process instead: it imports what every sandbox needs
(IPython, matplotlib) once, before any learner code exists, then forks a fresh child for each
request that arrives on the Unix socket FD with the child's two pipe ends. A child forked this
way starts in milliseconds instead of a second; it is otherwise the same child.

This file imports only the standard library and numpy at module level (IPython in main()).
"""

import base64
import contextlib
import copy
import json
import os
import shutil
import sys
import warnings

import numpy as np

NUMERIC_KINDS = "biufc"  # bool, int, unsigned, float, complex


class WireError(ValueError):
    """A value that cannot cross between the grader and the learner's process."""


def encode(value, depth=0):
    """A JSON-ready structure for value, or WireError naming what cannot be sent."""
    if depth > 20:
        raise WireError("it is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (complex, np.complexfloating)):
        return {"__complex__": [float(value.real), float(value.imag)]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMERIC_KINDS:
            raise WireError(f"it is an array of {value.dtype}, not of numbers")
        data = np.ascontiguousarray(value)  # (its shape is at least 1-d: the value's is kept)
        return {
            "__ndarray__": base64.b64encode(data.tobytes()).decode("ascii"),
            "dtype": data.dtype.str,
            "shape": list(value.shape),
        }
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise WireError("it is a dict whose keys are not all strings")
        return {"__dict__": {k: encode(v, depth + 1) for k, v in value.items()}}
    recipe = getattr(value, "wire_recipe", None)
    if recipe is not None:
        return {"__recipe__": recipe[0], "args": [float(a) for a in recipe[1]]}
    raise WireError(f"it is a {type(value).__name__}")


def decode(data, depth=0):
    """The value an encode() structure stands for; builds only plain data and numpy arrays."""
    if depth > 20:
        raise WireError("it is nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if isinstance(data, dict):
        if "__ndarray__" in data:
            dtype = np.dtype(str(data["dtype"]))
            if dtype.kind not in NUMERIC_KINDS:
                raise WireError(f"an array of {dtype}")
            shape = tuple(int(s) for s in data["shape"])
            raw = base64.b64decode(data["__ndarray__"])
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        if "__tuple__" in data:
            return tuple(decode(v, depth + 1) for v in data["__tuple__"])
        if "__dict__" in data:
            return {str(k): decode(v, depth + 1) for k, v in data["__dict__"].items()}
        if "__complex__" in data:
            re, im = data["__complex__"]
            return complex(float(re), float(im))
        if "__recipe__" in data:
            from grader.learner.recipes import RECIPES  # callables the grader may pass as arguments

            if data["__recipe__"] not in RECIPES:
                raise WireError(f"an unknown recipe {data['__recipe__']!r}")
            return RECIPES[data["__recipe__"]](*[float(a) for a in data["args"]])
    raise WireError(f"unexpected data of type {type(data).__name__}")


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:
        return a is b


class CellTimeout(Exception):
    """A cell ran longer than the grader allows for one cell (a courtesy: the grader's own clock,
    outside this process, is what stops a cell that cancels this alarm)."""


def _alarm(signum, frame):
    raise CellTimeout("the cell ran too long and was stopped")


def _at_line(err):
    """ " (at the line `...`)": the last line of the learner's own cells that the error passed
    through, as `grader check` shows it ("" if none: the error came from elsewhere)."""
    import linecache

    found = ""
    try:
        tb = err.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith("<ipython-input-") or "/ipykernel_" in filename:
                found = linecache.getline(filename, tb.tb_lineno).strip()
            tb = tb.tb_next
    except BaseException:  # noqa: BLE001 - a learner's exception can hold anything
        return ""
    return f" (at the line `{found[:120]}`)" if found else ""


def _error_text(err):
    return f"{_name(err)}: {_text(err)}"[:500]


def _name(err):
    try:
        return str(type(err).__name__)[:100]
    except BaseException:  # noqa: BLE001 - a learner's exception class can do anything
        return "Exception"


def _text(err):
    try:
        return str(err)[:2000]
    except BaseException:  # noqa: BLE001
        return "(an error whose text could not be read)"


STREAM_CHARS = 20_000  # of each stream, per cell
FIGURE_CHARS = 2 * 2**20  # of each base64 image
OUTPUTS = 50  # display outputs per cell


def _cut(text, limit):
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters not shown]\n"


def _run(shell, source, capture, seconds):
    """Run one cell; with capture, its outputs as notebook outputs (streams, text and PNG
    displays, the error) in plain JSON-ready dicts."""
    import signal

    from IPython.utils.capture import capture_output

    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        with capture_output(display=True) as cap:
            result = shell.run_cell(source, store_history=False, silent=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    err = result.error_before_exec or result.error_in_exec
    error = None if err is None else {"ename": _name(err), "evalue": _text(err)}
    if not capture:
        return {"error": error}
    outputs = []
    for name in ("stdout", "stderr"):
        text = getattr(cap, name)
        if text:
            outputs.append({"output_type": "stream", "name": name, "text": _cut(text, STREAM_CHARS)})
    for shown in cap.outputs[:OUTPUTS]:
        data = {
            mime: value
            for mime, value in (shown.data or {}).items()
            if mime in ("text/plain", "image/png") and isinstance(value, str) and len(value) <= FIGURE_CHARS
        }
        if data:
            outputs.append({"output_type": "display_data", "data": data})
    if error is not None:
        outputs.append({"output_type": "error", **error})
    return {"outputs": outputs, "error": error}


def _not_written(name, err):
    """Which function still raises NotImplementedError: the one called, or one it calls (a
    network pasted from an earlier notebook, say), as grader.learner.checks finds it."""
    try:
        from grader.learner.checks import unwritten

        inner = unwritten(name, err)
    except ImportError:
        inner = name
    return f"{name} is not written yet" if inner == name else f"{name} calls {inner}, which is not written yet"


class _NoDelegation(Exception):
    """Stands for grader.learner.delegation.Delegated where that package cannot be imported."""


def _delegation():
    """grader.learner.delegation's `testing` and `Delegated` (the course's versions refuse to stand
    in for the function being judged), or stand-ins that check nothing."""
    try:
        from grader.learner import delegation
    except ImportError:
        return (lambda name: contextlib.nullcontext()), _NoDelegation
    return delegation.testing, delegation.Delegated


def _font_list():
    """Put matplotlib's font list, which the grader copies next to this script, into this
    process's (empty) MPLCONFIGDIR: matplotlib would otherwise read every font on the machine to
    build it again, at every sandbox's first figure."""
    here, target = os.path.dirname(os.path.abspath(__file__)), os.environ.get("MPLCONFIGDIR")
    for name in os.listdir(here) if target else ():
        if name.startswith("fontlist-v") and name.endswith(".json"):
            os.makedirs(target, exist_ok=True)
            shutil.copyfile(os.path.join(here, name), os.path.join(target, name))


def main():
    _font_list()
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    requests = os.fdopen(os.dup(0), "r")
    quiet = os.open(os.devnull, os.O_RDWR)
    os.dup2(quiet, 0)  # learner code cannot read the requests ...
    os.dup2(quiet, 1)  # ... and what it prints goes nowhere
    os.dup2(quiet, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")

    def reply(message):
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="NoColor")
    shell.showtraceback = lambda *a, **k: None
    shell.enable_gui = lambda *a, **k: None  # `%matplotlib inline` works; figures go nowhere
    if hasattr(shell, "_tee"):  # IPython 9 keeps every printed line in its history:
        shell._tee = lambda channel: contextlib.nullcontext()  # 30x slower printing, and memory
    global _testing, _Delegated
    _testing, _Delegated = _delegation()
    reply({"ready": True})

    for line in requests:
        request = json.loads(line)
        if "run" in request:
            reply(_run(shell, request["run"], request.get("capture", False), request.get("cell_seconds", 30)))
            continue
        name = request["call"]
        fn = shell.user_ns.get(name)
        if not callable(fn):
            reply({"ok": False, "kind": "undefined", "error": f"{name} is not defined"})
            continue
        answered = [n for n in request.get("answered") or [] if isinstance(n, str)]
        saved = {n: shell.user_ns.get(n) for n in answered}
        shell.user_ns.update({n: _by_the_grader(n, reply, requests) for n in answered})
        try:
            args = decode(request["args"])
            before = copy.deepcopy(args)
            strict = bool(request.get("forbid_warnings"))
            with _testing(name), warnings.catch_warnings(record=True) as caught, _warning_on(strict):
                warnings.simplefilter("always" if strict else "ignore")
                value = fn(*args)
            if strict and caught:
                reply({"ok": False, "kind": "warned", "error": _warned(name, caught[0])})
                continue
            changed = [i + 1 for i, (a, b) in enumerate(zip(args, before)) if not _same(a, b)]
            reply({"ok": True, "value": encode(value), "changed": changed})
        except NotImplementedError as err:
            reply({"ok": False, "kind": "not written", "error": _not_written(name, err)})
        except _Delegated as err:
            reply({"ok": False, "kind": "delegated", "error": str(err)[:500]})
        except WireError as err:
            reply(
                {"ok": False, "kind": "unreadable", "error": f"{name} returned a value the grader cannot read: {err}"}
            )
        except BaseException as err:  # noqa: BLE001 - a learner's error of any kind is a reply
            reply(
                {
                    "ok": False,
                    "kind": "raised",
                    "ename": type(err).__name__,
                    "error": (f"{name} raised {_error_text(err)}"[:400] + _at_line(err))[:500],
                }
            )
        finally:
            shell.user_ns.update(saved)


def _by_the_grader(name, reply, requests):
    """A stand-in for the learner's function `name` for one call: each of its calls is answered by
    the grading process ({"callback": name, "args"} out, {"value"} back), so a function is judged
    with a right `name` where the learner's own fails its test. Values cross, never code."""

    def stand_in(*args, **kwargs):
        reply({"callback": name, "args": encode(list(args)), "kwargs": encode(kwargs)})
        answer = json.loads(requests.readline() or "{}")
        if "value" not in answer:
            raise RuntimeError(f"no value for {name}({len(args)} arguments): {answer.get('error', 'refused')}")
        return decode(answer["value"])

    stand_in.__name__ = name
    return stand_in


def _warning_on(on):
    """numpy's floating-point warnings switched on (as grader.learner.checks._warning_on)."""
    return np.errstate(over="warn", divide="warn", invalid="warn", under="ignore") if on else contextlib.nullcontext()


def _warned(name, caught):
    """grader.learner.checks.warned_text's sentence (this script imports nothing of the course's)."""
    return (
        f"{name} emitted {caught.category.__name__} ({caught.message}) on these inputs; the exercise asks "
        "for a form that does not overflow for large |z|, with no warnings."
    )[:500]


def warm():
    """Import what a sandbox's first cells import (`%matplotlib inline`, pyplot), no more."""
    import IPython.core.interactiveshell  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import matplotlib_inline.backend_inline  # noqa: F401


def zygote(fd):
    """Fork a sandbox child per request: {"home", "env", "rlimits"} (grader.grading.launchers.rlimits) with the
    child's stdin and stdout as two passed file descriptors; reply {"pid"}. {"status": pid,
    "seconds": s} waits up to s for that child to end and replies {"code"} (None: still running;
    a negative code is the signal that ended it, as in subprocess). Ends when the socket closes."""
    import resource
    import socket
    import time

    warm()
    sock = socket.socket(fileno=fd)
    codes = {}

    def reap(pid=-1, block_seconds=0.0):
        deadline = time.monotonic() + block_seconds
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                codes[done] = os.waitstatus_to_exitcode(status)
                if pid == -1:
                    continue
                return
            if time.monotonic() >= deadline:
                return
            time.sleep(0.01)

    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 2)
        except OSError:
            break
        if not data:
            break
        request = json.loads(data)
        reap()
        if "status" in request:
            pid = request["status"]
            if pid not in codes:
                reap(pid, request.get("seconds", 0))
            sock.send(json.dumps({"code": codes.pop(pid, None)}).encode())
            continue
        pid = os.fork()
        if pid == 0:  # the sandbox child
            code = 1
            try:
                sock.close()
                os.setsid()
                os.dup2(fds[0], 0)
                os.dup2(fds[1], 1)
                for extra in fds:
                    os.close(extra)
                for name, pair in request["rlimits"].items():  # launchers.rlimits
                    resource.setrlimit(getattr(resource, name), tuple(pair))
                os.chdir(request["home"])
                os.environ.clear()
                os.environ.update(request["env"])
                sys.path[0] = request["home"]  # the learners' grader package
                main()
                code = 0
            finally:
                os._exit(code)
        for extra in fds:
            os.close(extra)
        sock.send(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--zygote"]:
        zygote(int(sys.argv[2]))
    else:
        main()
