"""Admin import and export of a site's comments (site admin token)."""
import os
import shutil
import tempfile
from contextlib import contextmanager

from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask import stream_with_context
from flask_smorest import Blueprint
from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from ..errors import ApiError
from ..schemas import StrictSchema
from ..services.export import ExportSchema
from ..services.export import iter_export
from ..services.importers import FORMATS
from ..services.importers import import_file
from .admin import documented
from .auth import require_site_admin
from .requests import accepts_any_body

bp = Blueprint("admin_io", __name__, url_prefix="/api/admin",
               description="Import from Disqus, WordPress/wpDiscuz, Isso; full export")

COPY_CHUNK = 1024 * 1024
UPLOAD_TYPES = ("application/xml", "application/json", "application/vnd.sqlite3",
                "application/octet-stream")


class SiteArgsSchema(StrictSchema):
    site = fields.String(required=True, validate=validate.Length(1, 64))


class ImportArgsSchema(SiteArgsSchema):
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    base_url = fields.String(
        validate=validate.Length(1, 2048),
        metadata={"description": "Isso only: base URL of its page paths "
                                 "(default: the site's first origin)"},
    )


class ImportResultSchema(Schema):
    site = fields.String()
    format = fields.String()
    imported = fields.Integer(metadata={"description": "Comments added"})
    skipped = fields.Integer(metadata={"description": "Comments the site had already "
                                                      "(same external id): re-imports"})
    orphans = fields.Integer(metadata={"description": "Replies whose parent is not in the "
                                                      "file, imported top-level"})
    threads = fields.Integer(metadata={"description": "Threads that received comments"})
    threads_created = fields.Integer()
    statuses = fields.Dict(keys=fields.String(), values=fields.Integer())
    warnings = fields.List(fields.String())


@contextmanager
def _uploaded_file():
    """The request body copied to a temporary file (readers stream it; SQLite needs a path).

    :raise ApiError 400: empty body
    :raise 413: body larger than COMMENTSVC_IMPORT_MAX_BYTES
    """
    # Export files are far larger than the 64 KiB other requests may send.
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    handle = tempfile.NamedTemporaryFile(prefix="commentsvc-import-", delete=False)
    try:
        with handle:
            shutil.copyfileobj(request.stream, handle, COPY_CHUNK)
            size = handle.tell()
        if not size:
            raise ApiError(400, "empty_body", "Send the export file as the request body.")
        yield handle.name
    finally:
        os.unlink(handle.name)


@bp.route("/export")
@bp.arguments(SiteArgsSchema(), location="query", error_status_code=400)
@bp.response(200, ExportSchema)
@documented(401, 403)
def export(args):
    """Full export of a site: threads, comments with private fields, aggregated votes.

    Streamed as one JSON document; `POST /api/admin/import?format=commentsvc` reads it back.
    """
    site = require_site_admin(args["site"])
    response = current_app.response_class(stream_with_context(iter_export(site)),
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{site.slug}-export.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/import", methods=["POST"])
@bp.arguments(ImportArgsSchema(), location="query", error_status_code=400)
@bp.doc(requestBody={
    "required": True,
    "description": "The export file itself: Disqus XML, WordPress WXR, an Isso SQLite "
                   "database, or a commentsvc export (JSON).",
    "content": {kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in UPLOAD_TYPES},
})
@bp.response(200, ImportResultSchema)
@documented(400, 401, 403, 413, 422)
@accepts_any_body
def import_comments(args):
    """Import an export file into a site; idempotent (re-imports skip what exists).

    One transaction: any invalid record rolls the whole import back and is named in the
    422 error (`fields.record`). XML with a DTD or entities is refused (422 `unsafe_xml`).
    """
    site = require_site_admin(args["site"])
    with _uploaded_file() as path:
        result = import_file(site, args["format"], path, g.admin_actor, args.get("base_url"))
    return jsonify(result)
