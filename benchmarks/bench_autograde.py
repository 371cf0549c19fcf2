"""Plain serial nbgrader against `python -m grader autograde`, on the same submissions.

    python benchmarks/bench_autograde.py [--n 40] [--jobs N] [--timeout S] [--no-cluster] [--keep]

The submissions are the readable, well-named, non-abusive ones of examples/class (kinds
"correct" and "mistake" in examples/make_class.py), cycled to --n files under fresh student ids.
(1) nbgrader CLI: a temporary course whose source directory is this repository's solutions/,
    `nbgrader generate_assignment` per notebook, then one `nbgrader autograde <id> --student <s>`
    process per submission; scores from nbgrader's gradebook.
(2) `python -m grader autograde <dir> --out <results>`; scores from results/grades.csv.
(3) Both wall times, their ratio, where (2)'s time goes (its timings.csv: the mean seconds of a
    submission per stage, and the run's wall time outside the submissions), and every submission
    whose two scores differ.
(4) Unless --no-cluster: the same command with --cluster, through a real `dask scheduler` on
    127.0.0.1 with one, then two `dask worker --nthreads 1` processes: notebooks per minute for
    each, and whether their scores are those of (2). Each run's time includes starting its
    workers' grading processes, as (2)'s includes starting its pool.
(5) Unless --hogs 0: the class of (2) with --hogs percent of its submissions (default 20) made CPU
    hogs (a cell of their own that never ends), graded with the notebooks' default budgets
    (grader.grading.budget): the wall time against (2)'s, what each hog cost, and whether every
    honest submission kept its score.
"""

import argparse
import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
CLASS = ROOT / "examples" / "class"
PY = sys.executable


def load_class():
    """The submissions registered by examples/make_class.py (writing examples/class if absent)."""
    spec = importlib.util.spec_from_file_location("make_class", ROOT / "examples" / "make_class.py")
    make_class = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_class)
    if not CLASS.is_dir():
        make_class.main([])
    return make_class.build()


def pick(n):
    """n (student id, notebook id, source file) triples cycling over the gradable submissions."""
    pool = [s for s in load_class() if s.kind in ("correct", "mistake") and s.filename == f"{s.notebook}.ipynb"]
    return [
        (f"b{i:03d}", s.notebook, CLASS / s.student / s.filename)
        for i, s in enumerate(pool[i % len(pool)] for i in range(n))
    ]


def environment(home):
    """The venv's bin first on PATH (nbgrader runs `alembic`), its kernelspec, a scratch HOME."""
    env = dict(
        os.environ,
        HOME=str(home),
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    env["PATH"] = f"{Path(PY).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_nbgrader(subs, work, env):
    """Grade with plain serial nbgrader. Returns ({(student, notebook): score or None}, seconds)."""
    course = work / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.source_directory = {str(ROOT / 'solutions')!r}\n"
        "c.Execute.extra_arguments = ['--InteractiveShell.xmode=Minimal']\n"
        "c.ClearSolutions.code_stub = {'python': '# YOUR CODE HERE\\nraise NotImplementedError()'}\n"
    )
    nbgrader = [PY, "-m", "nbgrader"]
    start = time.perf_counter()
    for nb_id in sorted({nb for _, nb, _ in subs}):
        subprocess.run(
            nbgrader + ["generate_assignment", nb_id],
            cwd=course,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    failed = set()
    for sid, nb_id, src in tqdm(subs, desc="nbgrader autograde", unit="nb"):
        dest = course / "submitted" / sid / nb_id / src.name
        dest.parent.mkdir(parents=True)
        shutil.copyfile(src, dest)
        done = subprocess.run(
            nbgrader + ["autograde", nb_id, "--student", sid],
            cwd=course,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            failed.add((sid, nb_id))
            tqdm.write(f"  nbgrader autograde failed for {sid}/{nb_id} ({src}): {done.stderr.strip()[-300:]}")
    seconds = time.perf_counter() - start

    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sid, nb_id, _ in subs:
            try:
                scores[sid, nb_id] = (
                    None if (sid, nb_id) in failed else gb.find_submission_notebook(nb_id, nb_id, sid).score
                )
            except MissingEntry:
                scores[sid, nb_id] = None
    return scores, seconds


def run_grader(subs, work, env, jobs, timeout, cluster=None, out="results", submissions="submissions"):
    """Grade with `python -m grader autograde` (on a Dask cluster if given its address).
    Returns (scores, seconds), or None if unavailable."""
    probe = subprocess.run([PY, "-m", "grader", "autograde", "--help"], cwd=ROOT, env=env, capture_output=True)
    if probe.returncode != 0:
        print(
            "\n`python -m grader autograde` is not available yet (grader/grading/autograde.py missing or not wired "
            "into grader/cli.py): part (2) skipped."
        )
        return None
    folder, out = work / submissions, work / out
    for sid, _, src in subs:
        if not (folder / sid / src.name).exists():
            (folder / sid).mkdir(parents=True)
            shutil.copyfile(src, folder / sid / src.name)
    cmd = [PY, "-m", "grader", "autograde", str(folder), "--out", str(out)]
    cmd += (["--jobs", str(jobs)] if jobs else []) + (["--timeout", str(timeout)] if timeout else [])
    cmd += ["--cluster", cluster] if cluster else []
    print(f"\n$ {' '.join(cmd[1:])}")
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env)
    seconds = time.perf_counter() - start
    if not (out / "grades.csv").exists():
        print(f"grader autograde exited {done.returncode} and wrote no {out / 'grades.csv'}: part (2) has no scores.")
        return None
    scores = defaultdict(float)
    with open(out / "grades.csv", newline="") as f:
        for row in csv.DictReader(f):
            try:  # an empty score (a written answer not graded yet, an error row) counts 0
                scores[row["student"], row["notebook"].removesuffix(".ipynb")] += float(row["score"])
            except (TypeError, ValueError):
                pass
    return dict(scores), seconds


def stages(out, seconds, jobs):
    """Lines saying where (2)'s time went, from its timings.csv."""
    from grader.grading.results import STAGES

    with open(out / "timings.csv", newline="") as f:
        timings = [t for t in csv.DictReader(f) if t["cells"]]  # the graded ones
    if not timings:
        return ["no submission was graded: no stages to show"]
    total = sum(float(t["seconds"]) for t in timings) / len(timings)
    lines = [f"where a graded submission's time goes (mean of {len(timings)}, in one worker): {total:.2f} s"]
    for stage in STAGES:
        mean = sum(float(t[stage] or 0) for t in timings) / len(timings)
        lines.append(f"  {stage:15s} {mean:5.2f} s  {100 * mean / total:3.0f}%")
    busy = sum(float(t["seconds"]) for t in timings) / jobs
    lines.append(
        f"  the run's wall time beyond its {jobs} workers' grading: {seconds - busy:.1f} s of {seconds:.1f} s "
        "(starting, the gradebook's set-up, the CSVs and report, idle workers at the end)"
    )
    return lines


HOG = "x = 0\nwhile True:          # a CPU hog: never ends\n    x += 1\n"


def hogs(subs, work, percent):
    """subs with every (100 / percent)-th submission replaced by a CPU hog of the same notebook
    (its own first cell never ends), under a new student id; the hogs' (student, notebook)."""
    import nbformat

    every = max(1, round(100 / percent))
    out, hogged = [], set()
    for i, (sid, nb_id, src) in enumerate(subs):
        if i % every == every - 1:
            nb = nbformat.read(src, as_version=4)
            nb.cells.insert(0, nbformat.v4.new_code_cell(HOG))
            sid, src = f"h{i:03d}", work / "hogs" / f"h{i:03d}" / src.name
            src.parent.mkdir(parents=True)
            nbformat.write(nb, src)
            hogged.add((sid, nb_id))
        out.append((sid, nb_id, src))
    return out, hogged


def run_cluster(subs, work, env, timeout):
    """(4): a scheduler and one, then two, workers on 127.0.0.1; {workers: (scores, seconds)}."""
    from distributed import Client

    dask = str(Path(PY).parent / "dask")
    scheduler_file = work / "scheduler.json"
    procs, runs = [], {}

    def start(*args):
        log = open(work / f"dask-{len(procs)}.log", "w")
        procs.append(subprocess.Popen([dask, *args], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT))
        log.close()

    try:
        start(
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)
        )
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for workers in (1, 2):
            start(
                "worker",
                "--scheduler-file",
                str(scheduler_file),
                "--nthreads",
                "1",
                "--no-nanny",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
            )
            with Client(address, timeout=60, set_as_default=False) as client:
                client.wait_for_workers(workers, timeout=120)
            runs[workers] = run_grader(subs, work, env, None, timeout, cluster=address, out=f"cluster-{workers}")
    finally:
        for group in (procs[1:], procs[:1]):  # the workers, then the scheduler they would wait for
            for proc in group:
                proc.terminate()
            for proc in group:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    parser.add_argument("--jobs", type=int, help="passed to grader autograde --jobs")
    parser.add_argument("--timeout", type=int, help="passed to grader autograde --timeout")
    parser.add_argument("--no-cluster", action="store_true", help="skip (4), grading through local Dask workers")
    parser.add_argument("--hogs", type=int, default=20, help="percent of CPU hogs in (5); 0 skips it (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--verbose", action="store_true", help="print both scores of every submission")
    args = parser.parse_args()

    subs = pick(args.n)
    work = Path(tempfile.mkdtemp(prefix="bench-autograde-"))
    (work / "home").mkdir()
    env = environment(work / "home")
    print(f"{len(subs)} submissions ({len({s for _, _, s in subs})} distinct files) in {work}")
    try:
        nbg, nbg_seconds = run_nbgrader(subs, work, env)
        ours = run_grader(subs, work, env, args.jobs, args.timeout)
        breakdown = stages(work / "results", ours[1], min(args.jobs or os.cpu_count() or 1, len(subs))) if ours else []
        cluster = {} if args.no_cluster or ours is None else run_cluster(subs, work, env, args.timeout)
        hogged_subs, hogged = hogs(subs, work, args.hogs) if args.hogs and ours else (None, set())
        with_hogs = (
            run_grader(
                hogged_subs, work, env, args.jobs, args.timeout, out="hogs-results", submissions="submissions-with-hogs"
            )
            if hogged
            else None
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    scores, seconds = ours or ({}, None)
    for sid, nb, src in subs if args.verbose else ():
        print(
            f"  {sid} {nb:18s} nbgrader {nbg[sid, nb]!s:>5}  grader {scores.get((sid, nb))!s:>5}  {src.relative_to(ROOT)}"
        )
    print(f"\nplain serial nbgrader CLI: {nbg_seconds:7.1f} s  ({nbg_seconds / len(subs):.2f} s per submission)")
    if ours is None:
        return 0
    print(
        f"python -m grader autograde: {seconds:7.1f} s  ({seconds / len(subs):.2f} s per submission, "
        f"{60 * len(subs) / seconds:.1f} notebooks per minute)"
    )
    print(f"ratio nbgrader / grader:    {nbg_seconds / seconds:7.2f}x")
    print("\n".join(breakdown))
    for workers, run in cluster.items():
        if run is None:
            print(f"--cluster, {workers} worker(s): no scores")
            continue
        same = "the same scores as (2)" if run[0] == scores else "scores DIFFER from (2)"
        print(
            f"--cluster, {workers} local worker{'s' if workers > 1 else ''} (--nthreads 1): {run[1]:7.1f} s  "
            f"({60 * len(subs) / run[1]:.1f} notebooks per minute; {same})"
        )
    if with_hogs is not None:
        from grader.grading import budget

        honest = {key for key in scores if key[0] in {sid for sid, _, _ in hogged_subs}}
        kept = all(with_hogs[0].get(key) == scores[key] for key in honest)
        zero = all(with_hogs[0].get(key, 0) == 0 for key in hogged)
        budgets = ", ".join(f"{nb} {budget.seconds(nb)} s" for nb in sorted({nb for _, nb in hogged}))
        print(
            f"with {len(hogged)} CPU hogs in {len(hogged_subs)} ({args.hogs}%): {with_hogs[1]:7.1f} s "
            f"(+{with_hogs[1] - seconds:.1f} s, {(with_hogs[1] - seconds) * (args.jobs or os.cpu_count()) / len(hogged):.1f} "
            f"worker-seconds per hog; budgets {budgets}); honest scores "
            f"{'all kept' if kept else 'CHANGED'}; hogs {'all scored 0' if zero else 'SCORED'}"
        )
    diffs = [
        (sid, nb, src, nbg[sid, nb], scores.get((sid, nb)))
        for sid, nb, src in subs
        if nbg[sid, nb] is None or scores.get((sid, nb)) is None or abs(nbg[sid, nb] - scores[sid, nb]) > 1e-6
    ]
    if not diffs:
        print(f"per-submission scores: identical for all {len(subs)} submissions")
    else:
        print(f"per-submission scores: {len(diffs)} of {len(subs)} differ (nbgrader vs grader autograde):")
        for sid, nb, src, a, b in diffs:
            print(f"  {sid} {nb:18s} {a!s:>6} vs {b!s:>6}   ({src.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
