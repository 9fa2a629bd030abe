"""Email subscriptions and the links clicked from our mail (confirm, unsubscribe, moderate).

The link endpoints answer a small HTML page, or JSON when the client's Accept prefers it.
"""
from flask import current_app
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from flask_smorest import Blueprint
from marshmallow import fields
from marshmallow import validate

from ..errors import ApiError
from ..extensions import limiter
from ..models import SUBSCRIPTION_KINDS
from ..schemas import StrictSchema
from ..services import notifications
from ..services.sites import check_request_origin
from ..services.sites import get_site
from .requests import accepts_any_body

bp = Blueprint("subscriptions", __name__, url_prefix="/api",
               description="Email subscriptions (double opt-in) and links from notification mail")

PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; " \
           "frame-ancestors 'none'"


class SubscribeQuerySchema(StrictSchema):
    site = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "The site slug may also go here, so a browser's CORS preflight "
                       "can be answered; it must match the body's when both are given."})


class SubscribeSchema(StrictSchema):
    site = fields.String(validate=validate.Length(1, 64))
    url = fields.String(required=True, validate=validate.Length(1, 2048))
    page_id = fields.String(validate=validate.Length(1, 200))
    email = fields.String(required=True, validate=[validate.Length(3, 254), validate.Email()])
    kind = fields.String(required=True, validate=validate.OneOf(SUBSCRIPTION_KINDS))
    comment_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1),
                                metadata={"description": "kind replies: replies to this "
                                          "comment only (default: to any of the address's)"})


class SubscribeResultSchema(StrictSchema):
    status = fields.String(metadata={"example": "confirmation_sent"})
    message = fields.String()


class TokenArgsSchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(1, 200))


class LinkResultSchema(StrictSchema):
    status = fields.String()
    message = fields.String()


@bp.route("/subscriptions", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SUBSCRIBE"])
@bp.arguments(SubscribeQuerySchema(), location="query", error_status_code=400)
@bp.arguments(SubscribeSchema())
@bp.response(202, SubscribeResultSchema)
def subscribe(query, data):
    """Ask for mail about new comments (kind thread) or replies (kind replies) on a page.

    A confirmation mail with a single-use link is queued; nothing else is sent until it is
    clicked. The answer is the same whether or not the address was subscribed already.
    """
    slug = data.get("site") or query.get("site")
    if not slug or (query.get("site") and data.get("site") and query["site"] != data["site"]):
        raise ApiError(422, fields={"site": ["Give the site slug (body and query must match)."]})
    site = get_site(slug)
    g.site = site
    check_request_origin(site, request.headers.get("Origin"))
    notifications.request_subscription(site, data["url"], data["email"], data["kind"],
                                       data.get("comment_id"), data.get("page_id"))
    response = jsonify({"status": "confirmation_sent",
                        "message": "Check your inbox for a link to confirm the subscription."})
    response.status_code = 202
    return response


def _wants_json():
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"


def _answer(status_code, body, title, comment=None, form_action=None, button=None):
    """JSON ``body`` or a small HTML page saying the same to a human."""
    if _wants_json():
        response = jsonify(body)
    else:
        response = current_app.response_class(render_template(
            "subscriptions/page.html", title=title, message=body["message"], comment=comment,
            form_action=form_action, button=button), mimetype="text/html")
        response.headers["Content-Security-Policy"] = PAGE_CSP
    response.status_code = status_code
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _error_page(error):
    if _wants_json():
        raise error
    return _answer(error.status, {"status": error.code, "message": error.message},
                   "This link does not work")


@bp.route("/subscriptions/confirm", methods=["GET"])
@bp.arguments(TokenArgsSchema(), location="query", error_status_code=400)
@bp.response(200, LinkResultSchema)
@bp.alt_response(404, description="Unknown or already used link")
@bp.alt_response(410, description="Expired link")
def confirm(args):
    """Confirm a subscription with the token from the confirmation mail (works once)."""
    try:
        sub, thread = notifications.confirm_subscription(args["token"])
    except ApiError as error:
        return _error_page(error)
    what = "replies to your comments" if sub.kind == "replies" else "new comments"
    return _answer(200, {"status": "confirmed", "kind": sub.kind, "url": thread.url,
                         "message": f"You will get mail about {what} on "
                                    f"{thread.title or thread.url}. Every mail has a link to "
                                    "unsubscribe."},
                   "Subscription confirmed")


@bp.route("/subscriptions/unsubscribe", methods=["GET", "POST"])
@bp.arguments(TokenArgsSchema(), location="query", error_status_code=400)
@bp.response(200, LinkResultSchema)
@bp.alt_response(404, description="Not a valid link")
@accepts_any_body
def unsubscribe(args):
    """Unsubscribe with the token of any of our mails; GET from the link, POST from a mail
    client's one-click unsubscribe (RFC 8058, body ``List-Unsubscribe=One-Click``).
    Idempotent."""
    try:
        what = notifications.unsubscribe(args["token"])
    except ApiError as error:
        return _error_page(error)
    return _answer(200, {"status": "unsubscribed",
                         "message": f"You will get no more mail about {what}."},
                   "Unsubscribed")


@bp.route("/moderate", methods=["GET", "POST"])
@bp.arguments(TokenArgsSchema(), location="query", error_status_code=400)
@bp.response(200, LinkResultSchema)
@bp.alt_response(404, description="Not a valid link, or the comment is gone")
@bp.alt_response(409, description="The comment is no longer pending")
@bp.alt_response(410, description="Expired link")
@accepts_any_body
def moderate(args):
    """Approve or mark as spam a pending comment from the site owner's mail.

    GET shows the comment and a button (mail scanners that open links must not moderate);
    POST acts. Links are signed, expire, and only act on a still-pending comment.
    """
    token = args["token"]
    try:
        if request.method == "GET":
            action, comment = notifications.comment_for_moderation_token(token)
            if comment.status != "pending":
                raise ApiError(409, "already_moderated",
                               f"This comment was already moderated (now {comment.status}).")
            label = "Approve" if action == "approve" else "Mark as spam"
            return _answer(200, {"status": "pending", "action": action,
                                 "message": f"{label} this comment?"},
                           f"{label}?", comment=comment, form_action=request.full_path,
                           button=label)
        action, comment = notifications.moderate_by_link(token)
    except ApiError as error:
        return _error_page(error)
    return _answer(200, {"status": comment.status, "action": action,
                         "message": "Approved: the comment is public now."
                         if action == "approve" else "Marked as spam: the comment stays hidden."},
                   "Done")
