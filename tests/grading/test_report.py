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
