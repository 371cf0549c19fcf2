"""A learner's notebook made inert: nothing in it can run as code where a page shows it.

Every page that shows a submission renders it as HTML: nbgrader's Formgrader (manual grading),
JupyterLab (the instructors' lab opened on a results folder), the learners' feedback pages. A
notebook can carry markup into all of them: HTML, SVG and JavaScript outputs, markdown with raw
HTML, `javascript:` links or MathJax's `\\href`, attachments, widget state, and metadata that page
templates copy into the page. `notebook()` rebuilds a submission from parts that carry none of it,
before any of it is stored (grader.grading.autograde) or rendered (its feedback pages):

* the notebook's metadata is the release's (kernel and language); everything else a learner's
  file carries there, widget state included, is dropped;
* a cell keeps its type, its source, a plain id and nbgrader's own fields (each of its type, a
  grade id of letters, digits, _ and -), and nothing else of its metadata;
* code cells keep their source (every page shows it as code, escaped) and only plain-text, PNG
  and error outputs (grader.grading.trusted.clean_outputs);
* a raw cell, and a markdown cell that is not the course's own text, is shown as text: the
  learner's words as written (long lines wrapped) in a fenced block, which no renderer interprets
  (no HTML, link, style or maths: MathJax and JupyterLab leave code blocks alone), followed by
  the cell's PNG attachments as images.

Applying it twice changes nothing (the feedback pages apply it again to what nbgrader wrote).
"""

import base64
import binascii
import math
import re
import textwrap

import nbformat

from .trusted import clean_outputs

CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # nbformat's own rule for cell ids
GRADE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHARS = 4 * 2**20  # one image, base64
WIDTH = 100  # characters per line of a learner's text
NAME = r"[A-Za-z0-9_.-]{1,100}"  # an attachment's
TEXT_BLOCK = re.compile(rf"(`{{3,}})text\n(.*)\n\1((?:\n\n!\[{NAME}\]\(attachment:{NAME}\))*)", re.S)


def _flag(value):
    return isinstance(value, bool)


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31


def _points(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


NBGRADER_FIELDS = {
    "grade": _flag,
    "solution": _flag,
    "locked": _flag,
    "task": _flag,
    "schema_version": _count,
    "points": _points,
    "grade_id": lambda v: isinstance(v, str) and GRADE_ID.fullmatch(v) is not None,
    "checksum": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{1,128}", v) is not None,
    "cell_type": lambda v: v in ("code", "markdown", "raw"),
}


def nbgrader_fields(meta):
    """A cell's nbgrader metadata with only nbgrader's own fields, each of its type. A cell whose
    grade id is not plain (no course item has such an id) keeps none: it is an ordinary cell."""
    if not isinstance(meta, dict) or ("grade_id" in meta and not NBGRADER_FIELDS["grade_id"](meta["grade_id"])):
        return {}
    return {key: value for key, value in meta.items() if key in NBGRADER_FIELDS and NBGRADER_FIELDS[key](value)}


def is_png(data):
    """Whether data is a base64 string, at most PNG_CHARS long, of a PNG image."""
    if not isinstance(data, str) or len(data) > PNG_CHARS:
        return False
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw.startswith(PNG_SIGNATURE)


def png_attachments(cell):
    """{name: {"image/png": data}} for the cell's attachments that are PNG images with plain names."""
    attachments = cell.get("attachments")
    if not isinstance(attachments, dict):
        return {}
    return {
        name: {"image/png": bundle["image/png"]}
        for name, bundle in attachments.items()
        if isinstance(name, str)
        and re.fullmatch(NAME, name)
        and isinstance(bundle, dict)
        and is_png(bundle.get("image/png"))
    }


def shown_as_text(source):
    """Whether source is already what text_block makes: a fenced block no backtick run inside can
    close, then only images of attachments."""
    match = TEXT_BLOCK.fullmatch(source)
    return bool(match) and max(map(len, re.findall(r"`+", match.group(2))), default=0) < len(match.group(1))


def text_block(source, images=()):
    """source's words in a fenced block longer than any run of backticks in them (so nothing
    inside can close it), lines longer than WIDTH wrapped (a code block does not wrap them, and a
    paragraph is usually one line), then an image for each attachment name in images."""
    if shown_as_text(source):
        return source
    lines = [
        part
        for line in source.split("\n")
        for part in (textwrap.wrap(line, WIDTH, break_on_hyphens=False) if len(line) > WIDTH else [line])
    ]
    text = "\n".join(lines)
    fence = "`" * max(3, 1 + max(map(len, re.findall(r"`+", text)), default=0))
    return f"{fence}text\n{text}\n{fence}" + "".join(f"\n\n![{name}](attachment:{name})" for name in images)


def cell(original, course_text, index):
    """One cell of notebook(): a new nbformat cell built from the original's inert parts."""
    source = original.get("source", "")
    source = source if isinstance(source, str) else "".join(s for s in source if isinstance(s, str))
    metadata = original.get("metadata")
    meta = nbgrader_fields(metadata.get("nbgrader") if isinstance(metadata, dict) else None)
    metadata = {"nbgrader": meta} if meta else {}
    kind = original.get("cell_type")
    if kind == "code":
        new = nbformat.v4.new_code_cell(source, metadata=metadata, outputs=clean_outputs(original.get("outputs")))
        count = original.get("execution_count")
        new.execution_count = count if _count(count) else None
    elif kind == "markdown" and source in course_text:
        new = nbformat.v4.new_markdown_cell(source, metadata=metadata)
    else:
        images = png_attachments(original)
        new = nbformat.v4.new_markdown_cell(text_block(source, images), metadata=metadata)
        if images:
            new.attachments = images
    cell_id = original.get("id")
    new["id"] = cell_id if isinstance(cell_id, str) and CELL_ID.fullmatch(cell_id) else f"learner-cell-{index}"
    return new


def notebook(nb, release):
    """A new notebook with nb's cells made inert (see the module's docstring) and release's
    metadata. release is the course's released notebook: its markdown cells are the course's own
    text, left as they are (a raw cell is always a learner's: the course has none)."""
    course_text = {c.source for c in release.cells if c.cell_type == "markdown"}
    new = nbformat.v4.new_notebook(metadata=nbformat.from_dict(dict(release.metadata)))
    seen = set()
    for index, original in enumerate(nb.cells):
        made = cell(original, course_text, index)
        while made["id"] in seen:  # ids are unique within a notebook
            made["id"] = f"learner-cell-{index}-{len(seen)}"
        seen.add(made["id"])
        new.cells.append(made)
    return new
