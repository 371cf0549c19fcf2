"""The instructor's tools for the course itself: the release (release), the learners' bundle
(bundle) and mutation testing of the checks (mutants)."""
