"""Browser fixtures: Debian's Chromium driven by Playwright, the real service on one port
(the lead's ``live_server``), and host pages on a second port, i.e. another origin.

Chromium, the minified widget build and axe-core are required in CI (``CI`` set): when one
is missing the tests fail there, and are skipped only on a developer machine.
"""
import html
import os
import shutil
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from commentsvc.extensions import db
from commentsvc.models import Comment
from commentsvc.models import utcnow
from commentsvc.services.comments import create_comment
from commentsvc.services.sites import get_site
from commentsvc.services.votes import cast_vote
from commentsvc.services.threads import find_thread
from commentsvc.services.threads import page_key
from commentsvc import web

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("COMMENTSVC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"


def require(condition, what):
    """Fail in CI, skip elsewhere, when a prerequisite is missing."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (CI must provide it)")
    pytest.skip(f"{what} is missing")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def widget_build():
    """Minify widget/dist with the pinned esbuild so the tests run against what ships."""
    require(ESBUILD.exists(), "node_modules/.bin/esbuild (run `make widget-deps`)")
    web.build_dist(ROOT / "widget", ESBUILD)
    return ROOT / "widget" / "dist"


@pytest.fixture(scope="session")
def browser(widget_build):
    require(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class HostPages:
    """A second HTTP server (another origin) serving pages registered by the tests."""

    def __init__(self):
        self.pages = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                body = pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path, body):
        self.pages[path] = body
        return self.origin + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def host_pages():
    pages = HostPages()
    yield pages
    pages.close()


ARTICLE = """<h1>Bike lanes approved</h1>
<p>After two years of debate the council approved the riverside bike lanes.</p>"""


class Env:
    """One test's world: the service, a site, seeded comments and host pages."""

    def __init__(self, app, service_url, host_pages, make_site, browser):
        self.app = app
        self.service = service_url
        self.hosts = host_pages
        self.make_site = make_site
        self.browser = browser
        self.slug = None
        self.url = None
        self.n = 0
        self.errors = []
        self.requests = []

    def site(self, slug="blog", **settings):
        """Create the site (allowed origin: the host pages); no bot-timer by default."""
        settings.setdefault("min_elapsed_ms", 0)
        self.slug = self.make_site(slug, (self.hosts.origin,), **settings)[0]
        return self.slug

    def page(self, path="/article", head="", body=ARTICLE, html_lang="en", **attrs):
        """Register a host page embedding the widget; returns its URL."""
        self.n += 1
        attrs.setdefault("site", self.slug)
        data = " ".join(
            f'data-{k.replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items()
        )
        page = (
            f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f"<title>Test article {self.n}</title>{head}</head><body>"
            f'<main><article>{body}</article><div id="commentsvc"></div>'
            f'<script src="{self.service}/embed.js" {data} async></script></main>'
            f"</body></html>"
        )
        self.url = self.hosts.add(path, page)
        return self.url

    def seed(self, text="Hello", url=None, name="", parent=None, days_ago=0, **data):
        """Store a comment through the service layer; returns its id."""
        with self.app.app_context():
            site = get_site(self.slug)
            comment, _, _ = create_comment(
                site,
                url or self.url,
                {"text": text, "author_name": name, "parent_id": parent, **data},
                "198.51.100.7",
            )
            if days_ago:
                comment.created_at = utcnow() - timedelta(days=days_ago)
            db.session.commit()
            return comment.id

    def vote(self, comment_id, value, voter):
        with self.app.app_context():
            comment = db.session.get(Comment, comment_id)
            site = get_site(self.slug)
            thread = find_thread(site, page_key(self.url))
            cast_vote(comment, thread, voter, value)

    def comment_status(self, comment_id):
        with self.app.app_context():
            comment = db.session.get(Comment, comment_id)
            return comment.status if comment else None

    def set_thread(self, **values):
        with self.app.app_context():
            thread = find_thread(get_site(self.slug), page_key(self.url))
            for key, value in values.items():
                setattr(thread, key, value)
            thread.version += 1  # a new list ETag, as the admin API would give
            db.session.commit()

    def open(self, url=None, context=None, wait=True, **context_args):
        """Open a page in a fresh browser context; waits for the thread to render."""
        context = context or self.new_context(**context_args)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", lambda request: self.requests.append(request.url))
        page.goto(url or self.url)
        if wait:
            wait_rendered(page)
        return page

    rendered = staticmethod(lambda page: wait_rendered(page))

    def new_context(self, **args):
        args.setdefault("locale", "en-US")
        args.setdefault("viewport", {"width": 900, "height": 900})
        context = self.browser.new_context(**args)
        self.contexts.append(context)
        return context

    contexts = None


def wait_rendered(page):
    """The list exists and no page is loading (no page timers: they may be faked)."""
    page.locator(".cs-list:not([aria-busy])").wait_for(state="attached", timeout=15000)


@pytest.fixture
def env(app, live_server, host_pages, make_site, browser):
    world = Env(app, live_server, host_pages, make_site, browser)
    world.contexts = []
    yield world
    for context in world.contexts:
        context.close()
    # An uncaught exception in the widget fails the test that caused it.
    assert not world.errors, world.errors
    # No request ever leaves the two local origins (no third parties).
    allowed = (live_server, host_pages.origin, "data:", "about:")
    strays = [url for url in world.requests if not url.startswith(allowed)]
    assert not strays, strays


METRICS = {}


@pytest.fixture(scope="session")
def metrics():
    """Figures the tests measure; printed in the terminal summary (never asserted on time)."""
    return METRICS


def pytest_terminal_summary(terminalreporter):
    if METRICS:
        terminalreporter.section("commentsvc widget figures")
        for name, value in METRICS.items():
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture
def axe_source():
    require(AXE.exists(), "node_modules/axe-core (run `make widget-deps`)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
