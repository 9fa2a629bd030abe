"""Sites, their admin tokens, and the origin rules the public API enforces."""
import re

from sqlalchemy import select

from ..errors import ApiError
from ..extensions import db
from ..models import MODERATION_MODES
from ..models import AdminToken
from ..models import Site
from ..security import new_token
from ..security import origin_allowed
from ..security import token_hash
from .urls import InvalidURL
from .urls import url_origin

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ORIGIN_RE = re.compile(r"^https?://[^/\s?#]+$")


def validate_origin(origin):
    """Accept ``scheme://host[:port]`` or a ``scheme://host:*`` port wildcard."""
    origin = origin.strip().rstrip("/").lower()
    if not ORIGIN_RE.match(origin):
        raise ValueError(f"not an origin: {origin!r} (expected scheme://host[:port])")
    return origin


def get_site(slug):
    """The site with this slug.

    :raise ApiError 404: when there is none
    """
    site = db.session.execute(select(Site).where(Site.slug == slug)).scalar_one_or_none()
    if site is None:
        raise ApiError(404, "site_not_found", f"Unknown site {slug!r}.")
    return site


def create_site(slug, origins, name=None, moderation="off"):
    """Create a site and its first admin token; returns (site, plaintext token)."""
    if not SLUG_RE.match(slug or ""):
        raise ValueError("slug must be 1-64 lowercase letters, digits, '-' or '_'")
    if moderation not in MODERATION_MODES:
        raise ValueError(f"moderation must be one of {', '.join(MODERATION_MODES)}")
    if db.session.execute(select(Site.id).where(Site.slug == slug)).first():
        raise ValueError(f"site {slug!r} exists already")
    site = Site(
        slug=slug,
        name=name or slug,
        origins=[validate_origin(origin) for origin in origins],
        moderation=moderation,
    )
    db.session.add(site)
    db.session.flush()
    token = _add_token(site)
    db.session.commit()
    return site, token


def rotate_token(site, name="admin"):
    """Revoke the site's tokens of this name and issue a new one."""
    for old in db.session.scalars(
        select(AdminToken).where(AdminToken.site_id == site.id, AdminToken.name == name)
    ):
        db.session.delete(old)
    token = _add_token(site, name)
    db.session.commit()
    return token


def _add_token(site, name="admin"):
    token = new_token()
    db.session.add(AdminToken(site_id=site.id, name=name, token_hash=token_hash(token)))
    return token


def list_sites():
    return db.session.scalars(select(Site).order_by(Site.slug)).all()


def check_request_origin(site, origin):
    """Browsers send Origin on cross-site requests; a wrong one gets 403.

    A request without Origin is not from a browser page (curl, imports), so CORS doesn't apply;
    the page URL is still checked against the allowed origins.
    :raise ApiError 403: origin not allowed for this site
    """
    if origin is not None and not origin_allowed(origin, site.origins):
        raise ApiError(403, "origin_not_allowed", "This origin may not use this site.")


def check_page_url(site, url):
    """The page URL must be absolute http(s) and on one of the site's allowed origins.

    :raise ApiError 400: malformed URL
    :raise ApiError 403: page not on an allowed origin
    """
    try:
        origin = url_origin(url)
    except InvalidURL as exc:
        raise ApiError(400, "invalid_url", f"url {exc}.", {"url": [str(exc)]}) from exc
    if not origin_allowed(origin, site.origins):
        raise ApiError(403, "origin_not_allowed", "This page is not on an allowed origin.")
