"""Imported HTML bodies as markdown source, and WordPress's line breaks as paragraphs.

The converter only needs the tags ``render.sanitize_html`` lets through; it runs on
sanitized HTML, so anything else has been stripped already. That output is normalized
(lower-case tags, double-quoted attributes, ``<`` always escaped in text), so a regular
expression tokenizes it; html.parser would cost a third of a large import's time.
"""
import html
import re
from collections import Counter

_MARKDOWN_ESCAPES = str.maketrans({char: "\\" + char for char in "\\`*_[]"})
_BLANK_LINES = re.compile(r"\n{3,}")
_BREAKING_SPACE = re.compile(r"\s*\n\s*")
_BLOCK_TAG = re.compile(r"<(p|pre|blockquote|ul|ol)[\s>]", re.IGNORECASE)
_INLINE = {"em": "*", "strong": "**", "del": "~~", "s": "~~"}
_TAG = re.compile(r"<(/?)([a-z0-9]+)([^>]*)>")
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


class _Frame:
    __slots__ = ("tag", "attrs", "parts")

    def __init__(self, tag, attrs):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parts = []

    @property
    def inner(self):
        return "".join(self.parts)


class _MarkdownWriter:
    def __init__(self):
        self.stack = [_Frame("root", ())]
        self.open = Counter()  # tags open around the current position

    def feed(self, safe_html):
        position = 0
        for tag in _TAG.finditer(safe_html):
            if tag.start() > position:
                self.handle_data(html.unescape(safe_html[position:tag.start()]))
            closing, name, attributes = tag.groups()
            if closing:
                self.handle_endtag(name)
            elif attributes:
                self.handle_starttag(name, [(key, html.unescape(value))
                                            for key, value in _ATTRIBUTE.findall(attributes)])
            else:
                self.handle_starttag(name, ())
            position = tag.end()
        if position < len(safe_html):
            self.handle_data(html.unescape(safe_html[position:]))

    def _in(self, tag):
        return self.open[tag] > 0

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.stack[-1].parts.append("\n")
        else:
            self.stack.append(_Frame(tag, attrs))
            self.open[tag] += 1

    def handle_endtag(self, tag):
        if not self._in(tag) or tag == "root":
            return
        while True:  # close frames left open by malformed input too
            frame = self.stack.pop()
            self.open[frame.tag] -= 1
            self.stack[-1].parts.append(self._render(frame))
            if frame.tag == tag:
                return

    def handle_data(self, data):
        parts = self.stack[-1].parts
        if not self._in("pre"):
            if "\n" in data:  # outside <pre> a line break in HTML source is just a space
                data = _BREAKING_SPACE.sub(" ", data)
            if not parts or parts[-1].endswith("\n"):
                data = data.lstrip()
        if not self._in("code"):
            data = data.translate(_MARKDOWN_ESCAPES)
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
