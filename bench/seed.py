"""Seed a benchmark database: a site, threads of known sizes, hot comments to vote on.

The first comments of each thread go through the service layer (``create_comment``), so
their rows are exactly what the API writes; the bulk goes in as one multi-row insert per
thread, built from the same fields (HTML rendered by the same renderer), and the thread
counters are then set in SQL. 100,000 comments take a few seconds on either backend.
"""
import random
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from commentsvc.extensions import db
from commentsvc.models import Comment
from commentsvc.models import Thread
from commentsvc.models import utcnow
from commentsvc.security import keyed_hash
from commentsvc.services.comments import create_comment
from commentsvc.services.comments import encode_cursor
from commentsvc.services.render import render_markdown
from commentsvc.services.sites import create_site
from commentsvc.services.threads import get_or_create_thread
from commentsvc.services.threads import page_key

SITE = "bench"
ORIGIN = "https://bench.example.org"
SMALL_PAGE = f"{ORIGIN}/articles/200-comments"
BIG_PAGE = f"{ORIGIN}/articles/100k-comments"
POST_PAGE = f"{ORIGIN}/articles/post-here"
VOTE_PAGE = f"{ORIGIN}/articles/hot-comments"
COUNT_PAGES = [f"{ORIGIN}/index/{n}" for n in range(50)]
SORTS = ("oldest", "newest", "votes")
SERVICE_COMMENTS = 5  # per thread, posted through create_comment before the bulk insert
BATCH = 5000

PARAGRAPHS = [
    "Thanks for writing this up. The part about *connection pooling* matched what we saw "
    "in production: the pool size mattered less than the transaction length.",
    "I disagree with the second point. A cache in front of the database hides the problem "
    "until the first cold start, and then everything falls over at once.",
    "Has anyone tried this with `PRAGMA journal_mode=WAL` on a network filesystem? "
    "The docs say no, but I'd love to hear a war story.",
    "Great article! Small typo in the third paragraph: *its* vs *it's*.",
    "We moved from offset to keyset pagination last year and the p99 of our deepest pages "
    "dropped from seconds to a few milliseconds. Worth it.",
    "Could you share the benchmark script? I'd like to reproduce the numbers on ARM.",
    "This is the clearest explanation of **ETags and 304s** I have read so far.",
    "Replying to the thread above: the covering index is what made the difference for us, "
    "not the cache.",
]


@dataclass
class Seeded:
    """What the load cases need to know about the seeded data."""

    small_count: int = 0
    big_count: int = 0
    big_top_level: int = 0
    deep_cursors: dict = field(default_factory=dict)
    hot_comment_ids: list = field(default_factory=list)


def migrate(app):
    with app.app_context():
        upgrade()


def seed(app, small=200, big=100_000, hot=5, seed_value=8):
    """Create the bench site and its threads; returns a Seeded description."""
    rng = random.Random(seed_value)
    rendered = [(text, render_markdown(text)) for text in PARAGRAPHS]
    info = Seeded()
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        site, _ = create_site(SITE, [ORIGIN], "Benchmark site")
        site.min_elapsed_ms = 0
        site.max_depth = 4
        db.session.commit()
        info.small_count = _seed_thread(site, SMALL_PAGE, small, 3, rng, rendered)
        info.big_count = _seed_thread(site, BIG_PAGE, big, 3, rng, rendered)
        _seed_thread(site, VOTE_PAGE, hot, 0, rng, rendered)
        for n, url in enumerate(COUNT_PAGES):
            _seed_thread(site, url, 1 + n % 7, 0, rng, rendered)
        big_thread = _thread(site, BIG_PAGE)
        info.big_top_level = db.session.scalar(
            select(func.count()).where(Comment.thread_id == big_thread.id,
                                       Comment.parent_id.is_(None))
        )
        info.deep_cursors = {
            sort: _cursor_at(big_thread, sort, int(info.big_top_level * 0.9)) for sort in SORTS
        }
        info.hot_comment_ids = list(db.session.scalars(
            select(Comment.id).where(Comment.thread_id == _thread(site, VOTE_PAGE).id)
        ))
    return info


def _thread(site, url):
    return db.session.execute(
        select(Thread).where(Thread.site_id == site.id, Thread.page_key == page_key(url))
    ).scalar_one()


def _seed_thread(site, url, total, replies_per_top, rng, rendered):
    """``total`` approved comments: top-level ones, each followed by up to
    ``replies_per_top`` replies (a chain, so depth grows too)."""
    first = min(SERVICE_COMMENTS, total)
    for n in range(first):
        text, _ = rendered[n % len(rendered)]
        create_comment(site, url, {"text": text, "author_name": f"Reader {n}"},
                       ip=f"10.0.{n // 250}.{n % 250}")
    thread = get_or_create_thread(site, page_key(url), url)
    next_id = (db.session.scalar(select(func.max(Comment.id))) or 0) + 1
    start = utcnow() - timedelta(seconds=total)
    rows, parents = [], []
    for n in range(first, total):
        text, html = rendered[rng.randrange(len(rendered))]
        parent = parents[-1] if parents and len(parents) <= replies_per_top else None
        if parent is None:
            parents = []
        up, down = rng.randrange(40), rng.randrange(8)
        name = f"Reader {n % 997}"
        ip_hash = keyed_hash("ip", f"10.1.{n // 250 % 250}.{n % 250}")
        row = {
            "id": next_id,
            "site_id": site.id,
            "thread_id": thread.id,
            "parent_id": parent["id"] if parent else None,
            "root_id": (parent["root_id"] or parent["id"]) if parent else None,
            "depth": parent["depth"] + 1 if parent else 0,
            "author_name": name,
            "author_email": None,
            "author_website": "https://example.net/~reader" if n % 5 == 0 else None,
            "avatar_hash": keyed_hash("avatar", f"{name}|{ip_hash}")[:24],
            "text": text,
            "html": html,
            "status": "approved",
            "created_at": start + timedelta(milliseconds=n * 997),
            "up": up,
            "down": down,
            "score": up - down,
            "ip_hash": ip_hash,
        }
        rows.append(row)
        parents.append(row)
        next_id += 1
        if len(rows) == BATCH:
            db.session.execute(insert(Comment), rows)
            rows = []
    if rows:
        db.session.execute(insert(Comment), rows)
    count = db.session.scalar(
        select(func.count()).where(Comment.thread_id == thread.id, Comment.status == "approved")
    )
    db.session.execute(
        update(Thread).where(Thread.id == thread.id)
        .values(comment_count=count, version=Thread.version + 1)
    )
    db.session.commit()
    _fix_sequence()
    return count


def _fix_sequence():
    """Explicit ids bypass PostgreSQL's sequence; move it past them."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text(
            "SELECT setval(pg_get_serial_sequence('comments', 'id'), "
            "(SELECT max(id) FROM comments))"
        ))
        db.session.commit()


def _cursor_at(thread, sort, offset):
    """The cursor the API hands out after ``offset`` top-level comments in this sort."""
    order = {
        "oldest": [Comment.created_at, Comment.id],
        "newest": [Comment.created_at.desc(), Comment.id.desc()],
        "votes": [Comment.score.desc(), Comment.created_at, Comment.id],
    }[sort]
    row = db.session.execute(
        select(Comment.id, Comment.created_at, Comment.score)
        .where(Comment.thread_id == thread.id, Comment.parent_id.is_(None),
               Comment.status == "approved")
        .order_by(*order).offset(offset - 1).limit(1)
    ).one()
    return encode_cursor(sort, row)
