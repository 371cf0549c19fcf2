"""The instructor's truth; never shipped to learners.

grader.course.reference   the numpy reference implementation, one function per equation
grader.course.items       one module per notebook: how each graded function is judged (inputs,
                          reference adapters, comparisons), its catalogued mistakes, its mutants
grader.course.judge       hidden tests: a learner's function against the reference
grader.course.diagnose    which catalogued mistake a wrong answer made
"""
