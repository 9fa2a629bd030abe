"""Reading, posting, editing and deleting comments."""
import base64
import binascii
import functools
import hmac
import json
from datetime import datetime
from datetime import timedelta

from sqlalchemy import DateTime
from sqlalchemy import Integer
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy import union_all

from ..errors import ApiError
from ..extensions import db
from ..models import Ban
from ..models import Comment
from ..models import Site
from ..models import Thread
from ..models import Vote
from ..models import utcnow
from ..security import keyed_hash
from ..security import new_token
from ..security import token_hash
from . import notifications
from .render import count_links
from .render import render_markdown
from .sites import check_page_url
from .threads import get_or_create_thread
from .threads import page_key
from .threads import touch_thread

PUBLIC_STATUSES = ("approved", "deleted")
GUEST_NAME = "guest"


def isoformat(moment):
    """ISO 8601 in UTC with microseconds (stored times are naive UTC)."""
    return moment.isoformat(timespec="microseconds") + "Z" if moment else None


def avatar_path(comment):
    return f"/api/avatars/{comment.avatar_hash}.svg"


def public_view(comment):
    """The public JSON of a comment: never email, IP, tokens."""
    tombstone = comment.status == "deleted"
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": {
            "name": "" if tombstone else (comment.author_name or GUEST_NAME),
            "website": None if tombstone else comment.author_website,
            "avatar": avatar_path(comment),
        },
        "html": "" if tombstone else comment.html,
        "created_at": isoformat(comment.created_at),
        "edited_at": isoformat(comment.edited_at),
        "status": comment.status,
        "votes": {"up": comment.up, "down": comment.down, "score": comment.score},
        "anchor": None if tombstone else comment.anchor,
        "replies": [],
        "reply_count": 0,
    }


# Keyset pagination: each sort is an ORDER BY plus a "strictly after this row" condition.


def _sort_key(sort, comment):
    if sort == "votes":
        return [comment.score, isoformat(comment.created_at), comment.id]
    return [isoformat(comment.created_at), comment.id]


def encode_cursor(sort, comment):
    raw = json.dumps([sort, *_sort_key(sort, comment)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(sort, cursor):
    """:raise ApiError 400: a cursor that is not one of ours or is for another sort"""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if values[0] != sort:
            raise ValueError("cursor of another sort order")
        *score, created, comment_id = values[1:]
        created = datetime.strptime(created, "%Y-%m-%dT%H:%M:%S.%fZ")
        if not isinstance(comment_id, int) or len(score) != (sort == "votes"):
            raise ValueError("malformed cursor")
        if score and not isinstance(score[0], int):
            raise ValueError("malformed cursor")
    except (ValueError, TypeError, IndexError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_cursor", "Invalid cursor.", {"cursor": [str(exc)]}) from exc
    return score, created, comment_id


def _ordering(sort):
    if sort == "newest":
        return [Comment.created_at.desc(), Comment.id.desc()]
    if sort == "votes":
        return [Comment.score.desc(), Comment.created_at, Comment.id]
    return [Comment.created_at, Comment.id]


def _after(sort):
    """Strictly after the cursor's row (bind parameters after_created, after_id)."""
    position = tuple_(Comment.created_at, Comment.id)
    after = tuple_(bindparam("after_created", type_=DateTime),
                   bindparam("after_id", type_=Integer))
    return position < after if sort == "newest" else position > after


# The read path runs for every page view, so its statements are built once (building a
# SQLAlchemy statement costs more than running it) and return rows, not ORM objects.

_SITE_FOR_READING = select(Site.id, Site.slug, Site.origins).where(
    Site.slug == bindparam("slug"))

_THREAD_FOR_READING = select(
    Thread.id, Thread.version, Thread.url, Thread.title, Thread.comment_count, Thread.locked,
).where(Thread.site_id == bindparam("site_id"), Thread.page_key == bindparam("page_key"))

_VIEW_COLUMNS = (
    Comment.id, Comment.parent_id, Comment.root_id, Comment.author_name,
    Comment.author_website, Comment.avatar_hash, Comment.html, Comment.created_at,
    Comment.edited_at, Comment.status, Comment.up, Comment.down, Comment.score, Comment.anchor,
)


def site_for_reading(slug):
    """(id, slug, origins) of a site for the public read endpoints.

    :raise ApiError 404: when there is none
    """
    site = db.session.connection().execute(_SITE_FOR_READING, {"slug": slug}).first()
    if site is None:
        raise ApiError(404, "site_not_found", f"Unknown site {slug!r}.")
    return site


def thread_for_reading(site, url, page_id=None):
    """The page's thread as a row (id, version, url, title, comment_count, locked), or None.

    :raise ApiError 400/403: malformed page URL, or not on an allowed origin
    """
    check_page_url(site, url)
    return db.session.connection().execute(
        _THREAD_FOR_READING, {"site_id": site.id, "page_key": page_key(url, page_id)}
    ).first()


def list_comments(thread, url, sort="oldest", limit=20, cursor=None, inline=None):
    """One page of a thread's top-level comments with their replies nested, oldest first.

    One query whatever the thread's size: the page of top-level comments (a keyset range on
    the sort's index) and, in the same statement, every visible reply below them.
    """
    result = {
        "thread": {"url": url, "title": None, "count": 0, "locked": False},
        "comments": [],
        "next_cursor": None,
    }
    if thread is None:
        if cursor:
            decode_cursor(sort, cursor)
        return result
    result["thread"] = {
        "url": thread.url,
        "title": thread.title,
        "count": thread.comment_count,
        "locked": thread.locked,
    }
    params = {"thread_id": thread.id, "limit": limit + 1}
    if cursor:
        score, params["after_created"], params["after_id"] = decode_cursor(sort, cursor)
        if score:
            params["after_score"] = score[0]
    statement = _page_statement(sort, bool(cursor), inline)
    rows = db.session.connection().execute(statement, params).all()
    top = sorted((row for row in rows if row.parent_id is None), key=_PAGE_ORDER[sort])
    if len(top) > limit:
        top = top[:limit]
        result["next_cursor"] = encode_cursor(sort, top[-1])
    roots = {row.id for row in top}
    replies = sorted((row for row in rows if row.root_id in roots), key=_by_time)
    result["comments"] = _nest(top, replies)
    return result


@functools.cache
def _page_statement(sort, after_cursor, inline):
    """SELECT the page (plus one row, to know if there is more) UNION ALL its replies."""
    top = select(*_VIEW_COLUMNS).where(
        Comment.thread_id == bindparam("thread_id"),
        Comment.parent_id.is_(None),
        Comment.status.in_(PUBLIC_STATUSES),
    )
    if inline == "only":
        top = top.where(Comment.anchor.is_not(None))
    elif inline == "exclude":
        top = top.where(Comment.anchor.is_(None))
    limit = bindparam("limit", type_=Integer)
    if after_cursor and sort == "votes":
        page = _votes_after(top, limit)
    else:
        if after_cursor:
            top = top.where(_after(sort))
        page = top.order_by(*_ordering(sort)).limit(limit)
    page = page.cte("page")
    replies = select(*_VIEW_COLUMNS).where(
        Comment.root_id.in_(select(page.c.id)),
        Comment.status.in_(PUBLIC_STATUSES),
    )
    return union_all(select(page), replies)


def _votes_after(top, limit):
    """The votes order after a cursor, as two index ranges: the rest of the cursor's score,
    then the lower scores. (One "score < s OR score = s AND ..." range would step over
    every comment of score s before the cursor, and most comments share a score.)"""
    score = bindparam("after_score", type_=Integer)
    position = tuple_(Comment.created_at, Comment.id)
    after = tuple_(bindparam("after_created", type_=DateTime),
                   bindparam("after_id", type_=Integer))
    same_score = (top.where(Comment.score == score, position > after)
                  .order_by(Comment.created_at, Comment.id).limit(limit))
    lower = top.where(Comment.score < score).order_by(*_ordering("votes")).limit(limit)
    both = union_all(select(same_score.subquery()), select(lower.subquery())).subquery()
    return (select(both)
            .order_by(both.c.score.desc(), both.c.created_at, both.c.id).limit(limit))


def _by_time(row):
    return row.created_at, row.id


class _Descending:
    """Sort key wrapper that orders its key descending in an ascending sort."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other):
        return other.key < self.key


# The order of _ordering(sort), applied in Python to the rows of one page.
_PAGE_ORDER = {
    "oldest": _by_time,
    "newest": lambda row: _Descending((row.created_at, row.id)),
    "votes": lambda row: (-row.score, row.created_at, row.id),
}


def _nest(top, replies):
    """Attach every visible reply below its parent; tombstones without replies vanish."""
    views = {comment.id: public_view(comment) for comment in top}
    for reply in replies:
        views[reply.id] = public_view(reply)
    for reply in replies:
        parent = views.get(reply.parent_id)
        if parent is not None:
            parent["replies"].append(views[reply.id])
    for view in reversed(list(views.values())):
        view["replies"] = [r for r in view["replies"] if r["status"] != "deleted" or r["replies"]]
        view["reply_count"] = len(view["replies"])
    return [
        views[comment.id]
        for comment in top
        if views[comment.id]["status"] != "deleted" or views[comment.id]["replies"]
    ]


# Posting


def _is_banned(site, ip_hash, email):
    now = utcnow()
    match = [Ban.ip_hash == ip_hash]
    if email:
        match.append(Ban.author_email == email)
    return db.session.execute(
        select(Ban.id).where(
            Ban.site_id == site.id,
            or_(*match),
            or_(Ban.expires_at.is_(None), Ban.expires_at > now),
        ).limit(1)
    ).first() is not None


def _is_known_author(site, ip_hash, email):
    """Moderation mode ``first``: an author is known by email, else by IP hash."""
    who = Comment.author_email == email if email else Comment.ip_hash == ip_hash
    return db.session.execute(
        select(Comment.id).where(Comment.site_id == site.id, Comment.status == "approved", who)
        .limit(1)
    ).first() is not None


def content_needs_review(site, text, html):
    """Too many links or a blocked word holds a comment for moderation."""
    if count_links(html) > site.link_limit:
        return True
    lowered = text.lower()
    return any(word.lower() in lowered for word in site.blocked_words or [])


def _initial_status(site, data, ip_hash, email, html):
    if data.get("hp"):
        return "spam"
    elapsed = data.get("elapsed_ms")
    if (
        site.moderation == "all"
        or (elapsed is not None and elapsed < site.min_elapsed_ms)
        or content_needs_review(site, data["text"], html)
        or (site.moderation == "first" and not _is_known_author(site, ip_hash, email))
    ):
        return "pending"
    return "approved"


def _resolve_parent(site, thread, parent_id):
    """The comment a reply attaches to, honouring the site's max depth.

    :raise ApiError 422: parent unknown, not public or in another thread
    """
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread.id or parent.status != "approved":
        raise ApiError(422, fields={"parent_id": ["No such comment in this thread."]})
    while parent.depth >= site.max_depth and parent.parent_id is not None:
        parent = db.session.get(Comment, parent.parent_id)
    return parent


def create_comment(site, url, data, ip, voter_token=None, page_id=None):
    """Store a new comment; returns (comment, edit token, edit deadline).

    :raise ApiError 403: page not allowed, banned, or thread locked
    :raise ApiError 422: invalid parent
    """
    check_page_url(site, url)
    email = data.get("author_email")
    email = email.lower() if email else None
    ip_hash = keyed_hash("ip", ip)
    if _is_banned(site, ip_hash, email):
        raise ApiError(403, "banned", "You can't comment on this site.")
    html = render_markdown(data["text"])
    status = _initial_status(site, data, ip_hash, email, html)

    thread = get_or_create_thread(site, page_key(url, page_id), url, data.get("title"))
    if thread.locked:
        raise ApiError(403, "thread_locked", "This thread is locked.")
    if data.get("title") and not thread.title:
        thread.title = data["title"]
    parent = _resolve_parent(site, thread, data["parent_id"]) if data.get("parent_id") else None
    edit_token = new_token()
    name = data.get("author_name") or ""
    comment = Comment(
        site_id=site.id,
        thread_id=thread.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_name=name,
        author_email=email,
        author_website=data.get("author_website"),
        avatar_hash=keyed_hash("avatar", email or f"{name}|{ip_hash}")[:24],
        text=data["text"],
        html=html,
        status=status,
        created_at=utcnow(),
        anchor=data.get("anchor"),
        ip_hash=ip_hash,
        voter_hash=keyed_hash("voter", voter_token) if voter_token else None,
        edit_token_hash=token_hash(edit_token),
    )
    db.session.add(comment)
    db.session.flush()
    touch_thread(thread.id, 1 if status == "approved" else 0)
    notifications.comment_created(comment, data)
    db.session.commit()
    edit_until = comment.created_at + timedelta(seconds=site.edit_window_seconds)
    return comment, edit_token, edit_until


# Editing and deleting by the author


def get_public_comment(comment_id):
    """:raise ApiError 404: unknown, or not visible to the public"""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status not in ("approved", "pending"):
        raise ApiError(404, "comment_not_found", "No such comment.")
    return comment


def _authorize_edit(comment, site, edit_token):
    """:raise ApiError 403: wrong token or the edit window has closed"""
    expected = comment.edit_token_hash or ""
    if not edit_token or not hmac.compare_digest(expected, token_hash(edit_token)):
        raise ApiError(403, "invalid_edit_token", "This edit token is not valid for the comment.")
    deadline = comment.created_at + timedelta(seconds=site.edit_window_seconds)
    if utcnow() > deadline:
        raise ApiError(403, "edit_window_closed", "The edit window for this comment has closed.")


def edit_comment(comment, site, thread, edit_token, text):
    _authorize_edit(comment, site, edit_token)
    if thread.locked:
        raise ApiError(403, "thread_locked", "This thread is locked.")
    comment.text = text
    comment.html = render_markdown(text)
    comment.edited_at = utcnow()
    count_delta = 0
    if comment.status == "approved" and content_needs_review(site, text, comment.html):
        comment.status = "pending"
        count_delta = -1
    touch_thread(thread.id, count_delta)
    db.session.commit()
    return comment


def delete_own_comment(comment, site, thread, edit_token):
    _authorize_edit(comment, site, edit_token)
    remove_comment(comment)
    db.session.commit()


def remove_comment(comment):
    """Delete a comment: a tombstone while it has replies, else gone (with empty tombstones
    above it). Counts stay exact. The caller commits."""
    was_approved = comment.status == "approved"
    notifications.comment_deleted(comment)
    has_replies = db.session.execute(
        select(exists().where(Comment.parent_id == comment.id))
    ).scalar()
    if has_replies:
        comment.status = "deleted"
        comment.text = ""
        comment.html = ""
        comment.author_name = ""
        comment.author_email = None
        comment.author_website = None
        comment.anchor = None
    else:
        parent_id = comment.parent_id
        db.session.execute(delete(Vote).where(Vote.comment_id == comment.id))
        db.session.delete(comment)
        db.session.flush()
        _drop_empty_tombstones(parent_id)
    touch_thread(comment.thread_id, -1 if was_approved else 0)


def _drop_empty_tombstones(comment_id):
    while comment_id is not None:
        tombstone = db.session.get(Comment, comment_id)
        if tombstone is None or tombstone.status != "deleted":
            return
        if db.session.execute(select(exists().where(Comment.parent_id == comment_id))).scalar():
            return
        comment_id = tombstone.parent_id
        db.session.execute(delete(Vote).where(Vote.comment_id == tombstone.id))
        db.session.delete(tombstone)
        db.session.flush()
