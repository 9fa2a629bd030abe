"""Admin authentication: a per-site bearer token, stored hashed, reaching only its site."""
from flask import g
from flask import request
from sqlalchemy import select

from ..errors import ApiError
from ..extensions import db
from ..models import AdminToken
from ..models import Site
from ..security import token_hash

BEARER = "bearer "


def authenticate_admin():
    """The (site, token name) of the request's bearer token.

    Tokens are accepted only in the Authorization header, never in the query string
    (query strings end up in logs and Referer headers).
    :raise ApiError 401: missing or unknown token
    """
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith(BEARER) or not header[len(BEARER):].strip():
        raise ApiError(401, "unauthorized", "Send the site's admin token as 'Authorization: Bearer <token>'.")
    row = db.session.execute(
        select(Site, AdminToken.name)
        .join(AdminToken, AdminToken.site_id == Site.id)
        .where(
            AdminToken.token_hash == token_hash(header[len(BEARER):].strip()),
            AdminToken.revoked_at.is_(None),
        )
    ).first()
    if row is None:
        raise ApiError(401, "unauthorized", "Invalid admin token.")
    g.admin_site, g.admin_actor = row
    return row


def require_site_admin(slug):
    """The site named ``slug`` when the bearer token belongs to it.

    :raise ApiError 401: missing or unknown token
    :raise ApiError 403: the token belongs to another site
    """
    site, _ = authenticate_admin()
    if site.slug != slug:
        raise ApiError(403, "forbidden", "This token does not grant access to that site.")
    return site


def require_admin_of(site_id):
    """For endpoints addressed by object id: another site's object looks like no object.

    :raise ApiError 404: the object belongs to another site
    """
    site, _ = authenticate_admin()
    if site.id != site_id:
        raise ApiError(404, "not_found", "No such object.")
    return site
