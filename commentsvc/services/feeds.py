"""Atom 1.0 feeds of recent approved comments, per site or per thread."""
from urllib.parse import quote
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Comment
from ..models import Thread
from .comments import GUEST_NAME

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _rfc3339(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _tag_uri(site, *parts):
    """A permanent entry/feed id (RFC 4151 tag URI) independent of where the pages live."""
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    return f"tag:{host},{site.created_at:%Y-%m-%d}:commentsvc/{site.slug}/" + "/".join(parts)


def _child(parent, tag, text=None, **attributes):
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def recent_comments(site, thread=None, limit=FEED_SIZE):
    """(comment, thread) pairs, newest first; ids grow with posting, so the index on
    (site_id, status, id) serves the site feed without sorting."""
    query = (
        select(Comment, Thread)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Comment.site_id == site.id, Comment.status == "approved")
        .order_by(Comment.id.desc())
        .limit(limit)
    )
    if thread is not None:
        query = query.where(Comment.thread_id == thread.id)
    return db.session.execute(query).all()


def build_feed(site, self_url, thread=None, page_url=None, key=None):
    """The feed document as UTF-8 bytes: the site's, or the page's when ``page_url`` (with its
    thread ``key``) is given; that page's thread may not exist yet."""
    rows = [] if page_url and thread is None else recent_comments(site, thread)
    feed = ET.Element("feed", xmlns=ATOM_NS)
    if page_url:
        subject = (thread.title if thread else None) or page_url
        _child(feed, "id", _tag_uri(site, "page", quote(key, safe=":/?=&;,")))
        _child(feed, "title", f"Comments on {subject}")
        _child(feed, "link", rel="alternate", type="text/html", href=page_url)
    else:
        _child(feed, "id", _tag_uri(site, "all"))
        _child(feed, "title", f"Comments on {site.name}")
        if site.origins:
            _child(feed, "link", rel="alternate", type="text/html",
                   href=site.origins[0].replace(":*", ""))
    _child(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    updated = max((c.edited_at or c.created_at for c, _ in rows), default=site.created_at)
    _child(feed, "updated", _rfc3339(updated))
    _child(feed, "generator", "commentsvc")
    author = _child(feed, "author")
    _child(author, "name", site.name)
    for comment, comment_thread in rows:
        entry = _child(feed, "entry")
        name = comment.author_name or GUEST_NAME
        _child(entry, "id", _tag_uri(site, "comment", str(comment.id)))
        _child(entry, "title", f"{name} on {comment_thread.title or comment_thread.url}")
        _child(entry, "link", rel="alternate", type="text/html",
               href=f"{comment_thread.url}#commentsvc")
        _child(entry, "published", _rfc3339(comment.created_at))
        _child(entry, "updated", _rfc3339(comment.edited_at or comment.created_at))
        entry_author = _child(entry, "author")
        _child(entry_author, "name", name)
        _child(entry, "content", comment.html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
