"""Comment counts for index pages."""
from sqlalchemy import select

from ..errors import ApiError
from ..extensions import db
from ..models import Thread
from .urls import InvalidURL
from .urls import normalize_url


def count_pages(site, urls):
    """Approved comment counts keyed by the URLs exactly as given, in one query.

    :raise ApiError 400: a URL that is not absolute http(s)
    """
    keys = {}
    for url in urls:
        try:
            keys[url] = normalize_url(url)
        except InvalidURL as exc:
            raise ApiError(400, "invalid_url", f"Invalid url {url!r}.", {"url": [str(exc)]}) from exc
    rows = db.session.execute(
        select(Thread.page_key, Thread.comment_count).where(
            Thread.site_id == site.id, Thread.page_key.in_(set(keys.values()))
        )
    )
    by_key = dict(rows.all())
    return {url: by_key.get(key, 0) for url, key in keys.items()}
