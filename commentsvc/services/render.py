"""Markdown subset to safe HTML, done once at write time.

markdown-it-py parses (CommonMark, raw HTML off, images and headings off); nh3 (ammonia)
sanitizes the result anyway, so a parser bug can't become stored XSS.
"""
import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    .enable(["linkify", "strikethrough"])
    .disable(["image", "heading", "lheading", "hr", "reference"])
)


def sanitize_html(html):
    """Strip anything but the allowed tags, attributes and URL schemes; mark links."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def render_markdown(text):
    """Render a comment's markdown source to sanitized HTML."""
    return sanitize_html(_markdown.render(text))


def count_links(html):
    """Number of links in rendered HTML (for the site's link limit)."""
    return html.count("<a ")
