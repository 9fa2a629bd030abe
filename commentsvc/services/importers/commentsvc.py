"""Our own export (services/export.py), read as a stream: one pass for the threads, one
for the comments, each item validated by the export schemas. A comment keeps the external
id it was imported with, else it becomes ``cs:<id>``."""
import ijson
from marshmallow import ValidationError

from ...errors import ApiError
from ..export import FORMAT
from ..export import ExportCommentSchema
from ..export import ExportThreadSchema
from .records import MAX_NAME
from .records import CommentRecord
from .records import RecordError
from .records import ThreadRecord
from .records import clean
from .records import clean_email
from .records import clean_title
from .records import clean_website
from .records import body_from_export

ID_PREFIX = None  # comments keep the external ids of any system they came from
_threads = ExportThreadSchema()
_comments = ExportCommentSchema()


def _items(fileobj, prefix):
    fileobj.seek(0)
    try:
        yield from ijson.items(fileobj, prefix, use_float=True)
    except ijson.JSONError as exc:
        raise ApiError(400, "malformed_file", f"The file is not valid JSON: {exc}") from exc


def _load(schema, item, label):
    try:
        return schema.load(item)
    except ValidationError as exc:
        raise RecordError(label, f"invalid fields {exc.messages}") from exc


def _label(item, kind):
    return f"{kind} {item.get('id')}" if isinstance(item, dict) else f"{kind} {item!r:.40}"


def _thread(item):
    data = _load(_threads, item, _label(item, "thread"))
    return ThreadRecord(ref=str(data["id"]), url=clean(data["url"]), title=clean_title(
        data["title"]), page_key=clean(data["page_key"]), locked=data["locked"])


def _comment(item, external_ids):
    """The record of an exported comment; ``external_ids`` maps export ids seen so far."""
    data = _load(_comments, item, _label(item, "comment"))
    external_id = data["external_id"] or f"cs:{data['id']}"
    external_ids[data["id"]] = external_id
    parent_id = data["parent_id"]
    author, votes = data["author"], data["votes"]  # {} when absent
    text, html = body_from_export(external_id, data["text"], data["html"])
    return CommentRecord(
        external_id=external_id,
        thread_ref=str(data["thread_id"]),
        parent_ref=None if parent_id is None else external_ids.get(parent_id, f"cs:{parent_id}"),
        created_at=data["created_at"],
        edited_at=data["edited_at"],
        status=data["status"],
        text=text,
        html=html,
        author_name=clean(author.get("name"), MAX_NAME),
        author_email=clean_email(author.get("email")),
        author_website=clean_website(author.get("website")),
        ip_hash=data["ip_hash"],
        avatar_hash=data["avatar_hash"],
        voter_hash=data["voter_hash"],
        up=votes.get("up", 0),
        down=votes.get("down", 0),
        anchor=data["anchor"],
    )


def read(path, base_url=None):
    """Yield the threads, then the comments.

    An export lists parents before their replies (by depth), so a parent's external id is
    known when a reply names it by export id.
    """
    external_ids = {}
    with open(path, "rb") as fileobj:
        if next(_items(fileobj, "format"), None) != FORMAT:
            raise ApiError(422, "wrong_format",
                           f'This is not a commentsvc export (no "format": "{FORMAT}").')
        for item in _items(fileobj, "threads.item"):
            yield _thread(item)
        for item in _items(fileobj, "comments.item"):
            yield _comment(item, external_ids)
