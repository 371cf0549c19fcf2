"""Grading a class: `python -m grader autograde` (grader.grading.autograde) and what it runs on.

autograde      collect submissions, run nbgrader per submission in parallel, write the results
execute        nbgrader's execute step replaced by one sandboxed run
trusted        the sandbox process: a notebook's code run there, its functions judged here
sandbox_child  the sandbox's side (a standalone script) and the wire format
isolation      bubblewrap: namespaces, read-only mounts, an unprivileged uid
report         the class report and its picture
"""
