"""The backpropagation course's grader. Four folders, by who uses them:

grader.learner    what learners get (the bundle's wheel holds it as it is) and the notebooks
                  import: checks, failures, gradcheck, tolerances, activations, costs, data,
                  worked_example, diagrams, misconceptions, the manifest and the self-check
grader.course     the instructor's truth: the reference implementation, one module per
                  notebook under items/ (one record per graded function: how it is judged, its
                  catalogued mistakes, its mutants), and the judge and diagnosis over them
grader.grading    the class pipeline: nbgrader runs, sandboxes (bubblewrap), the trusted
                  judge's process, feedback, the class report and the LMS export
grader.authoring  the release, the learners' bundle and mutation testing
python -m grader  check | release | bundle | autograde | export | budget | mutants  (grader.cli)
"""
