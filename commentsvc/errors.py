"""One JSON error envelope for every failure: {"error": {"code", "message", "fields"?}}."""
import logging

from flask import jsonify
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from .extensions import db

log = logging.getLogger(__name__)

# Default machine-readable codes by status, when the raiser gave none.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "storage_unavailable",
}


class ApiError(Exception):
    """A failure a service reports to the client.

    :param status: HTTP status code
    :param code: stable machine-readable code (``thread_locked``, ``own_comment``...)
    :param message: human sentence
    :param fields: per-field messages for validation errors
    """

    def __init__(self, status, code=None, message=None, fields=None):
        super().__init__(message or code)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message or HTTP_STATUS_CODES.get(status, "Error")
        self.fields = fields


def error_response(status, code=None, message=None, fields=None, headers=None):
    body = {
        "code": code or STATUS_CODES.get(status, "error"),
        "message": message or HTTP_STATUS_CODES.get(status, "Error"),
    }
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_webargs(messages):
    """webargs nests messages by location ({"json": {...}}); clients want fields only."""
    fields = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            fields.update(location_messages)
    return fields


def handle_api_error(error):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.fields)


def handle_http_exception(error):
    db.session.rollback()
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    fields = _flatten_webargs(data.get("messages", {})) or None
    message = error.description if status != 422 else "Validation failed."
    if status == 400 and fields:
        message = "Invalid parameters."
    headers = dict(error.get_response().headers) if status in (405, 429) else {}
    headers.pop("Content-Type", None)
    headers.pop("Content-Length", None)
    return error_response(status, message=message, fields=fields, headers=headers)


def handle_database_error(error):
    """A database that is down or locked is an outage (503), never a 500 or a half-write."""
    db.session.rollback()
    log.warning("database unavailable: %s", error)
    return error_response(503, message="Storage is unavailable, please retry shortly.",
                          headers={"Retry-After": "5"})


def handle_unexpected(error):
    db.session.rollback()
    log.exception("unhandled error")
    return error_response(500, message="Internal error.")


def init_app(app):
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(DBAPIError, _dbapi_error)
    app.register_error_handler(Exception, handle_unexpected)


def _dbapi_error(error):
    """Connection-level DBAPI errors mean the database is unreachable."""
    if error.connection_invalidated:
        return handle_database_error(error)
    return handle_unexpected(error)
