"""Threads: one per (site, page key)."""
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from ..extensions import db
from ..models import Thread
from .urls import normalize_url

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def page_key(url, page_id=None):
    """The embed's page_id when given, else the normalized page URL."""
    return f"id:{page_id}" if page_id else normalize_url(url)


def find_thread(site, key):
    return db.session.execute(
        select(Thread).where(Thread.site_id == site.id, Thread.page_key == key)
    ).scalar_one_or_none()


def get_or_create_thread(site, key, url, title=None):
    """The thread for this page, created if needed; safe when two posters race.

    The insert is the transaction's first write, so on SQLite it also takes the write lock
    that serializes the rest of the caller's transaction.
    """
    insert = _INSERTS[db.session.get_bind().dialect.name]
    db.session.execute(
        insert(Thread)
        .values(site_id=site.id, page_key=key, url=url, title=title, locked=False,
                comment_count=0, version=0)
        .on_conflict_do_nothing(index_elements=["site_id", "page_key"])
    )
    return find_thread(site, key)


def touch_thread(thread_id, count_delta=0):
    """Record a visible change: bump the version (new ETag) and adjust the count in SQL."""
    db.session.execute(
        update(Thread)
        .where(Thread.id == thread_id)
        .values(version=Thread.version + 1, comment_count=Thread.comment_count + count_delta)
    )
