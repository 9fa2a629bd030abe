"""Isso's SQLite database: ``threads(id, uri, title)`` and ``comments(tid, id, parent,
created, modified, mode, remote_addr, text, author, email, website, likes, dislikes, ...)``.
Isso keeps markdown, so bodies are rendered exactly like new comments here. Its URIs are
paths; they are joined to a base URL (the site's first origin unless one is given)."""
import sqlite3
from pathlib import Path
from urllib.parse import urljoin

from ...errors import ApiError
from .records import MAX_NAME
from .records import CommentRecord
from .records import RecordError
from .records import ThreadRecord
from .records import body_from_markdown
from .records import clean
from .records import clean_email
from .records import clean_title
from .records import clean_votes
from .records import clean_website
from .records import parse_time

ID_PREFIX = "isso:"
SQLITE_MAGIC = b"SQLite format 3\x00"
# Isso's comment modes: 1 accepted, 2 waiting for moderation, 4 deleted (kept for replies).
MODES = {1: "approved", 2: "pending", 4: "deleted"}
THREADS = "SELECT id, uri, title FROM threads ORDER BY id"
COMMENTS = (
    "SELECT id, tid, parent, created, modified, mode, remote_addr, text, author, email, "
    "website, likes, dislikes FROM comments ORDER BY id"
)


def _connect(path):
    """:raise ApiError 400: not an SQLite database"""
    with open(path, "rb") as fileobj:
        if fileobj.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise ApiError(400, "malformed_file", "The file is not an SQLite database.")
    connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    connection.text_factory = lambda raw: raw.decode("utf-8", "replace")
    return connection


def _comment(row):
    comment_id, tid, parent, created, modified, mode, ip, text, author, email, website, \
        likes, dislikes = row
    external_id = f"{ID_PREFIX}{comment_id}"
    if mode not in MODES:
        raise RecordError(external_id, f"unknown mode {mode!r}")
    text, html = body_from_markdown(external_id, text)
    up, down = clean_votes(external_id, likes, dislikes)
    return CommentRecord(
        external_id=external_id,
        thread_ref=str(tid),
        parent_ref=f"{ID_PREFIX}{parent}" if parent else None,
        created_at=parse_time(external_id, created, "created"),
        edited_at=parse_time(external_id, modified, "modified") if modified else None,
        status=MODES[mode],
        text=text,
        html=html,
        author_name=clean(author, MAX_NAME),
        author_email=clean_email(email),
        author_website=clean_website(website),
        ip=clean(ip) or None,
        up=up,
        down=down,
    )


def read(path, base_url=None):
    """Yield every thread, then every comment (by id, so parents come first)."""
    connection = _connect(path)
    try:
        for thread_id, uri, title in connection.execute(THREADS):
            yield ThreadRecord(ref=str(thread_id), url=urljoin(base_url or "", clean(uri)),
                               title=clean_title(title))
        for row in connection.execute(COMMENTS):
            yield _comment(row)
    except sqlite3.DatabaseError as exc:
        raise ApiError(400, "malformed_file", f"Not a readable Isso database: {exc}") from exc
    finally:
        connection.close()
