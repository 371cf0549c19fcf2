"""The class report (RESULTS/report.md and its figures): what an instructor reads after grading."""

import re
from collections import Counter, defaultdict
from pathlib import Path

import matplotlib

from ..course import revealed

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

MARKDOWN_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", **{ch: "\\" + ch for ch in "\\`*_[]|~"}}


def markdown_text(text):
    """Learner-made text (messages, names) as literal text in one line of markdown or a table
    cell: no HTML, links, code spans, emphasis, line breaks or column separators of its own (each
    such character escaped once, so the text stays readable)."""
    return "".join(MARKDOWN_ESCAPES.get(ch, ch) for ch in " ".join(str(text).split()))


def common_message(row):
    """A failed row's reason with what changes from input to input left out, so that the same
    mistake counts once: its recognised mistake, else what differs with the numbers taken out."""
    if row.failure is None:  # not graded: the message is the reason
        return row.message[:200]
    if row.failure.mistake:  # the same mistake, whatever the numbers
        return f"recognised: {revealed.ALL[row.failure.mistake].title}"
    return re.sub(r"(?<![\w.])-?\d+(\.\d+)?(e[-+]?\d+)?(?!\w)", "#", row.failure.detail)[:200]


def write_report(out, rows, review, notebooks, isolated=True, names=None):
    """report.md with a score histogram per notebook, the most failed items and their commonest
    messages, and the submissions that need a human look (a student shown with the name the LMS
    gave, from names {student: name}, if any)."""
    names = names or {}
    totals = defaultdict(float)
    handed_in = set()
    for r in rows:
        totals[r.student, r.notebook] += r.score
        if r.status != "missing":
            handed_in.add((r.student, r.notebook))
    students = sorted({r.student for r in rows if r.student})  # "": a row of no student's (a refused zip entry)
    fig, axes = plt.subplots(1, len(notebooks), figsize=(3.2 * len(notebooks), 2.8), sharey=True, squeeze=False)
    axes = axes[0]  # one notebook gives one panel, still in a row
    for ax, nb in zip(axes, notebooks):
        scores = [totals[s, nb.id] for s in students if (s, nb.id) in handed_in]
        ax.hist(scores, bins=range(0, int(nb.auto_points) + 2), align="left", rwidth=0.85, color="tab:blue")
        ax.set_title(f"{nb.id}\n{len(scores)} handed in", fontsize=9)
        ax.set_xlabel(f"points (of {nb.auto_points:g} autograded)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("students")
    fig.tight_layout()
    fig.savefig(out / "scores.png", dpi=90)
    plt.close(fig)

    lines = [
        f"# Class report: {len(students)} students, {len(handed_in)} notebooks graded",
        "",
        *(
            []
            if isolated
            else [
                "**Graded without isolation (--unsafe-no-isolation)**: the learners' code ran "
                "with the grader's own rights; these results are only as trustworthy as the "
                "submissions.",
                "",
            ]
        ),
        "![score distribution per notebook](scores.png)",
        "",
        "| notebook | handed in | mean score | full marks |",
        "|---|---|---|---|",
    ]
    for nb in notebooks:
        scores = [totals[s, nb.id] for s in students if (s, nb.id) in handed_in]
        mean = sum(scores) / len(scores) if scores else 0.0
        full = sum(score == nb.auto_points for score in scores)
        lines.append(f"| {nb.id} | {len(scores)} | {mean:.1f} / {nb.auto_points:g} | {full} |")

    messages = defaultdict(set)  # a file that could not be read fails every item alike:
    for r in rows:  # it is listed under "need a human look", not here
        messages[r.student, r.notebook].add((r.status, r.message))
    unreadable = {key for key, found in messages.items() if len(found) == 1 and next(iter(found))[0] == "error"}
    failed = [
        r
        for r in rows
        if r.status in ("failed", "tampered", "timeout", "error")
        and r.item
        and r.score == 0
        and (r.student, r.notebook) not in unreadable
    ]
    # A failure while a function it calls fails too may be that function's slip: counted apart, so
    # that one slip is counted once, at the function where it is.
    own = [r for r in failed if not (r.failure and r.failure.calls_failing)]
    after = Counter((r.notebook, r.item) for r in failed if r.failure and r.failure.calls_failing)
    by_item = Counter((r.notebook, r.item) for r in own)
    lines += [
        "",
        "## Items most often failed",
        "",
        "Failures while a function the item calls fails too are counted apart (the slip may be that function's).",
        "",
        "| notebook | item | failed | and while a callee failed | commonest reasons |",
        "|---|---|---|---|---|",
    ]
    ranked = sorted(set(by_item) | set(after), key=lambda key: (-by_item[key], -after[key], key))
    for nb_id, item in ranked[:12]:
        reasons = Counter(common_message(r) for r in own if (r.notebook, r.item) == (nb_id, item))
        text = "<br>".join(f"{n}× {markdown_text(msg)}" for msg, n in reasons.most_common(3))
        lines.append(f"| {nb_id} | `{item}` | {by_item[nb_id, item]} | {after[nb_id, item]} | {text} |")

    waiting = [r for r in rows if r.status == "manual" and "left blank" not in r.message]
    blank = sum(r.status == "manual" and "left blank" in r.message for r in rows)
    lines += ["", "## Written answers to grade by hand", ""]
    if waiting:
        lines.append(
            f"{len(waiting)} waiting (they count 0 until graded; Formgrader, Manual Grading, then "
            "`python -m grader regrade RESULTS`): "
            + ", ".join(f"{markdown_text(r.student)} {r.notebook} `{r.item}`" for r in waiting[:40])
            + (f", and {len(waiting) - 40} more (grades.csv, status manual)" if len(waiting) > 40 else "")
        )
    else:
        lines.append("None waiting.")
    if blank:
        lines.append(f"{blank} left blank (nothing to grade; they count 0).")

    lines += ["", "## Submissions that need a human look", ""]
    if not review:
        lines.append("None: every submission was graded normally.")
    for (student, nb_id), notes in sorted(review.items()):
        who = markdown_text(student) or "(no student)"
        if names.get(student):
            who += f" ({markdown_text(names[student])})"
        where = f"{who} / {markdown_text(nb_id)}"
        page = Path("feedback") / student / f"{nb_id}.html"
        if student and (out / page).is_file():  # the learner's feedback page, to open from report.html
            where = f"[{where}]({page.as_posix()})"
        lines.append(f"- **{where}**: " + "; ".join(dict.fromkeys(markdown_text(n) for n in notes)))
    lines.append("")
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "report.html").write_text(html_page("\n".join(lines)), encoding="utf-8")


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'">
<title>Class report</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;line-height:1.4}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.2em .5em;vertical-align:top}}
img{{max-width:100%}}</style></head><body>
{body}
</body></html>
"""


def html_page(markdown):
    """report.md as a page to open in a browser (report.html): the same text, its tables and links
    to the feedback pages. Learner-made text stays text: markdown_text escaped it (its < and & are
    entities already, so the renderer does not escape them twice), and the page's
    Content-Security-Policy runs no script and loads nothing but its own figure."""
    import mistune

    return PAGE.format(body=mistune.create_markdown(escape=False, plugins=["table"])(markdown))
