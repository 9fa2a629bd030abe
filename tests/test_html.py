"""Comment bodies come out inert: markdown subset rendered, then sanitized by nh3."""
import pytest

from commentsvc.services.render import render_markdown
from tests.helpers import active_content

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '[x](http://a.b "title" onmouseover="alert(1)")',
    "![img](http://tracker.example/pixel.png)",
    '![x" onerror="alert(1)](http://a.b/x.png)',
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    "<<script>script>alert(1)<</script>/script>",
    "[x](&#106;avascript:alert(1))",
    "<style>body{display:none}</style>",
    "<a href='x' style='position:fixed'>x</a>",
    "`<script>`",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_renders_inert(attack):
    html = render_markdown(attack)
    assert active_content(html) == [], html


@pytest.mark.parametrize("source, html", [
    ("*em* **strong** `code`", "<p><em>em</em> <strong>strong</strong> <code>code</code></p>"),
    ("line one\nline two", "<p>line one<br>\nline two</p>"),
    ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
    ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ("[site](https://example.org)",
     '<p><a href="https://example.org" rel="nofollow ugc noopener">site</a></p>'),
    ("see https://example.org/x",
     '<p>see <a href="https://example.org/x" rel="nofollow ugc noopener">'
     "https://example.org/x</a></p>"),
    ("# not a heading", "<p># not a heading</p>"),
    ("a < b & c > d", "<p>a &lt; b &amp; c &gt; d</p>"),
])
def test_markdown_subset(source, html):
    assert render_markdown(source) == html


def test_stored_comment_is_inert_in_the_api(reader):
    created = reader.comment('<script>alert(1)</script> [x](javascript:alert(1))',
                             author_name='"><img src=x onerror=alert(1)>')
    comment = reader.list().get_json()["comments"][0]
    assert active_content(comment["html"]) == []
    # Names are plain text: the embed sets them with textContent, never as HTML.
    assert comment["author"]["name"] == '"><img src=x onerror=alert(1)>'
    assert created["comment"]["html"] == comment["html"]


@pytest.mark.parametrize("website", ["javascript:alert(1)", "data:text/html,x",
                                     'http://x.org/"onmouseover="x', "//evil.example"])
def test_unsafe_websites_are_rejected(reader, website):
    response = reader.post("hi", author_website=website)
    assert response.status_code == 422
    assert "author_website" in response.get_json()["error"]["fields"]
