"""The instructors' lab's Content-Security-Policy: a page it serves runs only the scripts its
server sent, never one that a learner's text or output put into the page.

What learners hand in is made inert before it is stored (grader.grading.inert); this is the second
wall, for a page that shows a submission all the same (one graded by another tool, or a gap in the
first wall). A Jupyter server extension, loaded by lab/instructor/jupyter_server_config.json, adds
to every HTML page the server sends (keeping the server's own `frame-ancestors` and, for files
served as they are, its `sandbox`):

* every page: scripts only from the server itself ('self'), no event-handler attribute or
  `javascript:` URL, no plug-ins, no frames from elsewhere, no form sent elsewhere;
* JupyterLab's pages, and Notebook 7's (the Formgrader's "Open live notebook" link): also the
  inline scripts of the page the server sends (their own: such a page holds no learner content,
  which reaches it as data through the API and is rendered there by JupyterLab's sanitiser) and
  eval, which their code needs;
* nbgrader's Formgrader pages write a few inline scripts into the page's <head> (the submission's
  ids, a helper), and its templates a few fixed scripts and onclick handlers. The policy allows
  exactly those: the hash of each inline script in the head as this response sends it, and of
  each fixed script and handler in nbgrader's templates ('unsafe-hashes'); any other script in the
  body, where a submission is shown, does not run.
"""

import base64
import functools
import hashlib
import re
from pathlib import Path

from tornado.web import OutputTransform

OTHER = (
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self' ws: wss:; worker-src 'self' blob:; frame-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)  # every page's, but for scripts
MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"
# JupyterLab's pages, and those of Notebook 7 (the Formgrader's "Open live notebook" link)
APPLICATION_PAGES = ("/lab/tree/", "/lab/workspaces/", "/tree/", "/notebooks/", "/edit/", "/consoles/")
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode() + "'"


@functools.cache
def formgrader_templates():
    """Hashes, as CSP sources, of what nbgrader's Formgrader templates write as they are (no
    template expression in them): event handlers (onclick="...") and inline scripts."""
    from nbgrader.server_extensions.formgrader import handlers

    found = set()
    for template in sorted(Path(handlers.template_path).rglob("*")):
        if template.is_file():
            text = template.read_text(encoding="utf-8").encode()
            found |= set(re.findall(rb'\bon[a-z]+="([^"{}]*)"', text, re.I))
            found |= {script for script in INLINE_SCRIPT.findall(text) if b"{{" not in script and b"{%" not in script}
    return tuple(sorted(map(sha256, found)))


def inline_scripts(page):
    """Hashes of the inline scripts in page (bytes), as CSP sources."""
    return [sha256(script) for script in INLINE_SCRIPT.findall(page)]


def policy(path, page):
    """The policy for the HTML page at path (page: what this response sends, all of it or its
    first part)."""
    if path.rstrip("/") in ("/lab", "/tree") or path.startswith(APPLICATION_PAGES):
        scripts = ["'self'", "'unsafe-eval'", *inline_scripts(page)]
    elif path.startswith("/formgrader"):
        head = page.split(b"<body", 1)[0] if b"<body" in page else b""
        scripts = ["'self'", MATHJAX, "'unsafe-hashes'", *formgrader_templates(), *inline_scripts(head)]
    else:
        scripts = ["'self'"]
    return f"default-src 'self'; script-src {' '.join(scripts)}; {OTHER}"


class PagePolicy(OutputTransform):
    """Adds policy() to the Content-Security-Policy of every HTML response."""

    base_url = "/"  # the server's (on a hub, /user/<name>/)

    def __init__(self, request):
        super().__init__(request)
        path = request.path
        self.path = "/" + path[len(self.base_url) :] if path.startswith(self.base_url) else path

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if headers.get("Content-Type", "").startswith("text/html"):
            server = headers.get("Content-Security-Policy", "")
            headers["Content-Security-Policy"] = "; ".join(p for p in (server, policy(self.path, chunk)) if p)
        return status_code, headers, chunk


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp):
    policy_class = type("PagePolicy", (PagePolicy,), {"base_url": serverapp.base_url})
    serverapp.web_app.add_transform(policy_class)
