"""Marshmallow schemas of the admin API: query args, request bodies, documented responses."""
from datetime import UTC

from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import post_load
from marshmallow import validate
from marshmallow import validates_schema

from .models import COMMENT_STATUSES
from .models import MODERATION_MODES
from .models import utcnow
from .schemas import ID_RANGE
from .schemas import AuthorSchema
from .schemas import CommentSchema
from .schemas import ErrorSchema
from .schemas import StrictSchema
from .schemas import Text
from .services.urls import InvalidURL
from .services.urls import normalize_url

PURGE_FILTERS = ("comment_ids", "author_email", "ip_of", "url", "since", "until", "status")
MAX_PURGE_IDS = 10000


def _page_url(value):
    try:
        normalize_url(value)
    except InvalidURL as exc:
        raise ValidationError(f"Not a page URL: {exc}.") from exc


def _utc_naive(moment):
    """Stored times are naive UTC; accept any offset (naive input means UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else moment


Slug = fields.String(required=True, validate=validate.Length(1, 64))
PageURL = fields.String(validate=[validate.Length(1, 2048), _page_url])
PageID = fields.String(validate=validate.Length(1, 200))
Status = fields.String(validate=validate.OneOf(COMMENT_STATUSES))
Email = fields.String(validate=[validate.Length(1, 254), validate.Email()])
CommentID = fields.Integer(strict=True, validate=ID_RANGE)
Cursor = fields.String(validate=validate.Length(1, 200))
Moment = fields.AwareDateTime(default_timezone=UTC, allow_none=True)


def _page_size():
    return fields.Integer(load_default=50, validate=validate.Range(1, 100))


class SiteArgsSchema(StrictSchema):
    site = Slug


class AdminCommentArgsSchema(SiteArgsSchema):
    status = Status
    url = PageURL
    page_id = PageID
    q = fields.String(validate=validate.Length(1, 200))
    author_email = fields.String(validate=validate.Length(1, 254))
    ip_of = fields.Integer(validate=ID_RANGE)
    limit = _page_size()
    cursor = Cursor


class DeleteArgsSchema(StrictSchema):
    site = fields.String(validate=validate.Length(1, 64))
    cascade = fields.Boolean(load_default=False)


class PurgeSchema(StrictSchema):
    site = Slug
    comment_ids = fields.List(CommentID, validate=validate.Length(1, MAX_PURGE_IDS))
    author_email = fields.String(validate=validate.Length(1, 254))
    ip_of = CommentID
    url = PageURL
    page_id = PageID
    since = Moment
    until = Moment
    status = Status
    dry_run = fields.Boolean(load_default=False)

    @validates_schema
    def require_a_filter(self, data, **kwargs):
        if not any(data.get(name) is not None for name in PURGE_FILTERS):
            raise ValidationError(
                f"Give at least one filter besides site: {', '.join(PURGE_FILTERS)}."
            )

    @post_load
    def to_utc(self, data, **kwargs):
        for name in ("since", "until"):
            data[name] = _utc_naive(data.get(name))
        return data


class BanCreateSchema(StrictSchema):
    site = Slug
    ip_of = CommentID
    author_email = Email
    reason = Text(single_line=True, allow_none=True, validate=validate.Length(0, 500))
    expires_at = Moment

    @validates_schema
    def check(self, data, **kwargs):
        if not data.get("ip_of") and not data.get("author_email"):
            raise ValidationError("Ban by ip_of (a comment id) or author_email.")
        expires = data.get("expires_at")
        if expires is not None and _utc_naive(expires) <= utcnow():
            raise ValidationError("Must be in the future.", "expires_at")

    @post_load
    def to_utc(self, data, **kwargs):
        data["expires_at"] = _utc_naive(data.get("expires_at"))
        return data


class ThreadArgsSchema(SiteArgsSchema):
    url = fields.String(required=True, validate=[validate.Length(1, 2048), _page_url])
    page_id = PageID


class ThreadPatchSchema(StrictSchema):
    locked = fields.Boolean(truthy={True}, falsy={False})
    title = Text(single_line=True, allow_none=True, validate=validate.Length(0, 300))

    @validates_schema
    def require_a_change(self, data, **kwargs):
        if not data:
            raise ValidationError("Give locked and/or title.")


class SiteSettingsSchema(StrictSchema):
    """Settings of a site; all optional in a PATCH. ``slug`` is read-only."""

    slug = fields.String(dump_only=True)
    name = Text(single_line=True, validate=validate.Length(1, 200))
    origins = fields.List(fields.String(validate=validate.Length(1, 300)),
                          validate=validate.Length(0, 50))
    moderation = fields.String(validate=validate.OneOf(MODERATION_MODES))
    edit_window_seconds = fields.Integer(strict=True, validate=validate.Range(0, 30 * 86400))
    max_depth = fields.Integer(strict=True, validate=validate.Range(0, 20))
    min_elapsed_ms = fields.Integer(strict=True, validate=validate.Range(0, 600000))
    link_limit = fields.Integer(strict=True, validate=validate.Range(0, 100))
    blocked_words = fields.List(
        Text(single_line=True, validate=validate.Length(1, 100)), validate=validate.Length(0, 1000)
    )
    notify_email = fields.String(allow_none=True, validate=[validate.Length(1, 254),
                                                            validate.Email()])
    webhook_urls = fields.List(
        fields.String(validate=[validate.Length(1, 2048),
                                validate.URL(schemes={"http", "https"}, require_tld=False)]),
        validate=validate.Length(0, 10),
    )


class AuditArgsSchema(SiteArgsSchema):
    action = fields.String(validate=validate.Length(1, 50))
    limit = _page_size()
    cursor = Cursor


# Response schemas (documentation of what the admin API returns).


class ErrorEnvelopeSchema(ErrorSchema):
    """Our error envelope, under a name apart from flask-smorest's own "Error"."""


class AdminAuthorSchema(AuthorSchema):
    email = fields.String(allow_none=True)


class AdminThreadRefSchema(StrictSchema):
    url = fields.String()
    title = fields.String(allow_none=True)


class AdminCommentSchema(CommentSchema):
    author = fields.Nested(AdminAuthorSchema)
    author_email = fields.String(allow_none=True, metadata={"description": "Same as author.email"})
    ip_hash = fields.String(allow_none=True, metadata={"description": "Keyed hash of the IP"})
    text = fields.String(metadata={"description": "Markdown source"})
    thread = fields.Nested(AdminThreadRefSchema)


class AdminCommentListSchema(StrictSchema):
    comments = fields.List(fields.Nested(AdminCommentSchema))
    next_cursor = fields.String(allow_none=True)


class PurgeResultSchema(StrictSchema):
    purged = fields.Integer(metadata={"description": "How many comments went (or would go)"})
    ids = fields.List(fields.Integer())
    dry_run = fields.Boolean()


class BanSchema(StrictSchema):
    id = fields.Integer()
    ip_hash = fields.String(allow_none=True)
    author_email = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.String(metadata={"format": "date-time"})
    expires_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    active = fields.Boolean()


class BanListSchema(StrictSchema):
    bans = fields.List(fields.Nested(BanSchema))


class AuditEntrySchema(StrictSchema):
    id = fields.Integer()
    actor = fields.String(metadata={"description": "Name of the admin token, or 'cli'"})
    action = fields.String()
    detail = fields.Dict()
    rows = fields.Integer()
    created_at = fields.String(metadata={"format": "date-time"})


class AuditListSchema(StrictSchema):
    entries = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.String(allow_none=True)
