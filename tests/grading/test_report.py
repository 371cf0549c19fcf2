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
