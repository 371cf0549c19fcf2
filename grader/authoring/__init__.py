"""The instructor's tools for the course itself: the release (release), the visible tests'
stored values (expected), the recordings the fallbacks replay (recordings), the learners'
bundle (bundle), the grading budgets (timing) and mutation testing of the checks (mutants)."""
