"""grader.grading.page_policy: which scripts each page of the instructors' lab may run."""

import json

from conftest import ROOT

from grader.grading import page_policy

PAGE = (
    b"<html><head><script>var submission_id = 'abc';</script><script src='/x.js'></script></head>"
    b"<body><script>window.__pwned = 1</script><img src=x onerror='y()'></body></html>"
)


def script_sources(policy):
    return next(d for d in policy.split("; ") if d.startswith("script-src")).split()[1:]


def test_a_formgrader_page_may_run_its_heads_scripts_and_nbgraders_handlers_only():
    sources = script_sources(page_policy.policy("/formgrader/submissions/abc/", PAGE))
    assert page_policy.sha256(b"var submission_id = 'abc';") in sources
    assert page_policy.sha256(b"window.__pwned = 1") not in sources
    assert page_policy.sha256(b"toggle_name(true);") in sources  # an onclick of nbgrader's templates
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources


def test_jupyterlabs_page_runs_its_own_scripts_and_every_other_page_none_inline():
    for path in ("/lab", "/lab/tree/report.md", "/notebooks/course/x.ipynb"):
        lab = script_sources(page_policy.policy(path, PAGE))
        assert page_policy.sha256(b"window.__pwned = 1") in lab and "'unsafe-eval'" in lab, path
    for path in ("/files/feedback/s01/05_vanishing.html", "/view/report.md", "/api/contents", "/"):
        assert script_sources(page_policy.policy(path, PAGE)) == ["'self'"], path


def test_the_policy_is_added_to_html_responses_under_the_servers_base_url():
    class Request:
        path = "/user/ta/formgrader/submissions/abc/"

    transform = type("P", (page_policy.PagePolicy,), {"base_url": "/user/ta/"})(Request())
    _, headers, _ = transform.transform_first_chunk(
        200, {"Content-Type": "text/html", "Content-Security-Policy": "frame-ancestors 'self'"}, PAGE, True
    )
    policy = headers["Content-Security-Policy"]
    assert policy.startswith("frame-ancestors 'self'; default-src 'self'")
    assert page_policy.sha256(b"var submission_id = 'abc';") in policy
    _, headers, _ = transform.transform_first_chunk(200, {"Content-Type": "application/json"}, b"{}", True)
    assert "Content-Security-Policy" not in headers


def test_the_instructors_lab_loads_the_policy_and_has_no_terminals():
    config = json.loads((ROOT / "lab" / "instructor" / "jupyter_server_config.json").read_text())["ServerApp"]
    assert config["jpserver_extensions"]["grader.grading.page_policy"] is True
    assert config["terminals_enabled"] is False
