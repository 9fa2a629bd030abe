"""Checks every API request passes before any view runs."""
import json

from flask import current_app
from flask import request

from ..errors import ApiError

BODY_METHODS = {"POST", "PUT", "PATCH"}


def accepts_any_body(view):
    """Mark a view that takes a non-JSON body (file uploads)."""
    view.accepts_any_body = True
    return view


def require_json_body():
    """before_request: writes carry a JSON object or nothing; anything else is 415 / 400."""
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "accepts_any_body", False):
        return
    if request.mimetype != "application/json":
        raise ApiError(415, message="Send the request body as application/json.")
    try:
        json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from exc


def _has_control_characters(value):
    return any(ord(char) < 32 or ord(char) == 127 for char in value)


def reject_control_characters_in_query():
    """before_request: NUL and other control characters never belong in a query parameter,
    and PostgreSQL can't even compare text containing NUL (it would be a 500)."""
    if not request.path.startswith("/api/"):
        return
    bad = {
        name: ["Contains control characters."]
        for name, value in request.args.items(multi=True)
        if _has_control_characters(name) or _has_control_characters(value)
    }
    if bad:
        raise ApiError(400, "bad_request", "Invalid parameters.", bad)
