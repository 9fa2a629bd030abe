"""Imported HTML bodies as markdown source, and WordPress's line breaks as paragraphs.

The converter only needs the tags ``render.sanitize_html`` lets through; it runs on
sanitized HTML, so anything else has been stripped already.
"""
import html
import re
from html.parser import HTMLParser

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")
_BLANK_LINES = re.compile(r"\n{3,}")
_BREAKING_SPACE = re.compile(r"\s*\n\s*")
_BLOCK_TAG = re.compile(r"<(p|pre|blockquote|ul|ol)[\s>]", re.IGNORECASE)
_INLINE = {"em": "*", "strong": "**", "del": "~~", "s": "~~"}


class _Frame:
    __slots__ = ("tag", "attrs", "parts")

    def __init__(self, tag, attrs):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parts = []

    @property
    def inner(self):
        return "".join(self.parts)


class _MarkdownWriter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = [_Frame("root", ())]

    def _in(self, tag):
        return any(frame.tag == tag for frame in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.stack[-1].parts.append("\n")
        else:
            self.stack.append(_Frame(tag, attrs))

    def handle_endtag(self, tag):
        if not self._in(tag) or tag == "root":
            return
        while True:  # close frames left open by malformed input too
            frame = self.stack.pop()
            self.stack[-1].parts.append(self._render(frame))
            if frame.tag == tag:
                return

    def handle_data(self, data):
        parts = self.stack[-1].parts
        if not self._in("pre"):
            # Outside <pre> a line break in HTML source is just a space.
            data = _BREAKING_SPACE.sub(" ", data)
            if not parts or parts[-1].endswith("\n"):
                data = data.lstrip()
        if not self._in("code"):
            data = _MARKDOWN_SPECIAL.sub(r"\\\1", data)
        parts.append(data)

    def _render(self, frame):
        inner = frame.inner
        if frame.tag in _INLINE:
            mark = _INLINE[frame.tag]
            return f"{mark}{inner}{mark}" if inner.strip() else inner
        if frame.tag == "code":
            return inner if self._in("pre") else f"`{inner}`"
        if frame.tag == "a":
            href = frame.attrs.get("href")
            if not href or inner == href:
                return inner or href or ""
            return f"[{inner}]({href})"
        if frame.tag == "p":
            return f"{inner.strip()}\n\n"
        if frame.tag == "pre":
            return f"```\n{inner.strip(chr(10))}\n```\n\n"
        if frame.tag == "blockquote":
            lines = inner.strip().split("\n")
            return "\n".join(f"> {line}".rstrip() for line in lines) + "\n\n"
        if frame.tag in ("ul", "ol"):
            nested = self._in("li")
            return ("\n" if nested else "") + self._render_list(frame) + ("" if nested else "\n")
        if frame.tag == "li":
            return f"\0{inner.strip()}"  # the list puts its marker at \0
        return inner

    @staticmethod
    def _render_list(frame):
        start = int(frame.attrs.get("start") or 1) if frame.tag == "ol" else 0
        lines = []
        for number, item in enumerate(frame.inner.split("\0")[1:], start):
            marker = f"{number}. " if frame.tag == "ol" else "- "
            body = item.strip().replace("\n", "\n" + " " * len(marker))
            lines.append(marker + body)
        return "\n".join(lines) + "\n"

    def markdown(self):
        self.close()
        while len(self.stack) > 1:
            self.handle_endtag(self.stack[-1].tag)
        return _BLANK_LINES.sub("\n\n", self.stack[0].inner).strip()


def html_to_markdown(safe_html):
    """Markdown source of sanitized HTML (links, emphasis, code, quotes, lists, paragraphs)."""
    writer = _MarkdownWriter()
    writer.feed(safe_html)
    return writer.markdown()


def autop(text):
    """WordPress stores comments with bare line breaks (wpautop adds markup when showing them):
    blank lines become paragraphs and single breaks ``<br>``, unless it has block markup."""
    if _BLOCK_TAG.search(text):
        return text
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br>' + chr(10))}</p>" for p in paragraphs)


def plain_text(value):
    """Unescape the entities some exports leave in plain fields (names, titles)."""
    return html.unescape(value) if value and "&" in value else value
