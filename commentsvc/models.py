"""Database tables. Models hold no behaviour that commits: services own transactions."""
from datetime import UTC
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from .extensions import db

MODERATION_MODES = ("off", "first", "all")
COMMENT_STATUSES = ("approved", "pending", "spam", "deleted")
SUBSCRIPTION_KINDS = ("thread", "replies")


def utcnow():
    """Naive UTC now: every stored time is UTC without tzinfo, on every backend."""
    return datetime.now(UTC).replace(tzinfo=None)


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    origins: Mapped[list] = mapped_column(JSON, default=list)
    moderation: Mapped[str] = mapped_column(String(8), default="off")
    edit_window_seconds: Mapped[int] = mapped_column(Integer, default=15 * 60)
    max_depth: Mapped[int] = mapped_column(Integer, default=4)
    min_elapsed_ms: Mapped[int] = mapped_column(Integer, default=2000)
    link_limit: Mapped[int] = mapped_column(Integer, default=3)
    blocked_words: Mapped[list] = mapped_column(JSON, default=list)
    notify_email: Mapped[str | None] = mapped_column(String(254))
    webhook_urls: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AdminToken(db.Model):
    __tablename__ = "admin_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="admin")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("site_id", "page_key", name="uq_threads_site_page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    page_key: Mapped[str] = mapped_column(String(2048))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(300))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Approved, non-deleted comments, replies included; kept in step in SQL.
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every change a reader could see; the list ETag is derived from it.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        # Keyset pagination of top-level comments, one index per sort order.
        Index("ix_comments_thread_time", "thread_id", "parent_id", "created_at", "id"),
        # Deleting a comment makes the database look for its replies (the parent_id foreign
        # key); without this index that is a full scan per deleted row.
        Index("ix_comments_parent", "parent_id"),
        Index("ix_comments_site_status", "site_id", "status", "id"),
        Index("ix_comments_site_email", "site_id", "author_email"),
        Index("ix_comments_site_ip", "site_id", "ip_hash"),
        UniqueConstraint("site_id", "external_id", name="uq_comments_site_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # Top-level ancestor: a page's replies load in one query by root.
    root_id: Mapped[int | None] = mapped_column(Integer, index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author_name: Mapped[str] = mapped_column(String(100), default="")
    author_email: Mapped[str | None] = mapped_column(String(254))
    author_website: Mapped[str | None] = mapped_column(String(254))
    avatar_hash: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="approved")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    up: Mapped[int] = mapped_column(Integer, default=0)
    down: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)
    anchor: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    voter_hash: Mapped[str | None] = mapped_column(String(64))
    edit_token_hash: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))


Index(
    "ix_comments_thread_score",
    Comment.thread_id,
    Comment.parent_id,
    Comment.score.desc(),
    Comment.created_at,
    Comment.id,
)

# PostgreSQL takes no ORDER BY from an index past a column tested with IS NULL, so the
# indexes above can't serve its top-level pages; these partial ones, without parent_id, do
# (SQLite keeps using the ones above).
_TOP_LEVEL = Comment.parent_id.is_(None)
Index("ix_comments_top_time", Comment.thread_id, Comment.created_at, Comment.id,
      postgresql_where=_TOP_LEVEL, sqlite_where=_TOP_LEVEL)
Index("ix_comments_top_score", Comment.thread_id, Comment.score.desc(), Comment.created_at,
      Comment.id, postgresql_where=_TOP_LEVEL, sqlite_where=_TOP_LEVEL)


class Vote(db.Model):
    __tablename__ = "votes"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    voter_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Ban(db.Model):
    __tablename__ = "bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    author_email: Mapped[str | None] = mapped_column(String(254))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)


class Subscription(db.Model):
    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("thread_id", "email", "kind", "comment_id", name="uq_subscriptions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OutboxMessage(db.Model):
    """An email or webhook written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
