"""Disqus XML export: <category>s, then <thread>s (page link and title), then <post>s
(message HTML, author, createdAt, isDeleted/isSpam, <thread> and <parent> references by
``dsq:id``)."""
from .htmltext import plain_text
from .records import MAX_NAME
from .records import CommentRecord
from .records import RecordError
from .records import ThreadRecord
from .records import body_from_html
from .records import clean
from .records import clean_email
from .records import clean_title
from .records import parse_time
from .xmlstream import children
from .xmlstream import iter_ends
from .xmlstream import local_name
from .xmlstream import text_of

DSQ_ID = "{http://disqus.com/disqus-internals}id"
ID_PREFIX = "disqus:"


def _ref(element):
    """A reference is the ``dsq:id`` attribute; hand-made files may give the id as text."""
    if element is None:
        return None
    return clean(element.get(DSQ_ID) or element.text) or None


def _flag(fields, name):
    return clean(text_of(fields.get(name))).lower() == "true"


def _thread(element):
    fields = children(element)
    ref = _ref(element) or clean(text_of(fields.get("id")))
    if not ref:
        raise RecordError("disqus thread", "a <thread> without dsq:id or <id>")
    return ThreadRecord(
        ref=ref,
        url=clean(text_of(fields.get("link"))) or None,
        title=clean_title(plain_text(text_of(fields.get("title")))),
        locked=_flag(fields, "isClosed"),
    )


def _status(fields):
    if _flag(fields, "isDeleted"):
        return "deleted"
    if _flag(fields, "isSpam"):
        return "spam"
    if clean(text_of(fields.get("isApproved"))).lower() == "false":
        return "pending"
    return "approved"


def _post(element):
    fields = children(element)
    post_id = _ref(element) or clean(text_of(fields.get("id")))
    if not post_id:
        raise RecordError("disqus post", "a <post> without dsq:id or <id>")
    external_id = f"{ID_PREFIX}{post_id}"
    thread_ref = _ref(fields.get("thread"))
    if not thread_ref:
        raise RecordError(external_id, "no <thread> reference")
    parent_ref = _ref(fields.get("parent"))
    author = children(fields["author"]) if "author" in fields else {}
    name = text_of(author.get("name")) or text_of(author.get("username"))
    text, html = body_from_html(external_id, text_of(fields.get("message")) or "")
    return CommentRecord(
        external_id=external_id,
        thread_ref=thread_ref,
        parent_ref=f"{ID_PREFIX}{parent_ref}" if parent_ref else None,
        created_at=parse_time(external_id, text_of(fields.get("createdAt")), "createdAt"),
        status=_status(fields),
        text=text,
        html=html,
        author_name=clean(plain_text(name), MAX_NAME),
        author_email=clean_email(text_of(author.get("email"))),
        ip=clean(text_of(fields.get("ipAddress"))) or None,
    )


_RECORDS = {"thread": _thread, "post": _post}


def read(path, base_url=None):
    """Yield the file's threads and posts in file order."""
    with open(path, "rb") as fileobj:
        for element, ancestors in iter_ends(fileobj, "disqus", "Disqus export"):
            if len(ancestors) != 1:
                continue
            parse = _RECORDS.get(local_name(element.tag))
            record = parse(element) if parse else None
            ancestors[0].remove(element)
            if record is not None:
                yield record
