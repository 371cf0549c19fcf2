"""The class report's treatment of learner-made text."""

from grader.grading.report import markdown_text


def test_learner_text_is_literal_and_readable_markdown():
    text = "a_b `c` <script>x</script> |e| [f](javascript:g) *h* &amp; back\\slash\n- **fake** note"
    assert markdown_text(text) == (
        r"a\_b \`c\` &lt;script&gt;x&lt;/script&gt; \|e\| \[f\](javascript:g) \*h\* "
        r"&amp;amp; back\\slash - \*\*fake\*\* note"
    )


def test_plain_messages_stay_as_they_are():
    message = "train['w1'] is 0.1 but should be 0.2 (max relative error 3e-02; tolerance 1e-07)."
    assert markdown_text(message) == message.replace("[", r"\[").replace("]", r"\]")


def test_a_slip_is_counted_once_at_the_function_where_it_is(tmp_path):
    """forward fails for two students; backward (which calls it) fails for them too, and for one more
    on its own. backward's own count is 1; the two failures after forward's are counted apart."""
    from grader.grading.report import write_report
    from grader.grading.submissions import Row
    from grader.learner import manifest
    from grader.learner.failures import Failure

    nb = next(n for n in manifest.load() if n.id == "04_l_layers")
    wrong = Failure("wrong", "forward: A[2] differs.", "forward")
    cascade = Failure("wrong", "backward: dW[1] differs.", "backward", calls_failing=("forward",))
    alone = Failure("wrong", "backward: dW[2] is twice the expected value.", "backward")
    rows = [Row(s, nb.id, "forward", 0, 2, "failed", wrong.message({}), wrong) for s in ("a", "b")]
    rows += [Row(s, nb.id, "backward", 0, 4, "failed", cascade.message({}), cascade) for s in ("a", "b")]
    rows += [Row("c", nb.id, "backward", 0, 4, "failed", alone.message({}), alone)]
    write_report(tmp_path, rows, {}, [nb])
    report = (tmp_path / "report.md").read_text()
    assert "| 04_l_layers | `forward` | 2 | 0 |" in report
    assert "| 04_l_layers | `backward` | 1 | 2 | 1× backward: dW\\[#\\] is twice the expected value. |" in report


def test_report_html_links_the_feedback_pages_and_keeps_learner_text_text(tmp_path):
    """report.html is report.md as a page: tables, the figure, each reviewed submission linked to its
    feedback page (when there is one); a learner's <script> or link in a message stays text."""
    from grader.grading.report import write_report
    from grader.grading.submissions import Row
    from grader.learner import manifest

    nb = manifest.load()[0]
    (tmp_path / "feedback" / "s1").mkdir(parents=True)
    (tmp_path / "feedback" / "s1" / f"{nb.id}.html").write_text("<p>feedback</p>")
    rows = [Row("s1", nb.id, "sigmoid", 0, 1, "failed", "<script>alert(1)</script> [x](javascript:y)")]
    review = {("s1", nb.id): ["<script>alert(1)</script> [x](javascript:y)"], ("s2", "notes.pdf"): ["not a notebook"]}
    write_report(tmp_path, rows, review, [nb])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f'<a href="feedback/s1/{nb.id}.html">s1 / {nb.id}</a>' in page
    assert "s2 / notes.pdf" in page and 'href="feedback/s2' not in page  # no page: no link
    assert "<script" not in page and "javascript:" not in page.split("[x]")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp;lt;" not in page
    assert '<img src="scores.png"' in page and "<table>" in page and "default-src 'none'" in page
