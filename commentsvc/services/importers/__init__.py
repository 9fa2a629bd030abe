"""Import comments from other systems (and our own export) into a site.

Each reader streams a file and yields source-neutral records (records.py); the loader
writes them in batches. One import is one transaction: a record that can't be imported
raises RecordError (422, naming the record) and nothing of the file stays.
"""
from ...extensions import db
from ...models import AuditEntry
from . import commentsvc
from . import disqus
from . import isso
from . import wordpress
from .loader import Loader

# Each reader module has read(path, base_url) and the ID_PREFIX of the ids it makes.
READERS = {"disqus": disqus, "wordpress": wordpress, "isso": isso, "commentsvc": commentsvc}
FORMATS = tuple(READERS)


def default_base_url(site):
    """The site's first exact origin: where Isso's page paths are taken to live."""
    return next((origin for origin in site.origins if not origin.endswith(":*")), None)


def import_file(site, fmt, path, actor, base_url=None):
    """Import the file at ``path`` in format ``fmt`` into ``site`` and commit; idempotent.

    :param base_url: prefix for formats that store page paths, not URLs (Isso)
    :return: counts (imported, skipped, orphans, threads, statuses) and warnings
    :raise ApiError 400: unreadable file
    :raise ApiError 422: unsafe XML, wrong format, or an invalid record (named)
    """
    reader = READERS[fmt]
    loader = Loader(site, reader.ID_PREFIX)
    for record in reader.read(path, base_url or default_base_url(site)):
        loader.add(record)
    result = {"site": site.slug, "format": fmt, **loader.finish()}
    db.session.add(AuditEntry(
        site_id=site.id, actor=actor, action="import", rows=result["imported"],
        detail={key: result[key] for key in ("format", "imported", "skipped", "orphans")},
    ))
    db.session.commit()
    return result
