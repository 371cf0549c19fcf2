"""nbgrader configuration for the course (read by the formgrader and `nbgrader ...` run here)."""

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.root = "."
# nbgrader's "source" is this course's solutions/, its "release" is notebooks/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# Tracebacks in feedback must not quote hidden test lines.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
