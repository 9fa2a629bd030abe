"""Service endpoints: avatars and health (documented in OpenAPI), and the human docs page."""
import re

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import render_template
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema
from marshmallow import fields
from sqlalchemy import text

from ..errors import ApiError
from ..extensions import api
from ..extensions import db
from ..services.avatars import identicon_svg

bp = ApiBlueprint("meta", __name__, description="Avatars and health")
pages = Blueprint("pages", __name__)

AVATAR_HASH = re.compile(r"^[0-9a-f]{16,64}$")
YEAR = 365 * 24 * 3600
SVG = {"image/svg+xml": {"schema": {"type": "string"}}}


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()


@bp.route("/api/avatars/<string:digest>.svg")
@bp.doc(
    parameters=[{"in": "path", "name": "digest", "required": True,
                 "schema": {"type": "string", "pattern": AVATAR_HASH.pattern}}],
    responses={"200": {"description": "An SVG identicon", "content": SVG}},
)
def avatar(digest):
    """The identicon for an avatar hash; immutable, so cached for a year."""
    if not AVATAR_HASH.match(digest):
        raise ApiError(404, "not_found", "No such avatar.")
    response = current_app.response_class(identicon_svg(digest), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.route("/healthz")
@bp.response(200, HealthSchema)
def healthz():
    """200 when the database answers, 503 when it doesn't."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok", "database": "ok"})


@pages.get("/docs")
def docs():
    """Human-readable API reference rendered from the OpenAPI document (no third-party JS)."""
    return render_template("docs.html", spec=api.spec.to_dict())
