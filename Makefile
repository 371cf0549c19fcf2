# Course set-up, tests and JupyterLab. Every target creates .venv first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed

# The venv's tools first (nbgrader calls `alembic`), and the venv's kernelspec ahead of any
# user-level `python3` kernelspec that could run the notebooks on another Python.
export PATH         := $(BIN):$(PATH)
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# The venv is installed without byte-compiling every package (that halves the install); Python
# then caches a module's bytecode the first time it is imported, unless the caller forbids it.
export PYTHONDONTWRITEBYTECODE :=
# One BLAS thread per kernel for tests and solution runs (small matrices; see tests/conftest.py)
BLAS_ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# Extra options for `make lab`, e.g. make lab LAB_ARGS="--port 8890 --no-browser"
LAB_ARGS ?=
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup isolation postgresql chromium test check lab instructor solutions release bundle demo bench mutants clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "This course needs Python >= 3.11; run e.g. 'make PYTHON=python3.11 $(MAKECMDGOALS)'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv installs the pinned set in seconds where pip takes most of a minute; pip does it where
	@# uv cannot be had (e.g. offline with only a wheel mirror that pip is configured for).
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt uv 2>/dev/null || true
	@if [ -x $(BIN)/uv ]; then echo "installing the course's packages with uv"; \
	  VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install --quiet -c constraints.txt -e '.[grading,cluster,test]' ; \
	else $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -c constraints.txt -e '.[grading,cluster,test]' ; fi
	@touch $@

# Learners' code is graded in bubblewrap sandboxes (README: Security model). Installed here where
# this user can (root with apt-get), otherwise named; `autograde` says what is missing.
# Their system-call filter is built with libseccomp (pyseccomp loads libseccomp.so.2).
isolation:
	@{ command -v bwrap && { ldconfig -p | grep -q 'libseccomp\.so\.2'; }; } >/dev/null || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing bubblewrap and libseccomp"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap libseccomp2 >/dev/null; \
	  else echo "bubblewrap or libseccomp is missing: install them (e.g. sudo apt-get install bubblewrap libseccomp2) to grade a class"; fi; }

# The gradebook on PostgreSQL is tested against a throw-away server the tests start themselves
# (tests/grading/test_postgres.py); Debian's package is installed here where this user can.
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing postgresql"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL is missing: install it (e.g. sudo apt-get install postgresql) for tests/grading/test_postgres.py"; fi; }

# What learners see is tested in a real browser (tests/e2e/test_browser.py: Playwright driving
# Debian's chromium); installed here where this user can.
chromium:
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install it (e.g. sudo apt-get install chromium) for tests/e2e/test_browser.py"; fi; }

# The whole suite: unit tests, nbval on every solution notebook (here and on other numerical
# back-ends), nbgrader autograding, the release and the self-check command, in one worker per
# core (tests/conftest.py keeps a notebook's cells, and tests sharing a fixture, in one worker).
# Jupyter writes under $HOME: tests get a scratch one. PYTEST_ARGS adds options, e.g. -k bundle.
PYTEST_ARGS ?=
test: setup isolation postgresql chromium
	@rm -rf .scratch-home && mkdir -p .scratch-home
	HOME=$(CURDIR)/.scratch-home MPLBACKEND=Agg $(BLAS_ONE_THREAD) $(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# The quick tier for the edit-test loop, well under a minute: lint and layout (ruff check and
# ruff format --check, settings in pyproject.toml),
# the layers (import-linter, contract in pyproject.toml)
# and the unit-level tests (tests/conftest.py: UNIT). `make test` remains the whole suite.
check: setup
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/lint-imports --no-cache
	@rm -rf .scratch-home-check && mkdir -p .scratch-home-check
	HOME=$(CURDIR)/.scratch-home-check MPLBACKEND=Agg $(BLAS_ONE_THREAD) $(BIN)/python -m pytest -n auto -m unit tests $(PYTEST_ARGS)

# JupyterLab with a role's configuration (lab/learner or lab/instructor: which nbgrader panels
# and server extensions it has). Its terminals run a plain (not login) bash, so they keep this
# PATH with the course's Python first: a login shell resets PATH, and `python -m grader check`
# would then find no `python`.
LAB_TERMINAL := {"shell_command": ["bash"]}
LAB = JUPYTER_CONFIG_PATH=$(CURDIR)/lab/$(1) $(BIN)/jupyter lab $(LAB_ROOT) --ServerApp.root_dir=$(2) \
  --ServerApp.terminado_settings='$(LAB_TERMINAL)'

# Learners work on a copy of the release in work/ (notebooks/ stays as released). Their lab has
# nbgrader's Validate button and none of the instructor's panels.
lab: setup
	@mkdir -p work && for d in notebooks/*/; do \
	  test -e work/$$(basename $$d) || cp -r $$d work/; done
	$(call LAB,learner,$(CURDIR)) --LabApp.default_url=/lab/tree/work $(LAB_ARGS)

# Instructors: the same lab with nbgrader's Formgrader (this folder is the nbgrader course) and
# Create Assignment; it opens on the Formgrader. RESULTS=<folder> opens it on a class graded into
# that folder instead (and DB=<url> if it was graded with --db), e.g. to grade written answers;
# the lab then serves that folder.
instructor: setup
	$(if $(RESULTS),COURSE_RESULTS=$(abspath $(RESULTS)) )$(if $(DB),COURSE_DB='$(DB)' )$(call LAB,instructor,$(or $(abspath $(RESULTS)),$(CURDIR))) \
	  --LabApp.default_url=/formgrader $(LAB_ARGS)

# Instructors: re-execute the solution notebooks (outputs are stored), then regenerate notebooks/.
solutions: setup
	MPLBACKEND=Agg $(BLAS_ONE_THREAD) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=600 solutions/*/*.ipynb

release: setup
	$(BIN)/python -m grader release

# The learners' zip: the release notebooks and the learner package as a wheel (grader/authoring/bundle.py);
# no reference, judge or solutions. tests/e2e/test_learner_trial.py installs it as its README says.
bundle: setup
	$(BIN)/python -m grader bundle --out dist/backprop-course.zip

# Instructors' main job, on the sample class: grades, feedback and the class report
DEMO_OUT ?= results/demo
demo: setup isolation
	@test -d examples/class || $(BIN)/python examples/make_class.py
	$(BLAS_ONE_THREAD) $(BIN)/python -m grader autograde examples/class --out $(DEMO_OUT) --timeout 20
	@echo
	@echo "Read $(DEMO_OUT)/report.md first (class picture, most failed items, submissions to look at),"
	@echo "then $(DEMO_OUT)/grades.csv and summary.csv; learners' pages are in $(DEMO_OUT)/feedback/."

# Plain serial nbgrader against grader autograde on 40 submissions (wall times, their ratio), then
# through a Dask scheduler with one and two local workers (notebooks per minute; --no-cluster skips)
bench: setup isolation
	@rm -rf .scratch-home-bench && mkdir -p .scratch-home-bench
	HOME=$(CURDIR)/.scratch-home-bench $(BIN)/python benchmarks/bench_autograde.py $(BENCH_ARGS)

# Every typical mistake and generic slip injected into the solutions, graded: killed and diagnosed
mutants: setup
	$(BLAS_ONE_THREAD) $(BIN)/python -m grader mutants

clean:
	rm -rf $(VENV) .scratch-home .scratch-home-bench .scratch-home-check dist results
