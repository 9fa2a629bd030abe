"""Service endpoints: avatars, health, the human API docs page."""
import re

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import render_template
from sqlalchemy import text

from ..errors import ApiError
from ..extensions import api
from ..extensions import db
from ..services.avatars import identicon_svg

bp = Blueprint("meta", __name__)

AVATAR_HASH = re.compile(r"^[0-9a-f]{16,64}$")
YEAR = 365 * 24 * 3600


@bp.get("/api/avatars/<string:digest>.svg")
def avatar(digest):
    """The identicon for an avatar hash; immutable, so cached for a year."""
    if not AVATAR_HASH.match(digest):
        raise ApiError(404, "not_found", "No such avatar.")
    response = current_app.response_class(identicon_svg(digest), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it doesn't."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok", "database": "ok"})


@bp.get("/docs")
def docs():
    """Human-readable API reference rendered from the OpenAPI document (no third-party JS)."""
    return render_template("docs.html", spec=api.spec.to_dict())
