"""The solution notebooks on other numerical back-ends of this machine.

Learners run the course on laptops, Colab and university CI runners whose processors round
differently: OpenBLAS picks the matrix kernels for the CPU it finds (its "core type"), and numpy
picks SIMD loops for exp, sums and the like. Both can be chosen here, within what this CPU can run:
OPENBLAS_CORETYPE and NPY_DISABLE_CPU_FEATURES (numpy's dispatch targets, as np.show_runtime()
lists them). Under each back-end every solution notebook runs under nbval, as in the suite's own
run: its printed outputs must equal the stored ones (sanitised by tests/nbval_sanitize.cfg) and no
cell may fail, so every assert in the notebooks holds there too.

The suite's own nbval run is this machine's native back-end; the candidates below are tried in
order until four distinct back-ends are covered (each run costs about half a minute). A candidate
that resolves to a back-end already covered (on an AVX2 laptop the Haswell one is native; this
OpenBLAS runs Zen with its Haswell kernels) is skipped, as is one the CPU cannot run, and the
later candidates stand in for it.
"""

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from conftest import ROOT

from grader.learner import manifest

NOTEBOOKS = [ROOT / "solutions" / nb.id / nb.filename for nb in manifest.load()]


@dataclass(frozen=True)
class Backend:
    name: str
    coretype: str  # OPENBLAS_CORETYPE
    simd: str | None  # numpy's highest dispatch target kept; "" = its baseline only; None = all
    needs: tuple = ()  # /proc/cpuinfo flags the CPU must have to run these kernels


CANDIDATES = {
    "x86_64": [
        Backend("SkylakeX-AVX512", "SkylakeX", None, ("avx512f", "avx512dq", "avx512bw", "avx512vl")),
        Backend("Haswell-AVX2", "Haswell", "X86_V3", ("avx2", "fma")),
        Backend("SandyBridge-AVX", "SandyBridge", "", ("avx",)),
        Backend("Prescott-SSE3", "Prescott", "", ("pni",)),
        Backend("Nehalem-SSE4.2", "Nehalem", "", ("sse4_2",)),
    ],
    "aarch64": [
        Backend("NeoverseV1-SVE", "NEOVERSEV1", None, ("sve",)),
        Backend("NeoverseN1", "NEOVERSEN1", "ASIMDDP", ("asimddp",)),
        Backend("CortexA57", "CORTEXA57", "", ()),
        Backend("ARMv8", "ARMV8", "", ()),
    ],
}
BACKENDS = CANDIDATES.get(platform.machine(), [])
COVERED = 4  # distinct back-ends, the native one included

# What a Python process on a given environment actually uses: OpenBLAS's kernels and numpy's
# enabled dispatch targets (a setting the CPU cannot honour shows here as something else).
PROBE = """
import json, numpy, threadpoolctl
from numpy._core import _multiarray_umath as m
blas = sorted({i.get("architecture", "?") for i in threadpoolctl.threadpool_info() if i["internal_api"] == "openblas"})
print(json.dumps({"blas": blas, "simd": [t for t in m.__cpu_dispatch__ if m.__cpu_features__.get(t)],
                  "dispatch": list(m.__cpu_dispatch__)}))
"""
VARIABLES = ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")


def cpu_flags():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    return {
        flag
        for line in text.splitlines()
        if line.lower().startswith(("flags", "features"))
        for flag in line.split(":", 1)[1].split()
    }


def probe(env):
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@cache
def native():
    return probe({k: v for k, v in os.environ.items() if k not in VARIABLES})


def environment(backend):
    """The environment for backend, or None if numpy here has no such dispatch target."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env["OPENBLAS_CORETYPE"] = backend.coretype
    dispatch = native()["dispatch"]
    if backend.simd is not None:
        if backend.simd and backend.simd not in dispatch:
            return None
        keep = dispatch.index(backend.simd) + 1 if backend.simd else 0
        if dispatch[keep:]:
            env["NPY_DISABLE_CPU_FEATURES"] = " ".join(dispatch[keep:])
    return env


def key(seen):
    return tuple(seen["blas"]), tuple(seen["simd"])


@cache
def plan():
    """{backend name: (environment, what it resolves to) or the reason it is not run}, in order;
    a back-end that resolves to the native one or to an earlier one is not run again."""
    flags, covered, out = cpu_flags(), {key(native()): "this machine's native back-end"}, {}
    for backend in BACKENDS:
        if len(covered) >= COVERED:
            out[backend.name] = f"{COVERED} back-ends are covered already: {', '.join(covered.values())}"
            continue
        missing = [flag for flag in backend.needs if flag not in flags]
        env = None if missing else environment(backend)
        if missing or env is None:
            out[backend.name] = f"this CPU or numpy cannot run it ({', '.join(missing) or backend.simd} missing)"
            continue
        seen = probe(env)
        if key(seen) in covered:
            out[backend.name] = f"it resolves to the same back-end as {covered[key(seen)]} ({seen})"
            continue
        covered[key(seen)] = backend.name
        out[backend.name] = (env, seen)
    return out


def test_at_least_four_backends_are_covered():
    run = [name for name, step in plan().items() if isinstance(step, tuple)]
    assert len(run) + 1 >= COVERED, (
        f"only {len(run)} back-ends besides the native one ({native()}) on this machine: {plan()}"
    )


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_solution_notebooks_reach_their_stored_outputs(backend):
    step = plan()[backend.name]
    if not isinstance(step, tuple):
        pytest.skip(f"{backend.name} is not run: {step}")
    env, seen = step
    if backend.simd is not None:  # the setting took effect: numpy dispatches no further
        assert set(seen["simd"]) <= set(
            native()["dispatch"][: native()["dispatch"].index(backend.simd) + 1] if backend.simd else []
        )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *map(str, NOTEBOOKS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode == 0, f"{backend.name} ({seen}): {summary}\n{proc.stdout[-6000:]}{proc.stderr[-2000:]}"
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
