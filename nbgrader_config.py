"""nbgrader configuration for the course (read by the formgrader and `nbgrader ...` run here)."""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.root = "."
# nbgrader's "source" is this course's solutions/, its "release" is notebooks/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# Tracebacks in feedback must not quote hidden test lines.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# `make instructor RESULTS=<folder>` (COURSE_RESULTS): the Formgrader on a class that
# `python -m grader autograde` graded into that folder: its course folder and its gradebook (or
# COURSE_DB, the --db it was graded into), e.g. to grade the written answers by hand.
results = os.environ.get("COURSE_RESULTS")
if results:
    results = os.path.abspath(results)
    c.CourseDirectory.root = os.path.join(results, "course")
    c.CourseDirectory.source_directory = os.path.join(os.path.dirname(os.path.abspath(__file__)), "solutions")
    c.CourseDirectory.db_url = os.environ.get("COURSE_DB") or "sqlite:///" + os.path.join(results, "gradebook.db")
