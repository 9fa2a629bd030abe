"""Moderation: the admin's view of comments and every change a moderator makes.

There is one public function per action (approve_comment, mark_spam, delete_comment, purge,
create_ban, lift_ban, update_thread, update_site_settings). Each runs in one transaction,
writes its audit entry and commits once, at its end: a hook (notifications on approval, say)
is one call placed before that commit.

Deletion is set-based, for a spam wave of ten thousand comments: the rows go in chunks of
plain DELETE/UPDATE statements, never a per-row ORM loop, and the counts of the touched
threads are then recomputed in SQL.
"""
import base64
import binascii
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import aliased

from ..errors import ApiError
from ..extensions import db
from ..models import AuditEntry
from ..models import Ban
from ..models import Comment
from ..models import Subscription
from ..models import Thread
from ..models import Vote
from ..models import utcnow
from . import notifications
from .comments import isoformat
from .comments import public_view
from .sites import validate_origin
from .threads import find_thread
from .threads import page_key
from .threads import touch_thread

# Ids per IN (...) list: far below every backend's bound-parameter limit.
CHUNK = 500
SETTINGS = (
    "name", "origins", "moderation", "edit_window_seconds", "max_depth", "min_elapsed_ms",
    "link_limit", "blocked_words", "notify_email", "webhook_urls",
)


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _audit(site_id, actor, action, detail, rows):
    db.session.add(AuditEntry(site_id=site_id, actor=actor, action=action, detail=detail,
                              rows=rows, created_at=utcnow()))


# Keyset pagination, newest first: the cursor is the last id seen.


def _encode_cursor(last_id):
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor):
    """:raise ApiError 400: not a cursor of ours"""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != "id" or not value.isdigit():
            raise ValueError("malformed cursor")
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_cursor", "Invalid cursor.", {"cursor": [str(exc)]}) from exc


def _page(query, id_column, limit, cursor):
    """Rows of one page (newest first) and the cursor of the next one."""
    if cursor:
        query = query.where(id_column < _decode_cursor(cursor))
    rows = db.session.execute(query.order_by(id_column.desc()).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor(rows[-1][0].id)
    return rows, next_cursor


# Reading


def get_comment(comment_id, site=None):
    """:raise ApiError 404: unknown, or (when ``site`` is given) a comment of another site"""
    comment = db.session.get(Comment, comment_id)
    if comment is None or (site is not None and comment.site_id != site.id):
        raise ApiError(404, "comment_not_found", "No such comment.")
    return comment


def admin_view(comment, thread_url, thread_title):
    """The public view plus what only moderators see: email, IP hash, source, thread."""
    view = public_view(comment)
    view["author"] = {
        "name": comment.author_name,
        "email": comment.author_email,
        "website": comment.author_website,
        "avatar": view["author"]["avatar"],
    }
    view["author_email"] = comment.author_email
    view["ip_hash"] = comment.ip_hash
    view["text"] = comment.text
    view["html"] = comment.html
    view["anchor"] = comment.anchor
    view["thread"] = {"url": thread_url, "title": thread_title}
    del view["replies"], view["reply_count"]
    return view


def admin_view_of(comment):
    thread = db.session.get(Thread, comment.thread_id)
    return admin_view(comment, thread.url, thread.title)


def _ip_hash_of(site, comment_id):
    return get_comment(comment_id, site).ip_hash


def _filters(site, *, status=None, url=None, page_id=None, q=None, author_email=None,
             ip_of=None, since=None, until=None, comment_ids=None):
    """WHERE conditions selecting a site's comments; every given filter must match.

    :raise ApiError 404: ip_of names no comment of this site
    """
    conditions = [Comment.site_id == site.id]
    if status:
        conditions.append(Comment.status == status)
    if url:
        conditions.append(Comment.thread_id == select(Thread.id).where(
            Thread.site_id == site.id, Thread.page_key == page_key(url, page_id)
        ).scalar_subquery())
    if author_email:
        conditions.append(Comment.author_email == author_email.strip().lower())
    if ip_of:
        ip_hash = _ip_hash_of(site, ip_of)
        conditions.append(Comment.ip_hash == ip_hash if ip_hash else false())
    if since:
        conditions.append(Comment.created_at >= since)
    if until:
        conditions.append(Comment.created_at < until)
    if comment_ids is not None:
        conditions.append(Comment.id.in_(comment_ids))
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(*(
            column.ilike(pattern, escape="\\")
            for column in (Comment.text, Comment.author_name, Comment.author_email)
        )))
    return conditions


def list_for_moderation(site, limit=50, cursor=None, **filters):
    """One page of a site's comments, newest first, with private fields."""
    query = (
        select(Comment, Thread.url, Thread.title)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(*_filters(site, **filters))
    )
    rows, next_cursor = _page(query, Comment.id, limit, cursor)
    return {"comments": [admin_view(*row) for row in rows], "next_cursor": next_cursor}


# Approve / spam


def _set_status(comment, status, actor, action):
    """Move a comment to ``status``; the thread's count and ETag follow in SQL.

    The UPDATE is conditional on the status read, so two moderators racing can't count
    one approval twice.
    :raise ApiError 409: the comment is a tombstone, or changed meanwhile
    """
    previous = comment.status
    if previous == "deleted":
        raise ApiError(409, "comment_deleted", "A deleted comment can't change status.")
    if previous != status:
        changed = db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id, Comment.status == previous)
            .values(status=status)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if changed != 1:
            raise ApiError(409, "conflict", "The comment changed meanwhile; reload and retry.")
        touch_thread(comment.thread_id, (status == "approved") - (previous == "approved"))
    _audit(comment.site_id, actor, action,
           {"comment_id": comment.id, "from": previous, "to": status}, int(previous != status))
    return previous


def approve_comment(comment, actor):
    """Make a pending (or spam) comment public; the thread count moves +1."""
    if _set_status(comment, "approved", actor, "approve") != "approved":
        notifications.comment_published(comment)
    db.session.commit()
    return comment


def mark_spam(comment, actor):
    """Hide a comment at once as spam; the count moves -1 when it was approved."""
    _set_status(comment, "spam", actor, "spam")
    db.session.commit()
    return comment


# Deleting and purging


def _has_replies():
    child = aliased(Comment)
    return select(child.id).where(
        child.thread_id == Comment.thread_id, child.parent_id == Comment.id
    ).exists()


def _tombstone_values():
    return {
        "status": "deleted", "text": "", "html": "", "author_name": "", "author_email": None,
        "author_website": None, "anchor": None, "ip_hash": None, "voter_hash": None,
        "edit_token_hash": None, "up": 0, "down": 0, "score": 0,
    }


def _delete_leaves(ids):
    """Delete those of ``ids`` that have no replies, repeatedly (a purged reply frees its
    purged parent); returns the ids still standing, i.e. those with surviving replies."""
    remaining = set(ids)
    while remaining:
        gone = set()
        for chunk in _chunks(remaining):
            gone.update(db.session.scalars(
                delete(Comment)
                .where(Comment.id.in_(chunk), ~_has_replies())
                .returning(Comment.id)
                .execution_options(synchronize_session=False)
            ))
        if not gone:
            break
        remaining -= gone
    return remaining


def _drop_empty_tombstones(thread_ids):
    """Earlier tombstones whose last reply just went have nothing left to hold up."""
    while True:
        dropped = 0
        for chunk in _chunks(thread_ids):
            empty = (Comment.thread_id.in_(chunk), Comment.status == "deleted", ~_has_replies())
            db.session.execute(delete(Vote).where(Vote.comment_id.in_(
                select(Comment.id).where(*empty)
            )))
            dropped += db.session.execute(
                delete(Comment).where(*empty).execution_options(synchronize_session=False)
            ).rowcount
        if not dropped:
            return


def _recount_threads(thread_ids):
    """Set each touched thread's count from its rows and bump its version (new ETag)."""
    approved = (
        select(func.count(Comment.id))
        .where(Comment.thread_id == Thread.id, Comment.status == "approved")
        .scalar_subquery()
    )
    for chunk in _chunks(thread_ids):
        db.session.execute(
            update(Thread)
            .where(Thread.id.in_(chunk))
            .values(comment_count=approved, version=Thread.version + 1)
            .execution_options(synchronize_session=False)
        )


def _remove(ids):
    """Hard-delete comments in the current transaction (the caller commits).

    A comment that keeps replies outside ``ids`` stays as an empty tombstone so the thread
    keeps its shape; votes and subscriptions of every removed comment go too.
    """
    thread_ids = set()
    for chunk in _chunks(ids):
        thread_ids.update(db.session.scalars(
            select(Comment.thread_id).where(Comment.id.in_(chunk)).distinct()
        ))
        db.session.execute(delete(Vote).where(Vote.comment_id.in_(chunk)))
        db.session.execute(delete(Subscription).where(Subscription.comment_id.in_(chunk)))
    for chunk in _chunks(_delete_leaves(ids)):
        db.session.execute(
            update(Comment).where(Comment.id.in_(chunk)).values(**_tombstone_values())
            .execution_options(synchronize_session=False)
        )
    _drop_empty_tombstones(thread_ids)
    _recount_threads(thread_ids)
    db.session.expire_all()
    return thread_ids


def _subtree_ids(comment_id):
    """The comment and all its replies, at any depth."""
    tree = select(Comment.id).where(Comment.id == comment_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Comment.id).where(Comment.parent_id == tree.c.id))
    return list(db.session.scalars(select(tree.c.id)))


def delete_comment(comment, actor, cascade=False):
    """Hard-delete a comment. Its replies stay below a tombstone, or go too with ``cascade``.

    Returns the ids removed.
    """
    ids = _subtree_ids(comment.id) if cascade else [comment.id]
    site_id, comment_id = comment.site_id, comment.id
    notifications.comment_deleted(comment)
    _remove(ids)
    _audit(site_id, actor, "delete", {"comment_id": comment_id, "cascade": cascade,
                                      "ids": ids}, len(ids))
    db.session.commit()
    return ids


def _filters_detail(filters):
    return {
        name: isoformat(value) if isinstance(value, datetime) else value
        for name, value in filters.items()
        if value is not None
    }


def purge(site, actor, dry_run=False, **filters):
    """Remove every comment of the site matching all the given filters, in one transaction.

    With ``dry_run`` nothing changes. Returns the ids that went (or would go).
    :raise ApiError 422: no filter given
    """
    if not any(value is not None for value in filters.values()):
        raise ApiError(422, message="Give at least one filter besides site.")
    ids = list(db.session.scalars(
        select(Comment.id).where(*_filters(site, **filters)).order_by(Comment.id)
    ))
    if dry_run:
        return ids
    _remove(ids)
    _audit(site.id, actor, "purge", {"filters": _filters_detail(filters), "ids": ids}, len(ids))
    db.session.commit()
    return ids


# Bans


def ban_view(ban, now=None):
    now = now or utcnow()
    return {
        "id": ban.id,
        "ip_hash": ban.ip_hash,
        "author_email": ban.author_email,
        "reason": ban.reason,
        "created_at": isoformat(ban.created_at),
        "expires_at": isoformat(ban.expires_at),
        "active": ban.expires_at is None or ban.expires_at > now,
    }


def create_ban(site, actor, ip_of=None, author_email=None, reason=None, expires_at=None):
    """Ban an IP (named by one of its comments, never by raw IP) and/or an email.

    :raise ApiError 404: ip_of names no comment of this site
    :raise ApiError 422: that comment has no recorded IP
    """
    ip_hash = _ip_hash_of(site, ip_of) if ip_of else None
    if ip_of and not ip_hash:
        raise ApiError(422, fields={"ip_of": ["That comment has no recorded IP."]})
    ban = Ban(site_id=site.id, ip_hash=ip_hash,
              author_email=author_email.strip().lower() if author_email else None,
              reason=reason, expires_at=expires_at, created_at=utcnow())
    db.session.add(ban)
    db.session.flush()
    _audit(site.id, actor, "ban", {"ban_id": ban.id, "ip_of": ip_of,
                                   "author_email": ban.author_email, "reason": reason,
                                   "expires_at": isoformat(expires_at)}, 1)
    db.session.commit()
    return ban


def list_bans(site):
    bans = db.session.scalars(select(Ban).where(Ban.site_id == site.id).order_by(Ban.id.desc()))
    now = utcnow()
    return [ban_view(ban, now) for ban in bans]


def get_site_ban(site, ban_id):
    """:raise ApiError 404: unknown, or a ban of another site"""
    ban = db.session.get(Ban, ban_id)
    if ban is None or ban.site_id != site.id:
        raise ApiError(404, "ban_not_found", "No such ban.")
    return ban


def lift_ban(ban, actor):
    _audit(ban.site_id, actor, "unban", {"ban_id": ban.id, "author_email": ban.author_email,
                                         "ip_hash": ban.ip_hash}, 1)
    db.session.delete(ban)
    db.session.commit()


# Threads and site settings


def thread_view(thread):
    return {"url": thread.url, "title": thread.title, "count": thread.comment_count,
            "locked": thread.locked}


def update_thread(site, actor, url, page_id=None, locked=None, title=None):
    """Lock/unlock a thread and/or set its title; readers see it at once (new ETag).

    :raise ApiError 404: no thread for that page
    """
    thread = find_thread(site, page_key(url, page_id))
    if thread is None:
        raise ApiError(404, "thread_not_found", "No thread for that page.")
    changes = {}
    if locked is not None:
        changes["locked"] = locked
    if title is not None:
        changes["title"] = title or None
    for name, value in changes.items():
        setattr(thread, name, value)
    db.session.flush()
    touch_thread(thread.id)
    _audit(site.id, actor, "thread", {"url": thread.url, **changes}, 1)
    db.session.commit()
    db.session.refresh(thread)
    return thread


def site_settings(site):
    return {"slug": site.slug, **{name: getattr(site, name) for name in SETTINGS}}


def update_site_settings(site, actor, changes):
    """Change a site's settings; returns them all.

    :raise ApiError 422: an origin that is not scheme://host[:port]
    """
    if "origins" in changes:
        try:
            changes["origins"] = [validate_origin(origin) for origin in changes["origins"]]
        except ValueError as exc:
            raise ApiError(422, fields={"origins": [str(exc)]}) from exc
    for name, value in changes.items():
        setattr(site, name, value)
    _audit(site.id, actor, "settings", dict(changes), 1)
    db.session.commit()
    return site_settings(site)


# Audit log


def list_audit(site, limit=50, cursor=None, action=None):
    query = select(AuditEntry).where(AuditEntry.site_id == site.id)
    if action:
        query = query.where(AuditEntry.action == action)
    rows, next_cursor = _page(query, AuditEntry.id, limit, cursor)
    entries = [
        {"id": entry.id, "actor": entry.actor, "action": entry.action, "detail": entry.detail,
         "rows": entry.rows, "created_at": isoformat(entry.created_at)}
        for (entry,) in rows
    ]
    return {"entries": entries, "next_cursor": next_cursor}
