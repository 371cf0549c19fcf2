"""A graded item's failure as a value.

Every failure the course reports, from a visible test in the learner's kernel to the instructor's
judge, is a Failure: what kind of failure it is, on which input of which run, the catalogued
mistake it shows (named only when certain), the failing functions it calls, and the check's own
words about what differs. Code that acts on a failure (the diagnosis, the dependency note, the
class report, the mutants' table) reads these fields; the sentence a person reads is made from
them by message(), where it is shown.
"""

from dataclasses import asdict, dataclass, fields, replace

# kind -> what it means
KINDS = {
    "wrong": "a value differs from the right one",
    "not written": "it, or a function it calls, still raises NotImplementedError",
    "undefined": "there is no function of that name",
    "cell raised": "its answer cell raised an error, so the function is missing or half-defined",
    "raised": "calling it raised an error",
    "mutated": "it changed one of its arguments in place",
    "warned": "it emitted a warning (an overflow) where its exercise asks for none",
    "delegated": "it calls the course's own version of a graded function",
    "library": "it calls a library function that computes the answer for it",
    "unreadable": "it returned a value the grader cannot read",
    "timeout": "it, or its notebook, ran out of time",
    "error": "the process running it died or answered nonsense",
}


@dataclass(frozen=True)
class Failure:
    kind: str  # one of KINDS
    detail: str = ""  # the check's own words: what differs, or what was raised
    item: str = ""  # the graded function
    input: int = 0  # which input of a hidden test failed, from 1 (0: no one input)
    inputs: int = 0  # how many inputs that test tries
    seed: int | None = None  # the hidden test's seed, to replay it
    mistake: str = ""  # the catalogued mistake it shows (a misconception id), named only when certain
    error: str = ""  # the class of the error it raised (kind "raised")
    replay: str = ""  # the call that shows it, name(arguments)
    calls_failing: tuple[str, ...] = ()  # graded functions it calls that fail too: the cause may be theirs

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of failure {self.kind!r}; the kinds are {', '.join(KINDS)}")

    def message(self, catalogue) -> str:
        """The sentence a person reads. `catalogue` maps a mistake id to its Misconception
        (grader.learner.misconceptions, or the instructor's whole catalogue)."""
        body = self.detail
        if self.mistake:
            joint = " What differs: " if self.kind == "wrong" else " "
            body = catalogue[self.mistake].message() + (joint + body if body else "")
        if self.input:
            body = f"Hidden test, input {self.input} of {self.inputs} (seed {self.seed}): {body}"
        elif self.seed is not None:
            body = f"Hidden test (seed {self.seed}): {body}"
        first, newline, rest = body.partition("\n")  # the note ends the first line, where it is seen
        body = first + calls_note(self.item, self.calls_failing) + newline + rest
        return body + (f"\nThe input was: {self.replay}" if self.replay else "")

    def as_record(self) -> dict:
        """The fields as JSON-ready values (what verdicts.json holds)."""
        record = asdict(self)
        record["calls_failing"] = list(self.calls_failing)
        return record

    @classmethod
    def from_record(cls, record: dict) -> "Failure":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        values["calls_failing"] = tuple(values.get("calls_failing", ()))
        return cls(**values)

    def after(self, failing_calls) -> "Failure":
        """This failure with the failing functions it calls noted (none for a function not written
        yet: writing it comes first, whatever its callees do)."""
        if self.kind == "not written":
            return self
        return replace(self, calls_failing=tuple(failing_calls))


def calls_note(item, broken):
    """The note on a failure of `item` that calls the failing graded functions `broken`."""
    if not broken:
        return ""
    names = " and ".join(broken)
    one = len(broken) == 1
    return (
        f" Note: {item} calls your {names}, as its exercise says, and {names} "
        f"{'fails its' if one else 'fail their'} own test: fix {'it' if one else 'them'} first."
    )
