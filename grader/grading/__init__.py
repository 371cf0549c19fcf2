"""Grading a class: `python -m grader autograde` (grader.grading.autograde) and what it runs on.

autograde       collect submissions, run nbgrader per submission in parallel, write the results
submissions     whose file is which: a folder, an nbgrader course or a zip of them
tampering       test cells compared with the release
gradebook       nbgrader's course folder and gradebook
workers         the grading processes
execute         nbgrader's execute step replaced by one sandboxed run
trusted         the sandbox process: a notebook's code run there, its functions judged here
launchers       how a sandbox starts (bubblewrap, a zygote's fork, a fresh process) and its limits
sandbox_child   the sandbox's side (a standalone script) and the wire format
isolation       bubblewrap: namespaces, read-only mounts, an unprivileged uid
syscall_filter  the sandbox's seccomp filter
inert           a submission rebuilt from parts that cannot run as script
feedback        each learner's feedback page
results         grades.csv, summary.csv, timings.csv
report          the class report and its picture
export          the grades as a file Canvas or Moodle imports
cluster         grading on the workers of a Dask cluster
budget          each notebook's time budget
hidden_checks   `python -m grader check` naming recognised mistakes in the instructor's copy
learner_package the learners' `grader` package, as the bundle ships it and every sandbox sees it
page_policy     the instructors' lab's Content-Security-Policy
"""
