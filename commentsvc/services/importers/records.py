"""What every reader yields: source-neutral thread and comment records, and the field
clean-up all sources share (control characters, lengths, dates, HTML bodies)."""
import re
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from ...errors import ApiError
from ..render import render_markdown
from ..render import sanitize_html
from .htmltext import html_to_markdown

MAX_TEXT = 65535
MAX_NAME = 100
MAX_EMAIL = 254
MAX_TITLE = 300

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_WEBSITE = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


class RecordError(ApiError):
    """A record of the file can't be imported; the whole import is rolled back."""

    def __init__(self, record_id, reason):
        super().__init__(422, "invalid_record", f"Record {record_id}: {reason}",
                         {"record": [str(record_id)], "reason": [reason]})
        self.record_id = record_id


@dataclass(slots=True)
class ThreadRecord:
    """A page of the old system. ``ref`` is the source's thread id that comments name."""

    ref: str
    url: str | None
    title: str | None = None
    page_key: str | None = None  # our own export carries the key itself (page_id threads)
    locked: bool = False


@dataclass(slots=True)
class CommentRecord:
    external_id: str
    thread_ref: str
    parent_ref: str | None
    created_at: datetime
    status: str
    text: str
    html: str
    author_name: str = ""
    author_email: str | None = None
    author_website: str | None = None
    ip: str | None = None  # raw address, hashed like a live poster's
    ip_hash: str | None = None  # already keyed (our own export)
    avatar_hash: str | None = None
    voter_hash: str | None = None
    edited_at: datetime | None = None
    up: int = 0
    down: int = 0
    anchor: dict | None = None


def clean(value, limit=None):
    """Text safe to store: no control characters or lone surrogates, stripped, capped."""
    if value is None:
        return ""
    value = _SURROGATE.sub("\ufffd", _CONTROL.sub("", str(value))).strip()
    return value[:limit] if limit else value


def clean_email(value):
    value = clean(value).lower()
    return value if "@" in value and len(value) <= MAX_EMAIL else None


def clean_website(value):
    value = clean(value)
    return value if len(value) <= MAX_EMAIL and _WEBSITE.match(value) else None


def clean_title(value):
    return clean(value, MAX_TITLE) or None


def clean_votes(record_id, up, down):
    """:raise RecordError: negative or non-integer counts"""
    try:
        up, down = int(up or 0), int(down or 0)
    except (TypeError, ValueError) as exc:
        raise RecordError(record_id, "vote counts must be integers") from exc
    if up < 0 or down < 0:
        raise RecordError(record_id, "vote counts must not be negative")
    return up, down


def parse_time(record_id, value, field="date"):
    """A naive UTC datetime from ISO 8601 text (a missing offset means UTC) or a Unix time.

    :raise RecordError: missing or unreadable
    """
    try:
        if isinstance(value, int | float):
            moment = datetime.fromtimestamp(value, UTC)
        else:
            moment = datetime.fromisoformat(clean(value).replace("Z", "+00:00"))
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise RecordError(record_id, f"missing or invalid {field} {value!r}") from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _checked_length(record_id, text):
    if len(text) > MAX_TEXT:
        raise RecordError(record_id, f"text longer than {MAX_TEXT} characters")
    return text


def body_from_html(record_id, html):
    """(markdown source, sanitized html) of an HTML body from an old system."""
    safe = sanitize_html(_checked_length(record_id, clean(html)))
    return html_to_markdown(safe), safe


def body_from_markdown(record_id, text):
    """(markdown source, rendered html) of a markdown body, rendered like a new comment."""
    text = _checked_length(record_id, clean(text))
    return text, render_markdown(text)


def body_from_export(record_id, text, html):
    """Our own export: the markdown source as is, the HTML sanitized again (files are input)."""
    return _checked_length(record_id, clean(text)), sanitize_html(_checked_length(record_id, html))
