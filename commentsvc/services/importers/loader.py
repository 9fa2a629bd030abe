"""Writes reader records into one site in batches, inside the caller's transaction.

- Comments are inserted in batches with ``INSERT ... RETURNING`` (no ORM objects kept).
- A reply whose parent hasn't been seen yet waits in memory until the parent arrives; one
  whose parent never appears is imported top-level (counted as an orphan).
- Idempotent: a comment whose external id the site already has is skipped. Those ids are
  read once at the start (a lookup per batch would scan the site's rows on PostgreSQL,
  whose statistics don't know the rows this transaction inserted: quadratic time).
- Threads are created on their first comment (an export's empty threads are not imported);
  at the end every touched thread's count is recomputed in SQL and its version bumped.
"""
from collections import Counter
from collections import defaultdict

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from ...extensions import db
from ...models import Comment
from ...models import Thread
from ...security import keyed_hash
from ...security import origin_allowed
from ..threads import find_thread
from ..threads import get_or_create_thread
from ..threads import page_key
from ..urls import InvalidURL
from ..urls import url_origin
from .records import RecordError
from .records import ThreadRecord

BATCH = 500
MAX_WARNINGS = 20
# Rows come back unordered (ordering them would cost one INSERT per row on SQLite);
# the external id says which is which.
_INSERT = insert(Comment.__table__).returning(Comment.__table__.c.external_id,
                                              Comment.__table__.c.id)


def _chunks(items, size=BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Loader:
    def __init__(self, site, id_prefix=None):
        """:param id_prefix: the external ids the file can name (``disqus:``), None for any"""
        self.site = site
        self.threads = {}  # source thread ref -> ThreadRecord
        self.thread_ids = {}  # source thread ref -> threads.id
        # external id -> (comment id, thread id, root id, depth) of every comment seen
        self.known = {}
        self.waiting = defaultdict(list)  # parent external id -> records waiting for it
        self.waiting_ids = set()
        self.buffer = []
        self.touched = set()
        self.counts = Counter()
        self.statuses = Counter()
        self.warnings = []
        self._learn_existing(id_prefix)

    def add(self, record):
        if isinstance(record, ThreadRecord):
            self.threads[record.ref] = record
            return
        self.buffer.append(record)
        if len(self.buffer) >= BATCH:
            self._flush()

    def finish(self):
        """Insert what is left (orphans top-level), recount threads; returns the summary."""
        self._flush()
        while self.waiting:
            parent_ref, records = self.waiting.popitem()
            self._warn(f"{len(records)} repl{'y' if len(records) == 1 else 'ies'} to "
                       f"{parent_ref}, which is not in the file, imported top-level")
            for record in records:
                self.waiting_ids.discard(record.external_id)
                record.parent_ref = None
            self.counts["orphans"] += len(records)
            self._insert(records)
        self._recount()
        return {
            "imported": self.counts["imported"],
            "skipped": self.counts["skipped"],
            "orphans": self.counts["orphans"],
            "threads": len(self.touched),
            "threads_created": self.counts["threads_created"],
            "statuses": dict(self.statuses),
            "warnings": self.warnings,
        }

    def _warn(self, message):
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)

    def _flush(self):
        batch, self.buffer = self.buffer, []
        ready, ready_ids = [], set()
        for record in batch:
            ext = record.external_id
            if ext in ready_ids or ext in self.waiting_ids:
                raise RecordError(ext, "the file has two records with this id")
            if ext in self.known:
                self.counts["skipped"] += 1
                ready.extend(self._release(ext))
            elif record.parent_ref is None or record.parent_ref in self.known:
                ready.append(record)
                ready_ids.add(ext)
            else:
                self.waiting[record.parent_ref].append(record)
                self.waiting_ids.add(ext)
        self._insert(ready)

    def _learn_existing(self, id_prefix):
        """Remember the site's comments that an earlier import created already."""
        query = select(Comment.external_id, Comment.id, Comment.thread_id, Comment.root_id,
                       Comment.depth).where(Comment.site_id == self.site.id,
                                            Comment.external_id.is_not(None))
        if id_prefix:
            query = query.where(Comment.external_id.startswith(id_prefix, autoescape=True))
        for ext, *position in db.session.execute(query,
                                                 execution_options={"yield_per": 5000}):
            self.known[ext] = tuple(position)

    def _release(self, ext):
        children = self.waiting.pop(ext, [])
        for child in children:
            self.waiting_ids.discard(child.external_id)
        return children

    def _insert(self, records):
        """Insert records whose parents are known, then the replies that waited for them."""
        while records:
            released = []
            for chunk in _chunks(records):
                rows = [self._row(record) for record in chunk]
                ids = dict(db.session.execute(_INSERT, rows).all())
                for record, row in zip(chunk, rows, strict=True):
                    self.known[record.external_id] = (ids[record.external_id], row["thread_id"],
                                                      row["root_id"], row["depth"])
                    self.touched.add(row["thread_id"])
                    self.statuses[record.status] += 1
                    released.extend(self._release(record.external_id))
                self.counts["imported"] += len(chunk)
            records = released

    def _row(self, record):
        thread_id = self._thread_id(record)
        root_id, depth, parent_id = None, 0, None
        if record.parent_ref is not None:
            parent_id, parent_thread, parent_root, parent_depth = self.known[record.parent_ref]
            if parent_thread != thread_id:
                raise RecordError(record.external_id,
                                  f"parent {record.parent_ref} is on another page")
            root_id, depth = parent_root or parent_id, parent_depth + 1
        ip_hash = record.ip_hash or (keyed_hash("ip", record.ip) if record.ip else None)
        tombstone = record.status == "deleted"  # emptied like a live deletion
        name = "" if tombstone else record.author_name
        email = None if tombstone else record.author_email
        return {
            "site_id": self.site.id,
            "thread_id": thread_id,
            "parent_id": parent_id,
            "root_id": root_id,
            "depth": depth,
            "author_name": name,
            "author_email": email,
            "author_website": None if tombstone else record.author_website,
            "avatar_hash": record.avatar_hash
            or keyed_hash("avatar", email or f"{name}|{ip_hash}")[:24],
            "text": "" if tombstone else record.text,
            "html": "" if tombstone else record.html,
            "status": record.status,
            "created_at": record.created_at,
            "edited_at": record.edited_at,
            "up": record.up,
            "down": record.down,
            "score": record.up - record.down,
            "anchor": None if tombstone else record.anchor,
            "ip_hash": ip_hash,
            "voter_hash": record.voter_hash,
            "edit_token_hash": None,
            "external_id": record.external_id,
        }

    def _thread_id(self, record):
        """The thread of a record's page, created on the page's first imported comment."""
        ref = record.thread_ref
        if ref in self.thread_ids:
            return self.thread_ids[ref]
        info = self.threads.get(ref)
        if info is None:
            raise RecordError(record.external_id, f"its thread {ref!r} is not in the file")
        try:
            key = info.page_key or page_key(info.url)
            origin = url_origin(info.url)
        except InvalidURL as exc:
            raise RecordError(f"thread {ref}", f"invalid page URL {info.url!r} ({exc})") from exc
        thread = find_thread(self.site, key)
        if thread is None:
            # Our own export keeps its URL; an old system's link is stored normalized.
            url = info.url if info.page_key else key
            thread = get_or_create_thread(self.site, key, url, info.title)
            thread.locked = info.locked
            self.counts["threads_created"] += 1
            if not origin_allowed(origin, self.site.origins):
                self._warn(f"page {info.url} is not on an allowed origin of the site; "
                           "its thread is only shown once the origin is added")
        elif info.title and not thread.title:
            thread.title = info.title
        self.thread_ids[ref] = thread.id
        return thread.id

    def _recount(self):
        """Exact approved counts of the touched threads, computed in SQL; new ETags."""
        approved = (
            select(func.count(Comment.id))
            .where(Comment.thread_id == Thread.id, Comment.status == "approved")
            .scalar_subquery()
        )
        for chunk in _chunks(sorted(self.touched)):
            db.session.execute(
                update(Thread)
                .where(Thread.id.in_(chunk))
                .values(comment_count=approved, version=Thread.version + 1)
                .execution_options(synchronize_session=False)
            )
