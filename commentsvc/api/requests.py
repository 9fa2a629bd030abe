"""Checks every API request body passes before any view runs."""
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
