"""Public comment API: list, post, edit, delete, vote, counts."""
import hashlib

from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from ..errors import ApiError
from ..extensions import db
from ..extensions import limiter
from ..models import Site
from ..models import Thread
from ..schemas import CommentCreateSchema
from ..schemas import CommentEditSchema
from ..schemas import CommentListSchema
from ..schemas import CommentSchema
from ..schemas import CountArgsSchema
from ..schemas import CountsSchema
from ..schemas import CreatedCommentSchema
from ..schemas import ListArgsSchema
from ..schemas import ThreadArgsSchema
from ..schemas import VoteResultSchema
from ..schemas import VoteSchema
from ..services import comments as comment_service
from ..services import counts as count_service
from ..services.sites import check_request_origin
from ..services.sites import get_site
from ..services.votes import cast_vote

bp = Blueprint("comments", __name__, url_prefix="/api", description="Public comment threads")


def _limit(name):
    return lambda: current_app.config[f"RATELIMIT_{name}"]


def _site_for_request(slug, lookup=get_site):
    """The addressed site, after the browser's Origin was checked against it.

    The read endpoints look up ``comment_service.site_for_reading``: a row of the id and
    origins, all they need, instead of the whole ORM object.
    """
    site = lookup(slug)
    g.site = site
    check_request_origin(site, request.headers.get("Origin"))
    return site


def _comment_for_request(comment_id):
    """(comment, thread, site) for the per-comment endpoints, Origin checked."""
    comment = comment_service.get_public_comment(comment_id)
    site = db.session.get(Site, comment.site_id)
    g.site = site
    check_request_origin(site, request.headers.get("Origin"))
    return comment, db.session.get(Thread, comment.thread_id), site


@bp.route("/comments")
class Comments(MethodView):
    @limiter.limit(_limit("READ"))
    @bp.arguments(ListArgsSchema(), location="query", error_status_code=400, as_kwargs=True)
    @bp.response(200, CommentListSchema)
    @bp.alt_response(304, description="Not modified (If-None-Match matched the ETag)")
    def get(self, site, url, page_id=None, sort="oldest", limit=20, cursor=None, inline=None):
        """One page of a thread: top-level comments in the chosen order, replies nested.

        Supports ETag / If-None-Match.
        """
        site = _site_for_request(site, comment_service.site_for_reading)
        thread = comment_service.thread_for_reading(site, url, page_id)
        version = f"{thread.id}.{thread.version}" if thread else "0"
        variant = hashlib.blake2s(request.query_string, digest_size=8).hexdigest()
        etag = f"{version}.{variant}"
        if request.if_none_match.contains_weak(etag):
            response = current_app.response_class(status=304)
        else:
            body = comment_service.list_comments(thread, url, sort, limit, cursor, inline)
            response = jsonify(body)
        response.set_etag(etag, weak=True)
        response.headers["Cache-Control"] = "no-cache"
        return response

    @limiter.limit(_limit("POST"))
    @bp.arguments(ThreadArgsSchema(), location="query", error_status_code=400)
    @bp.arguments(CommentCreateSchema())
    @bp.response(201, CreatedCommentSchema)
    def post(self, query, data):
        """Post a comment or a reply as a guest."""
        site = _site_for_request(query["site"])
        comment, edit_token, edit_until = comment_service.create_comment(
            site,
            query["url"],
            data,
            ip=request.remote_addr,
            voter_token=request.headers.get("X-Voter-Token"),
            page_id=query.get("page_id"),
        )
        view = comment_service.public_view(comment)
        if comment.status == "spam":
            view["status"] = "approved"  # the honeypot caught it: don't tell the bot
        response = jsonify({
            "comment": view,
            "edit_token": edit_token,
            "edit_until": comment_service.isoformat(edit_until),
        })
        response.status_code = 201
        return response


@bp.route("/comments/<id:comment_id>")
class CommentItem(MethodView):
    @bp.arguments(CommentEditSchema())
    @bp.response(200, CommentSchema)
    def patch(self, data, comment_id):
        """Edit one's own comment (header X-Edit-Token) inside the edit window."""
        comment, thread, site = _comment_for_request(comment_id)
        comment_service.edit_comment(
            comment, site, thread, request.headers.get("X-Edit-Token"), data["text"]
        )
        return jsonify(comment_service.public_view(comment))

    @bp.response(204)
    def delete(self, comment_id):
        """Delete one's own comment (header X-Edit-Token) inside the edit window."""
        comment, thread, site = _comment_for_request(comment_id)
        comment_service.delete_own_comment(
            comment, site, thread, request.headers.get("X-Edit-Token")
        )
        return current_app.response_class(status=204)


@bp.route("/comments/<id:comment_id>/vote", methods=["PUT"])
@limiter.limit(_limit("VOTE"))
@bp.arguments(VoteSchema())
@bp.response(200, VoteResultSchema)
def vote(data, comment_id):
    """Vote +1 / -1, or 0 to withdraw (header X-Voter-Token). Idempotent."""
    comment, thread, _ = _comment_for_request(comment_id)
    if comment.status != "approved":
        raise ApiError(404, "comment_not_found", "No such comment.")
    return jsonify(cast_vote(comment, thread, request.headers.get("X-Voter-Token"),
                             data["value"]))


@bp.route("/counts")
@limiter.limit(_limit("READ"))
@bp.arguments(CountArgsSchema(), location="query", error_status_code=400)
@bp.response(200, CountsSchema)
def counts(args):
    """Comment counts of up to 100 pages in one request, keyed by the URLs as given."""
    site = _site_for_request(args["site"], comment_service.site_for_reading)
    return jsonify({"counts": count_service.count_pages(site, args["url"])})
