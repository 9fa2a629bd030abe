"""Admin API (``/api/admin``, bearer token of one site) and the moderation page (``/admin``).

Every admin request is authenticated before its arguments are parsed, so a request without
a valid token gets 401 whatever else is wrong with it. Views are thin: the rules and the
transactions live in services/moderation.py.
"""
from pathlib import Path

from flask import Blueprint as PlainBlueprint
from flask import current_app
from flask import g
from flask import jsonify
from flask import render_template
from flask import send_from_directory
from flask.views import MethodView
from flask_smorest import Blueprint

from ..extensions import api
from ..schemas import ThreadSchema
from ..schemas_admin import AdminCommentArgsSchema
from ..schemas_admin import AdminCommentListSchema
from ..schemas_admin import AdminCommentSchema
from ..schemas_admin import AuditArgsSchema
from ..schemas_admin import AuditListSchema
from ..schemas_admin import BanCreateSchema
from ..schemas_admin import BanListSchema
from ..schemas_admin import BanSchema
from ..schemas_admin import DeleteArgsSchema
from ..schemas_admin import ErrorEnvelopeSchema
from ..schemas_admin import PurgeResultSchema
from ..schemas_admin import PurgeSchema
from ..schemas_admin import SiteArgsSchema
from ..schemas_admin import SiteSettingsSchema
from ..schemas_admin import ThreadArgsSchema
from ..schemas_admin import ThreadPatchSchema
from ..services import moderation
from .auth import authenticate_admin
from .auth import require_site_admin
from .requests import accepts_any_body

bp = Blueprint("admin", __name__, url_prefix="/api/admin",
               description="Moderation: one site's comments, bans, threads, settings, audit log. "
                           "Send 'Authorization: Bearer <site admin token>'.")
SECURITY = [{"adminToken": []}]


@bp.record_once
def _document_security(_state):
    api.spec.components.security_scheme(
        "adminToken", {"type": "http", "scheme": "bearer",
                       "description": "A site's admin token (`flask --app wsgi sites token`)."}
    )


@bp.before_request
def _authenticate():
    authenticate_admin()


def documented(*errors):
    """OpenAPI: the bearer token requirement and the error answers of a view."""
    def decorate(view):
        for status in errors:
            view = bp.alt_response(status, schema=ErrorEnvelopeSchema)(view)
        return bp.doc(security=SECURITY)(view)
    return decorate


def _comment(comment_id):
    """A comment of the token's site (another site's comment is a 404)."""
    return moderation.get_comment(comment_id, g.admin_site)


def _no_content():
    return current_app.response_class(status=204)


@bp.route("/comments")
@documented(400, 401, 403, 404)
@bp.arguments(AdminCommentArgsSchema(), location="query", error_status_code=400, as_kwargs=True)
@bp.response(200, AdminCommentListSchema)
def list_comments(site, **filters):
    """Search a site's comments (every status), newest first, with email and IP hash.

    Filters combine: status, thread url (+ page_id), text search q, author_email, and
    ip_of (comments from the same IP as that comment). Keyset paginated by cursor.
    """
    return jsonify(moderation.list_for_moderation(require_site_admin(site), **filters))


def _status_route(action, change, doc):
    """POST /comments/<id>/<action>: a status change, answered with the comment (no body)."""
    def view(comment_id):
        comment = change(_comment(comment_id), g.admin_actor)
        return jsonify(moderation.admin_view_of(comment))

    view.__name__, view.__doc__ = action, doc
    view = bp.response(200, AdminCommentSchema)(accepts_any_body(view))
    bp.route(f"/comments/<id:comment_id>/{action}", methods=["POST"])(
        documented(401, 404, 409)(view)
    )


_status_route("approve", moderation.approve_comment,
              "Approve a pending or spam comment: it becomes public and the count moves +1.")
_status_route("spam", moderation.mark_spam,
              "Mark a comment as spam: hidden from the public at once, count -1 if it was "
              "approved.")


@bp.route("/comments/<id:comment_id>", methods=["DELETE"])
@documented(400, 401, 404)
@bp.arguments(DeleteArgsSchema(), location="query", error_status_code=400, as_kwargs=True)
@bp.response(204)
def delete_comment(comment_id, cascade, site=None):
    """Hard-delete a comment. Its replies stay under a tombstone; ``cascade=1`` deletes
    them too."""
    if site is not None:
        require_site_admin(site)
    moderation.delete_comment(_comment(comment_id), g.admin_actor, cascade)
    return _no_content()


@bp.route("/purge", methods=["POST"])
@documented(401, 403, 404, 422)
@bp.arguments(PurgeSchema())
@bp.response(200, PurgeResultSchema)
def purge(data):
    """Delete every comment matching all the given filters, in one transaction.

    At least one filter besides site is required (422 otherwise). ``dry_run`` only reports
    what would go. Thread counts and ETags of every touched thread are updated.
    """
    site = require_site_admin(data.pop("site"))
    dry_run = data.pop("dry_run")
    ids = moderation.purge(site, g.admin_actor, dry_run=dry_run, **data)
    return jsonify({"purged": len(ids), "ids": ids, "dry_run": dry_run})


@bp.route("/bans")
class Bans(MethodView):
    @documented(400, 401, 403)
    @bp.arguments(SiteArgsSchema(), location="query", error_status_code=400)
    @bp.response(200, BanListSchema)
    def get(self, args):
        """A site's bans, newest first (expired ones too, with active false)."""
        return jsonify({"bans": moderation.list_bans(require_site_admin(args["site"]))})

    @documented(401, 403, 404, 422)
    @bp.arguments(BanCreateSchema())
    @bp.response(201, BanSchema)
    def post(self, data):
        """Ban the IP of a comment (ip_of) and/or an email; optional reason and expiry.

        Banned posters get 403 and nothing they send is stored.
        """
        site = require_site_admin(data.pop("site"))
        ban = moderation.create_ban(site, g.admin_actor, **data)
        response = jsonify(moderation.ban_view(ban))
        response.status_code = 201
        return response


@bp.route("/bans/<id:ban_id>", methods=["DELETE"])
@documented(401, 404)
@bp.response(204)
def lift_ban(ban_id):
    """Lift a ban."""
    moderation.lift_ban(moderation.get_site_ban(g.admin_site, ban_id), g.admin_actor)
    return _no_content()


@bp.route("/threads", methods=["PATCH"])
@documented(400, 401, 403, 404, 422)
@bp.arguments(ThreadArgsSchema(), location="query", error_status_code=400)
@bp.arguments(ThreadPatchSchema())
@bp.response(200, ThreadSchema)
def patch_thread(query, data):
    """Lock or unlock a thread (reads work, writes get 403) and/or set its title."""
    site = require_site_admin(query["site"])
    thread = moderation.update_thread(site, g.admin_actor, query["url"], query.get("page_id"),
                                      data.get("locked"), data.get("title"))
    return jsonify(moderation.thread_view(thread))


@bp.route("/sites/<string:slug>")
class SiteSettings(MethodView):
    @documented(401, 403)
    @bp.response(200, SiteSettingsSchema)
    def get(self, slug):
        """A site's settings: moderation mode, edit window, depth, origins, anti-spam."""
        return jsonify(moderation.site_settings(require_site_admin(slug)))

    @documented(401, 403, 422)
    @bp.arguments(SiteSettingsSchema())
    @bp.response(200, SiteSettingsSchema)
    def patch(self, data, slug):
        """Change any of a site's settings; answers with all of them."""
        site = require_site_admin(slug)
        return jsonify(moderation.update_site_settings(site, g.admin_actor, data))


@bp.route("/audit")
@documented(400, 401, 403)
@bp.arguments(AuditArgsSchema(), location="query", error_status_code=400, as_kwargs=True)
@bp.response(200, AuditListSchema)
def audit(site, **args):
    """The site's audit log, newest first: who (token name), what, when, how many rows."""
    return jsonify(moderation.list_audit(require_site_admin(site), **args))


# The moderation page: static HTML plus a small script over the admin API above.

page_bp = PlainBlueprint("admin_page", __name__)
STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; "
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@page_bp.get("/admin")
def page():
    """The moderation page; the moderator types the site's admin token into it."""
    response = current_app.make_response(render_template("admin.html"))
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@page_bp.get("/admin/admin.js")
def script():
    response = send_from_directory(STATIC, "admin.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
