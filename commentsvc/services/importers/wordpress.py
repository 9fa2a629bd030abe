"""WordPress WXR export: one <item> per post or page (<link>, <title>, <wp:post_id>)
holding its <wp:comment>s (content with bare line breaks, approval state, parent id,
commentmeta; wpDiscuz keeps its vote counts there)."""
import re

from .htmltext import autop
from .htmltext import plain_text
from .records import MAX_NAME
from .records import CommentRecord
from .records import RecordError
from .records import ThreadRecord
from .records import body_from_html
from .records import clean
from .records import clean_email
from .records import clean_title
from .records import clean_votes
from .records import clean_website
from .records import parse_time
from .xmlstream import children
from .xmlstream import iter_ends
from .xmlstream import local_name
from .xmlstream import text_of

ID_PREFIX = "wp:"
STATUSES = {"1": "approved", "0": "pending", "spam": "spam", "trash": "deleted",
            "post-trashed": "deleted"}
IGNORED_TYPES = {"pingback", "trackback"}
NO_DATE = "0000-00-00 00:00:00"
# wpDiscuz: "wpdiscuz_votes_seperate" (sic) is a PHP-serialized {"like": n, "dislike": n};
# older versions only keep "wpdiscuz_votes", the net score.
_SEPARATE_VOTE = re.compile(r's:\d+:"(like|dislike)";i:(-?\d+);')


def _field(fields, name):
    return text_of(fields.get(name))


def _meta(element):
    meta = {}
    for child in element:
        if local_name(child.tag) == "commentmeta":
            fields = children(child)
            meta[clean(_field(fields, "meta_key"))] = clean(_field(fields, "meta_value"))
    return meta


def wpdiscuz_votes(record_id, meta):
    """(up, down) from wpDiscuz comment meta; (0, 0) without it."""
    separate = dict(_SEPARATE_VOTE.findall(meta.get("wpdiscuz_votes_seperate", "")))
    if separate:
        return clean_votes(record_id, separate.get("like"), separate.get("dislike"))
    try:
        net = int(meta.get("wpdiscuz_votes") or 0)
    except ValueError as exc:
        raise RecordError(record_id, "wpdiscuz_votes is not a number") from exc
    return max(net, 0), max(-net, 0)


def _thread(item):
    fields = children(item)
    ref = clean(_field(fields, "post_id")) or clean(_field(fields, "link"))
    return ThreadRecord(
        ref=f"wp-post:{ref}",
        url=clean(_field(fields, "link")) or None,
        title=clean_title(plain_text(_field(fields, "title"))),
    )


def _comment(element, thread_ref):
    fields = children(element)
    comment_id = clean(_field(fields, "comment_id"))
    if not comment_id:
        raise RecordError(f"comment in {thread_ref}", "no <wp:comment_id>")
    external_id = f"{ID_PREFIX}{comment_id}"
    if clean(_field(fields, "comment_type")).lower() in IGNORED_TYPES:
        return None
    approved = clean(_field(fields, "comment_approved")) or "1"
    if approved not in STATUSES:
        raise RecordError(external_id, f"unknown comment_approved {approved!r}")
    gmt = clean(_field(fields, "comment_date_gmt"))
    date = gmt if gmt and gmt != NO_DATE else _field(fields, "comment_date")
    parent = clean(_field(fields, "comment_parent"))
    text, html = body_from_html(external_id, autop(_field(fields, "comment_content") or ""))
    up, down = wpdiscuz_votes(external_id, _meta(element))
    return CommentRecord(
        external_id=external_id,
        thread_ref=thread_ref,
        parent_ref=f"{ID_PREFIX}{parent}" if parent and parent != "0" else None,
        created_at=parse_time(external_id, date, "comment_date"),
        status=STATUSES[approved],
        text=text,
        html=html,
        author_name=clean(plain_text(_field(fields, "comment_author")), MAX_NAME),
        author_email=clean_email(_field(fields, "comment_author_email")),
        author_website=clean_website(_field(fields, "comment_author_url")),
        ip=clean(_field(fields, "comment_author_IP")) or None,
        up=up,
        down=down,
    )


def read(path, base_url=None):
    """Yield each item with comments as a thread, then its comments (pingbacks skipped)."""
    announced = None
    with open(path, "rb") as fileobj:
        for element, ancestors in iter_ends(fileobj, "rss", "WordPress WXR export"):
            name = local_name(element.tag)
            parent = ancestors[-1] if ancestors else None
            if name == "comment" and local_name(parent.tag) == "item":
                if announced is not parent:
                    thread = _thread(parent)
                    announced = parent
                    yield thread
                record = _comment(element, thread.ref)
                parent.remove(element)
                if record is not None:
                    yield record
            elif name == "item":
                parent.remove(element)
