"""Atom feeds of recent approved comments."""
from flask import current_app
from flask import request
from flask_smorest import Blueprint
from marshmallow import fields
from marshmallow import validate

from ..extensions import limiter
from ..schemas import StrictSchema
from ..services import feeds as feed_service
from ..services.comments import thread_for_reading
from ..services.sites import get_site
from ..services.threads import page_key

bp = Blueprint("feeds", __name__, url_prefix="/api", description="Atom feeds")


class FeedArgsSchema(StrictSchema):
    site = fields.String(required=True, validate=validate.Length(1, 64))
    url = fields.String(validate=validate.Length(1, 2048))
    page_id = fields.String(validate=validate.Length(1, 200))


@bp.route("/feed.atom")
@limiter.limit(lambda: current_app.config["RATELIMIT_READ"])
@bp.arguments(FeedArgsSchema(), location="query", error_status_code=400, as_kwargs=True)
@bp.response(200, content_type="application/atom+xml",
             description="Atom 1.0 feed of the 50 most recent approved comments")
@bp.alt_response(304, description="Not modified (If-None-Match matched the ETag)")
def feed(site, url=None, page_id=None):
    """Recent approved comments of a site, or of one page with ``url``. Supports ETag."""
    site = get_site(site)
    thread = thread_for_reading(site, url, page_id) if url else None
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    body = feed_service.build_feed(site, base + request.full_path.rstrip("?"), thread, url,
                                   page_key(url, page_id) if url else None)
    response = current_app.response_class(body, mimetype="application/atom+xml")
    response.add_etag()
    response.headers["Cache-Control"] = "public, max-age=60"
    return response.make_conditional(request)
