"""Per-site CORS: only a site's allowed origins may read or write its threads. No credentials."""
from flask import g
from flask import request
from sqlalchemy import select

from ..extensions import db
from ..models import Comment
from ..models import Site
from ..security import origin_allowed

ALLOWED_HEADERS = "Content-Type, X-Voter-Token, X-Edit-Token"
EXPOSED_HEADERS = "ETag, Retry-After"
PREFLIGHT_MAX_AGE = "86400"


def _site_origins():
    """Allowed origins of the site this request addresses (by ?site= or comment id)."""
    site = g.get("site")
    if site is not None:
        return site.origins
    if "site" in request.args:
        query = select(Site.origins).where(Site.slug == request.args["site"])
    elif request.view_args and "comment_id" in request.view_args:
        query = (
            select(Site.origins)
            .join(Comment, Comment.site_id == Site.id)
            .where(Comment.id == request.view_args["comment_id"])
        )
    else:
        return []
    return db.session.execute(query).scalar_one_or_none() or []


def add_cors_headers(response):
    """after_request: echo an allowed Origin; everything else gets no CORS headers."""
    origin = request.headers.get("Origin")
    response.vary.add("Origin")
    if not origin or not request.path.startswith("/api/"):
        return response
    try:
        allowed = origin_allowed(origin, _site_origins())
    except Exception:  # the database may be the reason this is an error response
        allowed = False
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    elif request.method == "OPTIONS":
        response.status_code = 403
    return response
