"""count.js fills every count span on an index page with one request."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_count_js_fills_every_span_with_one_request(env):
    env.site()
    first = env.page("/posts/first")
    env.seed("a")
    env.seed("b")
    second = env.page("/posts/second")
    env.seed("only one")
    origin = env.hosts.origin
    index = env.hosts.add(
        "/",
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Index</title></head>
<body><ul>
<li><a href="{first}">First</a> <span data-commentsvc-count="{first}">…</span></li>
<li><a href="{second}">Second</a> <span data-commentsvc-count="/posts/second">…</span></li>
<li><a href="/posts/third">Third</a> <span data-commentsvc-count="{origin}/posts/third">…</span></li>
<li>Again: <span class="again" data-commentsvc-count="{first}#comments">…</span></li>
</ul><script src="{env.service}/count.js" data-site="{env.slug}" async></script></body></html>""",
    )
    page = env.open(index, wait=False)
    spans = page.locator("[data-commentsvc-count]")
    expect(spans).to_have_text(["2 Comments", "1 Comment", "0 Comments", "2 Comments"])
    calls = [url for url in env.requests if "/api/counts" in url]
    assert len(calls) == 1
    assert calls[0].count("url=") == 3  # duplicates and fragments collapse


def test_count_js_speaks_the_page_language(env):
    env.site()
    post = env.page("/posts/de")
    env.seed("eins")
    index = env.hosts.add(
        "/de-index",
        f"""<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Index</title></head>
<body><span data-commentsvc-count="{post}">…</span>
<script src="{env.service}/count.js" data-site="{env.slug}" async></script></body></html>""",
    )
    page = env.open(index, wait=False)
    expect(page.locator("[data-commentsvc-count]")).to_have_text("1 Kommentar")
