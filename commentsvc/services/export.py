"""Full export of one site as one JSON document, streamed so memory stays flat.

The document (``format: "commentsvc"``) holds the site's settings, its threads and all its
comments with their private fields (email, IP hash) and aggregated votes; individual votes
are not exported. Importing it with ``format=commentsvc`` rebuilds the same public threads.
The marshmallow schemas below describe it (OpenAPI) and validate it on import.
"""
import json
from datetime import UTC

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from ..extensions import db
from ..models import COMMENT_STATUSES
from ..models import Comment
from ..models import Thread
from ..models import utcnow
from ..schemas import AnchorSchema
from .comments import isoformat

FORMAT = "commentsvc"
VERSION = 1
STREAM_ROWS = 1000


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE  # later versions may add fields


class ExportSiteSchema(_Lenient):
    slug = fields.String()
    name = fields.String()
    origins = fields.List(fields.String())
    moderation = fields.String()
    edit_window_seconds = fields.Integer()
    max_depth = fields.Integer()


class ExportThreadSchema(_Lenient):
    id = fields.Integer(required=True, strict=True)
    page_key = fields.String(required=True, validate=validate.Length(1, 2048))
    url = fields.String(required=True, validate=validate.Length(1, 2048))
    title = fields.String(allow_none=True, load_default=None)
    locked = fields.Boolean(load_default=False)
    comment_count = fields.Integer(metadata={"description": "Approved, non-deleted comments"})
    created_at = fields.String(metadata={"format": "date-time"})


class ExportAuthorSchema(_Lenient):
    name = fields.String(load_default="")
    email = fields.String(allow_none=True, load_default=None)
    website = fields.String(allow_none=True, load_default=None)


class ExportVotesSchema(_Lenient):
    up = fields.Integer(load_default=0, validate=validate.Range(0))
    down = fields.Integer(load_default=0, validate=validate.Range(0))
    score = fields.Integer(dump_only=True)


class ExportCommentSchema(_Lenient):
    id = fields.Integer(required=True, strict=True)
    thread_id = fields.Integer(required=True, strict=True)
    parent_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    external_id = fields.String(allow_none=True, load_default=None,
                                validate=validate.Length(1, 200),
                                metadata={"description": "Id in the system it was imported "
                                                         "from (disqus:…, wp:…, isso:…)"})
    status = fields.String(required=True, validate=validate.OneOf(COMMENT_STATUSES))
    created_at = fields.NaiveDateTime(required=True, timezone=UTC)
    edited_at = fields.NaiveDateTime(allow_none=True, load_default=None, timezone=UTC)
    author = fields.Nested(ExportAuthorSchema, load_default=dict)
    avatar_hash = fields.String(allow_none=True, load_default=None,
                                validate=validate.Regexp(r"^[0-9a-f]{16,32}$"))
    ip_hash = fields.String(allow_none=True, load_default=None,
                            validate=validate.Length(max=64))
    voter_hash = fields.String(allow_none=True, load_default=None,
                               validate=validate.Length(max=64))
    text = fields.String(load_default="", metadata={"description": "Markdown source"})
    html = fields.String(load_default="", metadata={"description": "Sanitized HTML"})
    votes = fields.Nested(ExportVotesSchema, load_default=dict)
    anchor = fields.Nested(AnchorSchema, allow_none=True, load_default=None)


class ExportSchema(Schema):
    format = fields.String(metadata={"description": f'Always "{FORMAT}"'})
    version = fields.Integer()
    exported_at = fields.String(metadata={"format": "date-time"})
    site = fields.Nested(ExportSiteSchema)
    threads = fields.List(fields.Nested(ExportThreadSchema))
    comments = fields.List(fields.Nested(ExportCommentSchema))


def _thread(row):
    return {
        "id": row.id,
        "page_key": row.page_key,
        "url": row.url,
        "title": row.title,
        "locked": row.locked,
        "comment_count": row.comment_count,
        "created_at": isoformat(row.created_at),
    }


def _comment(row):
    return {
        "id": row.id,
        "thread_id": row.thread_id,
        "parent_id": row.parent_id,
        "external_id": row.external_id,
        "status": row.status,
        "created_at": isoformat(row.created_at),
        "edited_at": isoformat(row.edited_at),
        "author": {"name": row.author_name, "email": row.author_email,
                   "website": row.author_website},
        "avatar_hash": row.avatar_hash,
        "ip_hash": row.ip_hash,
        "voter_hash": row.voter_hash,
        "text": row.text,
        "html": row.html,
        "votes": {"up": row.up, "down": row.down, "score": row.score},
        "anchor": row.anchor,
    }


def _rows(table, site, *order):
    """The site's rows of a table, fetched in slices (server-side cursor on PostgreSQL)."""
    return db.session.execute(
        table.select().where(table.c.site_id == site.id).order_by(*order, table.c.id),
        execution_options={"yield_per": STREAM_ROWS},
    )


def _array(name, rows, to_json):
    yield f',\n"{name}": ['
    separator = "\n"
    for row in rows:
        yield separator + json.dumps(to_json(row), ensure_ascii=False, separators=(",", ":"))
        separator = ",\n"
    yield "\n]"


def iter_export(site):
    """The export document of a site as a sequence of JSON text chunks."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": isoformat(utcnow()),
        "site": {
            "slug": site.slug, "name": site.name, "origins": site.origins,
            "moderation": site.moderation, "edit_window_seconds": site.edit_window_seconds,
            "max_depth": site.max_depth,
        },
    }
    yield json.dumps(head, ensure_ascii=False)[:-1]  # left open for the two arrays
    yield from _array("threads", _rows(Thread.__table__, site), _thread)
    # Parents before replies (by depth), so an import can resolve each parent as it reads.
    yield from _array("comments", _rows(Comment.__table__, site, Comment.depth), _comment)
    yield "}\n"
