"""Answers that look copied: a per-item comparison of the class's answer cells, for a person to look at.

Each learner's answer to each graded code item is fingerprinted with copydetect (the code
tokenized, names and literals replaced by their kind, then winnowed k-grams), leaving out the
released cell's own code (the boilerplate every learner starts from). Most of a short answer is
what everyone writes (`s = sigmoid(z); return s * (1 - s)`), so only what stands out is flagged,
the way MOSS ignores passages many programs share:

* distinctive code in common: a fingerprint that at most a few submissions of the class hold
  (rare_limit) and that neither the release nor the course's solution holds is distinctive; two
  answers to an item are flagged when at least MIN_SHARED distinctive fingerprints are common to
  both and they make up at least SHARE of the smaller answer's distinctive code (a long answer
  copied), and two notebooks when ITEMS_SHARED or more of their answers share at least
  MIN_SHARED_ITEM distinctive fingerprints, SHARE of the smaller (short answers copied);
* the same wrong answer: two answers that fail the same way, with the same code once names are
  set aside, of at least MIN_WRONG characters, written by at most RARE learners of the class.

A flag is a reason to look, never a verdict: it goes to the review queue of report.md and to
similarity.csv, and changes no score. The thresholds and the false flags they give on a class of
independently written correct answers: tests/grading/test_similarity.py and the README.
"""

import csv
import io
import itertools
import math
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass

K = 20  # characters of tokenized code in one fingerprint (copydetect's noise threshold)
WINDOW = 1  # winnowing window: every k-gram is kept (answers are short)
RARE_SHARE = 0.05  # distinctive: held by at most 5% of the class ...
RARE_MIN = 2  # ... and never fewer than 2 (a pair)
MIN_SHARED = 60  # distinctive fingerprints two answers must share ...
SHARE = 0.8  # ... and the share of the smaller answer's distinctive code they make up
MIN_SHARED_ITEM = 12  # the same, for an item to count towards a notebook ...
ITEMS_SHARED = 3  # ... and the items that must, for the notebook's answers to be flagged
MIN_WRONG = 40  # characters of tokenized code for an identical wrong answer to count
UNWRITTEN = ("not written", "undefined", "cell raised", "timeout", "error")  # no answer of its own to compare


@dataclass(frozen=True)
class Flag:
    notebook: str
    item: str
    students: tuple[str, str]
    reason: str  # "distinctive code in common", "distinctive code in common on N items" or "the same wrong answer"
    shared: int  # fingerprints in common (distinctive ones), or characters of identical code
    share: float  # of the smaller answer's distinctive code (1.0 for identical code)

    def note(self, student):
        other = self.students[1] if student == self.students[0] else self.students[0]
        return (
            f"{self.item}: {self.reason} with {other}'s answer "
            f"({self.shared} {'fingerprints' if self.reason.startswith('distinctive') else 'characters'}, "
            f"{self.share:.0%}); see similarity.csv"
        )


def fingerprint(source, boilerplate=()):
    """copydetect's fingerprint of a Python answer, without the boilerplate's fingerprints."""
    from copydetect import CodeFingerprint

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CodeFingerprint(
            "answer.py", K, WINDOW, boilerplate=list(boilerplate), fp=io.StringIO(source), language="python"
        )


def rare_limit(n):
    """How many submissions may hold a fingerprint for it to be distinctive, in a class of n."""
    return max(RARE_MIN, math.floor(RARE_SHARE * n))


def item_flags(notebook, item, answers, release, failures=None, known=()):
    """The flags for one item: answers {student: source}, release the released cell's source,
    failures {student: what failed} for the students whose answer fails (None: all pass), known
    answers everyone may arrive at (the course's solution), left out like the release."""
    failures = failures or {}
    boilerplate = set()
    for text in (release, *known):
        if text.strip():
            boilerplate |= fingerprint(text).hashes
    prints = {student: fingerprint(source, boilerplate) for student, source in answers.items()}
    holders = Counter(h for fp in prints.values() for h in fp.hashes)
    limit = rare_limit(len(prints))
    rare = {student: {h for h in fp.hashes if holders[h] <= limit} for student, fp in prints.items()}
    pairs = Counter()
    by_hash = defaultdict(list)
    for student, hashes in rare.items():
        for h in hashes:
            by_hash[h].append(student)
    for students in by_hash.values():
        for a, b in itertools.combinations(sorted(students), 2):
            pairs[a, b] += 1
    flags = []
    same = defaultdict(list)  # identical wrong answers, names set aside
    for student, failure in failures.items():
        code = prints[student].filtered_code if student in prints else ""
        if len(code) >= MIN_WRONG:
            same[code, failure].append(student)
    for (code, _), group in sorted(same.items()):
        if 2 <= len(group) <= limit:
            for a, b in itertools.combinations(sorted(group), 2):
                flags.append(Flag(notebook, item, (a, b), "the same wrong answer", len(code), 1.0))
    flagged = {flag.students for flag in flags}
    for (a, b), shared in sorted(pairs.items()):
        share = shared / min(len(rare[a]), len(rare[b]))
        if shared >= MIN_SHARED_ITEM and share >= SHARE and (a, b) not in flagged:
            reason = "distinctive code in common" if shared >= MIN_SHARED else "some distinctive code in common"
            flags.append(Flag(notebook, item, (a, b), reason, shared, round(share, 3)))
    return flags


def class_flags(answers, releases, rows, items, solutions=None):
    """Every flag of a class: answers {(student, notebook): {item: source}}, releases and solutions
    {notebook: {item: source}}, rows the graded rows (a failed row's kind and detail say how it
    fails), items {notebook: [code item ids]}."""
    solutions = solutions or {}
    failing = {}  # how an answer fails, for the ones that fail in their own way: not a blank answer,
    for row in rows:  # nor a catalogued mistake (common by definition: many make it on their own)
        failure = row.failure
        if row.item and row.score == 0 and failure and failure.kind not in UNWRITTEN and not failure.mistake:
            failing[row.student, row.notebook, row.item] = (failure.kind, failure.detail)
    flags = []
    for notebook, ids in items.items():
        for item in ids:
            release = releases.get(notebook, {}).get(item, "")
            sources = {  # the answers written: not empty, not the release's cell as it was
                student: found[item]
                for (student, nb), found in answers.items()
                if nb == notebook
                and isinstance(found.get(item), str)
                and found[item].strip() not in ("", release.strip())
            }
            if len(sources) < 2:
                continue
            failures = {s: failing[s, notebook, item] for s in sources if (s, notebook, item) in failing}
            known = [solutions.get(notebook, {}).get(item, "")]
            flags += item_flags(notebook, item, sources, release, failures, known)
    return notebook_flags(flags)


def notebook_flags(flags):
    """The flags to show: an item's long distinctive code in common, the same wrong answer, and for a
    pair whose answers to ITEMS_SHARED or more items of one notebook share some distinctive code,
    one flag for the notebook (the items named); the other "some" flags are dropped."""
    some = defaultdict(list)
    for flag in flags:
        if flag.reason == "some distinctive code in common":
            some[flag.notebook, flag.students].append(flag)
    kept = [flag for flag in flags if flag.reason != "some distinctive code in common"]
    for (notebook, students), found in sorted(some.items()):
        if len(found) >= ITEMS_SHARED:
            names = ", ".join(flag.item for flag in found)
            kept.append(
                Flag(
                    notebook,
                    names,
                    students,
                    f"distinctive code in common on {len(found)} items",
                    sum(f.shared for f in found),
                    round(min(f.share for f in found), 3),
                )
            )
    return kept


def write(out, flags):
    """similarity.csv: one line per flagged pair."""
    with open(out / "similarity.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["notebook", "item", "student", "other", "reason", "shared", "share"])
        for flag in flags:
            writer.writerow([flag.notebook, flag.item, *flag.students, flag.reason, flag.shared, f"{flag.share:.3f}"])
