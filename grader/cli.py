"""The course's command line: python -m grader {check, release, bundle, autograde, regrade, export, gradescope, budget,
mutants}.

Learners' bundles hold only `check`; the other commands are the instructor's.
"""

import argparse
import importlib.util
import sys


def cmd_release(args):
    from .authoring import expected, mistaken, recordings
    from .authoring.release import release
    from .learner import manifest

    chosen = [nb for nb in manifest.load() if not args.only or nb.id in args.only]
    for path in release(out=args.out, notebooks=chosen):
        print(f"wrote {path}")
    print(f"wrote {expected.write()}")
    visible = []
    for path, calls, seen in recordings.write(notebooks={nb.id for nb in chosen}):
        print(f"wrote {path} ({calls} recorded calls)")
        visible += seen
    print(f"wrote {mistaken.write(visible)} (the catalogued mistakes' values on the visible tests' inputs)")
    return 0


def cmd_bundle(args):
    from .authoring.bundle import bundle

    names = bundle(args.out)
    wheels = [n for n in names if n.startswith("wheels/")]
    print(
        f"wrote {args.out}: {sum(n.endswith('.ipynb') for n in names)} notebooks and the learner package "
        f"{', '.join(wheels)}"
    )
    return 0


def cmd_autograde(args):
    import time

    from .grading.autograde import IsolationUnavailable, ZipRefused, autograde
    from .grading.cluster import ClusterRefused, cluster
    from .grading.gradebook import GradebookMismatch
    from .grading.lateness import ExtensionsRefused
    from .grading.ledger import OverridesRefused
    from .grading.results import summary_text

    start = time.perf_counter()
    try:
        spec = (
            cluster(args.cluster, args.tls_ca, args.tls_cert, args.tls_key, args.cluster_allow_plaintext)
            if args.cluster
            else None
        )
        rows, review = autograde(
            args.submissions,
            args.out,
            jobs=args.jobs,
            timeout=args.timeout,
            db_url=args.db,
            notebook_timeout=args.notebook_timeout,
            isolated=not args.unsafe_no_isolation,
            cluster=spec,
            extensions=args.extensions,
        )
    except (
        FileNotFoundError,
        GradebookMismatch,
        IsolationUnavailable,
        ZipRefused,
        ClusterRefused,
        ExtensionsRefused,
        OverridesRefused,
    ) as err:
        print(err, file=sys.stderr)
        return 2
    print(summary_text(rows, review, args.out, time.perf_counter() - start, not args.unsafe_no_isolation))
    if not any(row.item and row.status != "missing" for row in rows):
        refused = [row.message for row in rows if not row.item]
        print(
            f"Nothing was graded: no course notebook was found in {args.submissions}"
            + (f"; {len(refused)} files were refused, the first because {refused[0]}" if refused else "")
            + ". report.md and grades.csv list why.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_export(args):
    from .grading.export import export

    try:
        path, waiting = export(args.results, args.format, args.out, db_url=args.db, id_column=args.id_column)
    except (FileNotFoundError, ValueError) as err:
        print(err, file=sys.stderr)
        return 2
    print(f"wrote {path} for {args.format.capitalize()}'s grade import")
    if waiting:
        print(
            f"warning: {waiting} notebooks have written answers not graded yet: they count 0 in this export "
            "(grade them in the Formgrader, then export again)",
            file=sys.stderr,
        )
    return 0


def cmd_regrade(args):
    from .grading.ledger import OverridesRefused

    try:
        if args.compare:
            from .grading.compare import changes, text

            print(text(changes(*args.compare)))
            return 0
        if not args.results:
            print("give a results folder, or --compare OLD NEW", file=sys.stderr)
            return 2
        from .grading.autograde import refresh

        refresh(args.results, db_url=args.db)
    except (FileNotFoundError, OverridesRefused) as err:
        print(err, file=sys.stderr)
        return 2
    print(f"wrote {args.results}: grades.csv, summary.csv, report.md and similarity.csv from the gradebook")
    return 0


def cmd_gradescope(args):
    from .authoring.gradescope import build

    names = build(args.out)
    print(f"wrote {args.out}: setup.sh, run_autograder and {sum(n.startswith('course/') for n in names)} course files")
    return 0


def _instructor():
    """True in the instructor's copy of the course (the learners' bundle has no grader.authoring)."""
    return importlib.util.find_spec(f"{__package__}.authoring") is not None


def cmd_check(args):
    from .learner.selfcheck import NotebookUnreadable, check, table

    diagnose = None
    if _instructor():  # the hidden checks name a recognised mistake
        from .grading.hidden_checks import diagnoses as diagnose
    status = 0
    for path in args.notebooks:
        try:
            results, seconds = check(path, timeout=args.timeout, diagnose=diagnose)
        except NotebookUnreadable as err:
            print(f"{err}", file=sys.stderr)
            status = 2
            continue
        print(table(path, results, seconds))
        if any(r.status in ("fail", "missing") for r in results) or not results:
            status = max(status, 1)
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    if _instructor():
        p = sub.add_parser(
            "release",
            help="regenerate notebooks/ from solutions/ with nbgrader, and the visible tests' expected values",
        )
        p.add_argument("--out", help="write the release here instead of notebooks/")
        p.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="only these notebooks (ids, e.g. 03_multi_output)")
        p.set_defaults(run=cmd_release)

        p = sub.add_parser("bundle", help="zip the release and the learners' tools for learners")
        p.add_argument("--out", required=True, help="the zip file to write")
        p.set_defaults(run=cmd_bundle)

        p = sub.add_parser("autograde", help="grade a folder or zip of submissions: grades, feedback, report")
        p.add_argument(
            "submissions",
            help="a folder <student>/<notebook>.ipynb (or deeper), an nbgrader course "
            "folder (its submitted/<student>/<assignment>/), or a zip of a folder",
        )
        p.add_argument("--out", required=True, help="the results folder")
        p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: the number of cores)")
        p.add_argument(
            "--timeout",
            type=int,
            default=60,
            help="seconds allowed per cell and per call of a graded function (default 60)",
        )
        p.add_argument(
            "--notebook-timeout",
            type=int,
            default=None,
            help="seconds for everything one notebook runs, restarts included (default: the "
            "notebook's budget, 10 times its solution's measured grading time and at least "
            "30 s; `python -m grader budget` lists them)",
        )
        p.add_argument(
            "--unsafe-no-isolation",
            action="store_true",
            help="run learner code without bubblewrap sandboxes: only for trusted submissions",
        )
        p.add_argument("--db", default=None, help="nbgrader db_url (default: sqlite in the results folder)")
        p.add_argument(
            "--extensions",
            metavar="CSV",
            default=None,
            help="extensions.csv: student, notebook, days, reason (each moves that student's due date; "
            "course.toml holds the due dates and the late policy)",
        )
        g = p.add_argument_group("grading on a Dask cluster (README: Grading on a Dask cluster)")
        g.add_argument(
            "--cluster",
            metavar="ADDRESS",
            default=None,
            help="grade on the workers of the Dask scheduler at ADDRESS, tls://HOST:PORT (or tcp:// on "
            "this machine) instead of --jobs local processes; the workers need the course, the "
            "submissions and --out at the same paths (a shared filesystem)",
        )
        g.add_argument(
            "--tls-ca", metavar="FILE", help="tls://: the CA certificate the cluster's certificates are signed with"
        )
        g.add_argument("--tls-cert", metavar="FILE", help="tls://: this grader's certificate, signed by that CA")
        g.add_argument("--tls-key", metavar="FILE", help="tls://: the private key of --tls-cert")
        g.add_argument(
            "--cluster-allow-plaintext",
            action="store_true",
            help="allow tcp:// to another machine: unencrypted and unauthenticated, so anyone who can "
            "reach the scheduler can run code on the workers; only on a network that is yours alone",
        )
        p.set_defaults(run=cmd_autograde)

        p = sub.add_parser(
            "export", help="the grades of an autograde results folder, as a file Canvas or Moodle imports"
        )
        p.add_argument("results", help="the results folder of `autograde` (its gradebook.db is read)")
        p.add_argument("--format", required=True, choices=["canvas", "moodle"])
        p.add_argument("--out", required=True, help="the CSV file to write")
        p.add_argument("--db", default=None, help="the gradebook's db_url, if autograde was given one")
        p.add_argument(
            "--id-column",
            default=None,
            help="the column that holds the student folder names (Canvas: ID, SIS User ID or "
            "SIS Login ID, default SIS Login ID; Moodle: any header, default Username)",
        )
        p.set_defaults(run=cmd_export)

        p = sub.add_parser(
            "regrade",
            help="write a results folder's CSVs and report again from its gradebook (hand grades, overrides.csv), "
            "or --compare two results folders",
        )
        p.add_argument("results", nargs="?", help="the results folder of `autograde`")
        p.add_argument("--db", default=None, help="the gradebook's db_url, if autograde was given one")
        p.add_argument(
            "--compare", nargs=2, metavar=("OLD", "NEW"), help="list every score that differs, both messages"
        )
        p.set_defaults(run=cmd_regrade)

        p = sub.add_parser(
            "gradescope", help="build the course's Gradescope autograder (setup.sh, run_autograder, the course)"
        )
        p.add_argument("--out", required=True, help="the zip to upload as the assignment's autograder")
        p.set_defaults(run=cmd_gradescope)

        p = sub.add_parser("budget", help="each notebook's grading budget, from its solution's measured grading time")
        p.add_argument(
            "--measure",
            action="store_true",
            help="grade each solution in a sandbox 3 times and record the median (grader/grading/grading_seconds.toml)",
        )
        p.set_defaults(run=lambda args: __import__("grader.authoring.timing", fromlist=["main"]).main(args.measure))

        p = sub.add_parser("mutants", help="grade every mutant of the solutions: killed and diagnosed per function")
        p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: the number of cores)")
        p.set_defaults(run=lambda args: __import__("grader.authoring.mutants", fromlist=["main"]).main(args.jobs))

    p = sub.add_parser("check", help="run notebooks and report each graded item; exit 1 if any fails")
    p.add_argument("notebooks", nargs="+", help="notebook files (.ipynb)")
    p.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell (default 120)")
    p.set_defaults(run=cmd_check)

    args = parser.parse_args(argv)
    return args.run(args)
