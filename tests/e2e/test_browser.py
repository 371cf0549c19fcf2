"""What learners and instructors see, in a real browser: Playwright driving Debian's chromium
against JupyterLab started exactly as `make lab` and `make instructor` start it (their command lines
from `make -n`), each serving a scratch course folder.

* The learners' lab runs every notebook, with the solutions' answers filled in, cell by cell as a
  learner's Run All does: no error and nothing on stderr, formulas typeset, figures drawn, the
  notebook's own summary counting every point; 01's slider and 05's explorer redraw their figure
  when moved; nbgrader's Validate passes the filled notebook and fails a wrong one. It shows no
  instructor panel, no exchange error and no news pop-up.
* The instructors' lab opens on nbgrader's Formgrader, which lists the course's five assignments;
  opened on a graded class (`make instructor RESULTS=...`), a written answer graded by hand there
  counts in the gradebook that `python -m grader export` hands to the LMS.

Screenshots of every step are written to results/browser/ (named in every failure message)."""

import os
import shutil
import time

import nbformat
import pytest
from conftest import ROOT, with_answers
from labs import Lab

from grader.learner import manifest

NOTEBOOKS = manifest.load()
SHOTS = ROOT / "results" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
RUN_SECONDS = 900  # all of one notebook, on a busy machine


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is not installed; `make test` installs it (make chromium)")
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab for one test."""
    tab = browser.new_page(viewport={"width": 1400, "height": 900})
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    """The learners' lab on a folder work/<id>/<notebook> with every answer filled in, and a copy of
    01 with a wrong sigmoid."""
    folder = tmp_path_factory.mktemp("learner")
    for nb in NOTEBOOKS:
        released = nbformat.read(ROOT / "notebooks" / nb.id / nb.filename, as_version=4)
        solution = nbformat.read(ROOT / "solutions" / nb.id / nb.filename, as_version=4)
        (folder / "work" / nb.id).mkdir(parents=True)
        nbformat.write(with_answers(released, solution), folder / "work" / nb.id / nb.filename)
    wrong = nbformat.read(folder / "work" / NOTEBOOKS[0].id / NOTEBOOKS[0].filename, as_version=4)
    for cell in wrong.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid":
            cell.source = "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"
    (folder / "wrong").mkdir()
    nbformat.write(wrong, folder / "wrong" / NOTEBOOKS[0].filename)
    lab = Lab("lab", folder)
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def instructor(tmp_path_factory):
    """The instructors' lab on a copy of the course: its nbgrader_config.py, solutions/, notebooks/."""
    folder = tmp_path_factory.mktemp("instructor")
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for name in ("solutions", "notebooks"):
        shutil.copytree(ROOT / name, folder / name)
    lab = Lab("instructor", folder)
    yield lab
    lab.stop()


def shot(page, name):
    """A screenshot of what page shows, in SHOTS."""
    page.screenshot(path=SHOTS / f"{name}.png")


def where(name):
    return f"(screenshots in {SHOTS}, last: {name}.png)"


def open_notebook(lab, page, path):
    """Open path (relative to the lab's folder) in a fresh layout; wait until its kernel is idle."""
    page.goto(lab.url(f"/lab/tree/{path}?reset"))
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=120_000)
    deadline = time.monotonic() + 120
    while lab.kernel_state(path) != "idle":
        assert time.monotonic() < deadline, f"the kernel of {path} did not start"
        time.sleep(0.5)


def run_all(lab, page, path):
    """Run > Run All Cells, then wait until no cell is queued or running and the kernel is idle."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    wait_until_idle(lab, path, page)


def wait_until_idle(lab, path, page=None, seconds=RUN_SECONDS):
    """Until the notebook's kernel has been idle for 3 s (and, with page, no cell shows [*])."""
    deadline, quiet = time.monotonic() + seconds, 0
    while quiet < 3:
        assert time.monotonic() < deadline, f"{path} was still running after {seconds} s"
        time.sleep(1)
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents() if page else []
        busy = any("*" in p for p in prompts) or lab.kernel_state(path) != "idle"
        quiet = 0 if busy else quiet + 1


def figure_of(widget):
    """The data: URL of the figure a widget's output shows."""
    image = widget.locator(".widget-output img").first
    image.wait_for(timeout=60_000)
    return image.get_attribute("src")


def wait_for_new_figure(page, widget, before):
    widget.locator(".widget-output img").first.wait_for(timeout=60_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = widget.locator(".widget-output img").first.get_attribute("src")
        if now and now != before:
            return now
        time.sleep(0.25)
    return before


def move_slider(page, nb_id):
    """01: the tangent explorer; move the w0 slider five steps to the right."""
    widget = page.locator(".widget-interact").first
    widget.scroll_into_view_if_needed()
    before = figure_of(widget)
    widget.screenshot(path=SHOTS / f"{nb_id}-explorer-before.png")
    handle = widget.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    after = wait_for_new_figure(page, widget, before)
    widget.screenshot(path=SHOTS / f"{nb_id}-explorer-after.png")
    return before, after


def change_explorer(page, nb_id):
    """05: the gradient explorer; switch its activation to another one."""
    widget = page.locator(".widget-interact").first
    widget.scroll_into_view_if_needed()
    before = figure_of(widget)
    widget.screenshot(path=SHOTS / f"{nb_id}-explorer-before.png")
    activation = widget.locator(".widget-dropdown", has_text="activation").locator("select")
    options = activation.locator("option").all_inner_texts()
    current = activation.evaluate("s => s.options[s.selectedIndex].text")
    activation.select_option(label=next(o for o in options if o != current))
    after = wait_for_new_figure(page, widget, before)
    widget.screenshot(path=SHOTS / f"{nb_id}-explorer-after.png")
    return before, after


EXPLORERS = {"01_chain_rule": move_slider, "05_vanishing": change_explorer}


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[nb.id for nb in NOTEBOOKS])
def test_every_notebook_runs_in_the_learners_lab(page, learner, nb):
    path = f"work/{nb.id}/{nb.filename}"
    try:
        open_notebook(learner, page, path)
        run_all(learner, page, path)
        shot(page, f"{nb.id}-ran")
        stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert stderr.count() == 0, (
            f"{nb.id}: errors or stderr in the lab {where(nb.id + '-ran')}:\n"
            + "\n---\n".join(stderr.all_text_contents())[:3000]
        )
        code_cells = sum(c.cell_type == "code" for c in nbformat.read(learner.folder / path, as_version=4).cells)
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()
        assert len(prompts) == code_cells and all(p.strip("[]: ").isdigit() for p in prompts), (
            f"{nb.id}: not every cell ran: {prompts} {where(nb.id + '-ran')}"
        )
        assert page.locator(".jp-MarkdownCell mjx-container").count() > 10, f"{nb.id}: formulas not typeset"
        assert page.locator(".jp-OutputArea-output img").count() > 0, f"{nb.id}: no figure drawn"
        summary = page.locator(".jp-OutputArea-output", has_text="autograded points pass here").text_content()
        assert f"{nb.auto_points:g} of {nb.auto_points:g} autograded points pass here" in summary, summary
        if nb.id in EXPLORERS:
            before, after = EXPLORERS[nb.id](page, nb.id)
            assert after != before, f"{nb.id}: the explorer's figure did not change {where(nb.id + '-explorer-after')}"
            wait_until_idle(learner, path)
    except Exception:
        shot(page, f"{nb.id}-failed")
        raise
    finally:
        learner.shut_down_kernels()


def test_validate_passes_a_filled_notebook_and_fails_a_wrong_one(page, learner):
    results = {}
    for name, path in [
        ("filled", f"work/{NOTEBOOKS[0].id}/{NOTEBOOKS[0].filename}"),
        ("wrong", f"wrong/{NOTEBOOKS[0].filename}"),
    ]:
        open_notebook(learner, page, path)
        page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
        message = page.locator("#validation-message")
        message.wait_for(timeout=300_000)
        shot(page, f"validate-{name}")
        results[name] = (message.get_attribute("class"), message.inner_text())
        page.keyboard.press("Escape")
        learner.shut_down_kernels()
    assert "validation-success" in results["filled"][0], f"{results['filled']} {where('validate-filled')}"
    assert "validation-failed" in results["wrong"][0] and "sigmoid" in results["wrong"][1], (
        f"{results['wrong']} {where('validate-wrong')}"
    )


def test_the_learners_lab_shows_no_instructor_parts_errors_or_news(page, learner):
    page.goto(learner.url("/lab/tree/work?reset"))
    page.locator(".jp-DirListing-item", has_text=NOTEBOOKS[0].id).wait_for(timeout=120_000)
    time.sleep(8)  # JupyterLab asks about news a few seconds after start
    shot(page, "learner-lab")
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Run" in menus and "Nbgrader" not in menus, menus
    tabs = " ".join(page.locator(".lm-TabBar-tabLabel").all_inner_texts())
    assert "Create Assignment" not in tabs, tabs
    toasts = page.locator(".Toastify__toast").all_inner_texts()
    assert not toasts, f"notifications shown: {toasts} {where('learner-lab')}"
    for url in ("/formgrader", "/assignments?course_id=backprop", "/courses"):
        assert page.request.get(learner.url(url)).status == 404, f"{url} is served to learners"
    log = learner.log.read_text()
    start = log.split("Kernel started")[0]  # (other tests' kernels, shut down at will, come later)
    for text, word in ((log, "Exchange"), (start, "Traceback"), (start, "[E ")):
        at = text.find(word)
        assert at < 0, f"the server logged an error: ...{text[max(0, at - 1500) : at + 1500]}..."


def test_the_instructors_lab_opens_the_formgrader_on_the_five_assignments(page, instructor):
    page.goto(instructor.url("/"))
    page.wait_for_url("**/formgrader**", timeout=60_000)
    ids = [nb.id for nb in NOTEBOOKS]
    page.get_by_text(ids[-1], exact=True).first.wait_for(timeout=120_000)
    shot(page, "instructor-formgrader")
    text = page.locator("body").inner_text()
    assert all(nb_id in text for nb_id in ids), f"{text[:2000]} {where('instructor-formgrader')}"
    assert "exchange directory" not in text, f"the Formgrader shows an exchange error {where('instructor-formgrader')}"
    page.goto(instructor.url("/lab?reset"))
    page.locator(".jp-DirListing-item", has_text="solutions").wait_for(timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.get_by_role("menuitem", name="Formgrader").wait_for(timeout=10_000)
    shot(page, "instructor-lab")


def test_a_written_answer_graded_in_the_formgrader_counts(page, tmp_path):
    """`make instructor RESULTS=<folder>` on a class `autograde` graded: 05's written answer is
    listed as needing a manual grade; the points given for it reach the gradebook."""
    from grader.grading.autograde import autograde
    from grader.grading.export import scores

    nb = NOTEBOOKS[-1]
    assert [item.id for item in nb.items if item.written] == ["why_relu"]
    (tmp_path / "class" / "s01").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "class" / "s01" / nb.filename, tmp_path / "class" / "s01")
    results = tmp_path / "results"
    autograde(tmp_path / "class", results, progress=False)
    db_url = f"sqlite:///{results / 'gradebook.db'}"
    assert scores(db_url, NOTEBOOKS)["s01"][nb.id] == nb.auto_points
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)  # a course folder: its config and sources
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    lab = Lab("instructor", tmp_path, [f"RESULTS={results}"])
    try:
        page.goto(lab.url("/formgrader"))
        page.get_by_text(nb.id, exact=True).first.wait_for(timeout=120_000)
        page.goto(f"http://127.0.0.1:{lab.port}/formgrader/gradebook/{nb.id}/{nb.id}")
        page.get_by_text("Submission #1").click()
        score = page.locator("input.score.needs_manual_grade")
        score.wait_for(timeout=120_000)
        score.fill(f"{nb.points - nb.auto_points:g}")
        score.press("Tab")
        shot(page, "instructor-manual-grade")
        deadline = time.monotonic() + 60
        while scores(db_url, NOTEBOOKS)["s01"][nb.id] != nb.points and time.monotonic() < deadline:
            time.sleep(0.5)
        assert scores(db_url, NOTEBOOKS)["s01"][nb.id] == nb.points, where("instructor-manual-grade")
    except Exception:
        shot(page, "instructor-manual-grade-failed")
        raise
    finally:
        lab.stop()


# ---------------------------------------------------------------------------------------------
# A learner's markup never runs where anyone looks at it (grader.grading.inert, page_policy)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    """05 handed in by four hostile learners (tests/payloads.py), graded by `autograde`, and the
    instructors' lab opened on the results as `make instructor RESULTS=...` opens it:
    s_hostile: payloads everywhere, graded; s_broken: the same with a cell claiming an unknown
    graded item, on which nbgrader fails; s_raising: relu_prime raises an exception whose message
    is markup (it reaches the messages, the feedback table and the report); s_bypass: graded like
    s_hostile, then its graded copy replaced by the raw hostile file, as if another tool had
    stored it: only the page policy stands between it and the Formgrader."""
    import payloads

    from grader.grading.autograde import autograde

    folder = tmp_path_factory.mktemp("hostile")
    nb = NOTEBOOKS[-1]
    release = nbformat.read(ROOT / "notebooks" / nb.id / nb.filename, as_version=4)
    solution = nbformat.read(ROOT / "solutions" / nb.id / nb.filename, as_version=4)
    fresh = lambda: nbformat.from_dict(dict(release))  # noqa: E731
    raising = with_answers(fresh(), solution)
    for cell in raising.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "relu_prime":
            cell.source = f"def relu_prime(z):\n    {payloads.RAISING}\n"
    for student, notebook in [
        ("s_hostile", payloads.hostile(fresh(), solution)),
        ("s_broken", payloads.hostile(fresh(), solution, unknown_item=True)),
        ("s_raising", raising),
        ("s_bypass", payloads.hostile(fresh(), solution)),
    ]:
        payloads.write(notebook, folder / "class" / student / nb.filename)
    results = folder / "results"
    autograde(folder / "class", results, progress=False)
    bypass = results / "course" / "autograded" / "s_bypass" / nb.id / nb.filename
    shutil.copy(folder / "class" / "s_bypass" / nb.filename, bypass)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions", folder / "solutions")
    lab = Lab("instructor", folder, [f"RESULTS={results}"])
    yield lab, results
    lab.stop()


def watched(page):
    """The requests page makes for a payload's URL, and the policy violations it reports."""
    import payloads

    seen = {"requests": [], "blocked": []}
    page.on("request", lambda r: seen["requests"].append(r.url) if payloads.MARK in r.url else None)
    page.on("console", lambda m: seen["blocked"].append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def assert_inert(page, seen, name):
    """No payload ran on page: no request for its URL, no title changed, no mark left."""
    time.sleep(2)  # an onerror or a fetch takes a moment
    shot(page, name)
    assert seen["requests"] == [], f"{name}: payloads ran: {seen['requests']} {where(name)}"
    assert page.title() != "PWNED", where(name)
    assert page.evaluate("window.__pwned === undefined"), f"{page.evaluate('window.__pwned')} {where(name)}"


def submission_ids(results, nb):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{results / 'gradebook.db'}") as gb:
        return {s.student.id: s.id for s in gb.notebook_submissions(nb.id, nb.id)}


def test_the_formgrader_shows_a_hostile_written_answer_as_text_and_runs_none_of_it(page, hostile_class):
    import payloads

    lab, results = hostile_class
    nb = NOTEBOOKS[-1]
    seen = watched(page)
    page.goto(lab.url("/formgrader"))
    page.get_by_text(nb.id, exact=True).first.wait_for(timeout=120_000)
    ids = submission_ids(results, nb)
    for student in ("s_hostile", "s_raising", "s_broken"):
        response = page.goto(f"http://127.0.0.1:{lab.port}/formgrader/submissions/{ids[student]}/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.locator("body").wait_for()
        assert_inert(page, seen, f"formgrader-{student}")
        if student == "s_hostile":
            answer = page.locator(".nbgrader_cell", has=page.locator("textarea.comment")).last
            assert payloads.WORDS in answer.inner_text(), where("formgrader-s_hostile")
            score = page.locator("input.score.needs_manual_grade")
            score.wait_for(timeout=60_000)  # the Formgrader's own scripts ran
    assert seen["blocked"] == [], f"the policy blocked a script of nbgrader's own: {seen['blocked'][:3]}"


def test_the_page_policy_stops_a_hostile_notebook_that_reaches_the_formgrader_as_it_is(page, hostile_class):
    lab, results = hostile_class
    nb = NOTEBOOKS[-1]
    seen = watched(page)
    page.goto(f"{lab.url('/formgrader')}")
    page.goto(f"http://127.0.0.1:{lab.port}/formgrader/submissions/{submission_ids(results, nb)['s_bypass']}/")
    page.locator("input.score.needs_manual_grade").wait_for(timeout=60_000)
    assert_inert(page, seen, "formgrader-bypass")
    assert seen["blocked"], "the raw markup was not even tried: the test shows nothing"


@pytest.mark.parametrize(
    "path",
    [
        "course/autograded/s_hostile/{nb.id}/{nb.filename}",
        "course/autograded/s_bypass/{nb.id}/{nb.filename}",
        "course/submitted/s_broken/{nb.id}/{nb.filename}",
        "report.md",
        "/notebooks/course/autograded/s_bypass/{nb.id}/{nb.filename}",
    ],
)
def test_the_instructors_lab_opens_graded_notebooks_and_the_report_and_runs_none_of_it(page, hostile_class, path):
    lab, results = hostile_class
    nb = NOTEBOOKS[-1]
    path = path.format(nb=nb)
    name = ("lab-report" if path == "report.md" else "notebook7-" if path.startswith("/") else "lab-") + (
        "" if path == "report.md" else path.split("/")[-3]
    )
    seen = watched(page)
    try:
        if path.endswith(".md"):
            page.goto(lab.url("/lab?reset"))
            page.locator(".jp-DirListing-item", has_text=path).click(button="right")
            page.locator(".lm-Menu-item", has_text="Open With").hover()
            page.locator(".lm-Menu-item", has_text="Markdown Preview").click()
            rendered = page.locator(".jp-RenderedMarkdown", has_text="Class report").first
            rendered.wait_for(timeout=60_000)
            text = rendered.inner_text()
            assert "relu_prime" in text and "onerror" in text, text[:3000]  # s_raising's message, as text
        else:  # in JupyterLab, or in Notebook 7 as the Formgrader's "Open live notebook" opens it
            page.goto(lab.url(path if path.startswith("/") else f"/lab/tree/{path}?reset"))
            page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=120_000)
        assert_inert(page, seen, name)
        assert page.request.get(lab.url("/api/terminals")).status == 404, "the instructors' lab serves terminals"
    finally:
        lab.shut_down_kernels()


def test_feedback_pages_run_none_of_a_hostile_learners_markup(page, hostile_class):
    import payloads

    _, results = hostile_class
    seen = watched(page)
    for student in ("s_hostile", "s_broken", "s_raising"):
        page.goto((results / "feedback" / student / f"{NOTEBOOKS[-1].id}.html").as_uri())
        assert_inert(page, seen, f"feedback-{student}")
        text = page.locator("body").inner_text()
        assert (payloads.WORDS in text) == (student != "s_raising"), where(f"feedback-{student}")
        assert "onerror" in text, where(f"feedback-{student}")  # the markup is there, as text
