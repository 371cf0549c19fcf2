"""The backpropagation course's grader: reference implementation, checks, manifest and CLI.

    grader.reference       the numpy reference implementation (instructors only)
    grader.activations     activation functions and derivatives (used by notebooks 03-05)
    grader.costs           costs and their gradients (used by notebooks 04-05)
    grader.data            the 8x8 digits data set, split and one-hot encoded
    grader.checks          the helpers that test cells call; messages say what differs
    grader.gradcheck       central differences and relative errors
    grader.tolerances      every tolerance the checks use, and why it has that size
    grader.worked_example  the 2-2-2 example's starting values and verified numbers
    grader.judge           hidden tests: learners' functions against the reference
    grader.manifest        the course manifest (course.toml)
    python -m grader       release | check  (see grader.cli)
"""
