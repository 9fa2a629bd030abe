"""Marshmallow schemas at the edge: query args, request bodies, and documented responses."""
import re

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import pre_load
from marshmallow import validate

SORTS = ("oldest", "newest", "votes")
# Ids are 32-bit integer columns on PostgreSQL; anything larger can't exist.
MAX_ID = 2**31 - 1
ID_RANGE = validate.Range(1, MAX_ID)
# Bidi overrides and isolates let a name display as something else; zero-width joins too.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters that never belong in a link a reader clicks (quotes break attributes).
_URL_UNSAFE = re.compile(r"[\s\"'<>\\`]")


def _fail(message):
    raise ValidationError(message)


class Text(fields.String):
    """A string without NUL/control characters or lone surrogates (they can't be stored)."""

    def __init__(self, *args, single_line=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.single_line = single_line

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if _SURROGATE.search(value):
            raise ValidationError("Contains invalid Unicode (lone surrogate).")
        if _CONTROL.search(value) or (self.single_line and ("\n" in value or "\r" in value)):
            raise ValidationError("Contains control characters.")
        if self.single_line:
            value = _INVISIBLE.sub("", value).strip()
        return value


class OptionalText(Text):
    """Optional single-line text where an empty string means "not given"."""

    def __init__(self, **kwargs):
        super().__init__(single_line=True, allow_none=True, load_default=None, **kwargs)

    def deserialize(self, value, *args, **kwargs):
        if isinstance(value, str) and not _INVISIBLE.sub("", value).strip():
            value = None
        return super().deserialize(value, *args, **kwargs)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ThreadArgsSchema(StrictSchema):
    site = fields.String(required=True, validate=validate.Length(1, 64))
    url = fields.String(required=True, validate=validate.Length(1, 2048))
    page_id = fields.String(validate=validate.Length(1, 200))


class ListArgsSchema(ThreadArgsSchema):
    sort = fields.String(load_default="oldest", validate=validate.OneOf(SORTS))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String(validate=validate.Length(1, 200))
    inline = fields.String(validate=validate.OneOf(("only", "exclude")))


class AnchorSchema(StrictSchema):
    """W3C TextQuoteSelector of an inline-feedback passage."""

    exact = Text(required=True, validate=validate.Length(1, 500))
    prefix = Text(load_default="", validate=validate.Length(0, 64))
    suffix = Text(load_default="", validate=validate.Length(0, 64))


class CommentCreateSchema(StrictSchema):
    text = Text(required=True, validate=validate.Length(1, 10000))
    author_name = OptionalText(validate=validate.Length(0, 100))
    author_email = OptionalText(validate=[validate.Length(0, 254), validate.Email()])
    author_website = OptionalText(
        validate=[
            validate.Length(0, 254),
            validate.URL(schemes={"http", "https"}),
            lambda url: _URL_UNSAFE.search(url) is None or _fail("Not a valid URL."),
        ]
    )
    parent_id = fields.Integer(strict=True, allow_none=True, validate=ID_RANGE)
    anchor = fields.Nested(AnchorSchema, allow_none=True)
    title = OptionalText(validate=validate.Length(0, 300))
    notify = fields.String(allow_none=True, validate=validate.OneOf(("thread", "replies")))
    hp = fields.String(allow_none=True, validate=validate.Length(0, 1000))
    elapsed_ms = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0))

    @pre_load
    def strip_text(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            data = {**data, "text": data["text"].strip()}
        return data


class CommentEditSchema(StrictSchema):
    text = Text(required=True, validate=validate.Length(1, 10000))

    strip_text = CommentCreateSchema.strip_text


class VoteSchema(StrictSchema):
    value = fields.Integer(required=True, strict=True, validate=validate.OneOf((1, -1, 0)))


class CountArgsSchema(StrictSchema):
    site = fields.String(required=True, validate=validate.Length(1, 64))
    url = fields.List(
        fields.String(validate=validate.Length(1, 2048)),
        required=True,
        validate=validate.Length(1, 100),
    )


# Response schemas (documentation of what the service returns).


class AuthorSchema(Schema):
    name = fields.String()
    website = fields.String(allow_none=True)
    avatar = fields.String(metadata={"description": "Path of a locally generated identicon"})


class VotesSchema(Schema):
    up = fields.Integer()
    down = fields.Integer()
    score = fields.Integer()


class CommentSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    author = fields.Nested(AuthorSchema)
    html = fields.String(metadata={"description": "Sanitized HTML rendered from markdown"})
    created_at = fields.String(metadata={"format": "date-time"})
    edited_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    status = fields.String(validate=validate.OneOf(("approved", "pending", "spam", "deleted")))
    votes = fields.Nested(VotesSchema)
    anchor = fields.Nested(AnchorSchema, allow_none=True)
    replies = fields.List(fields.Nested(lambda: CommentSchema()))
    reply_count = fields.Integer()


class ThreadSchema(Schema):
    url = fields.String()
    title = fields.String(allow_none=True)
    count = fields.Integer()
    locked = fields.Boolean()


class CommentListSchema(Schema):
    thread = fields.Nested(ThreadSchema)
    comments = fields.List(fields.Nested(CommentSchema))
    next_cursor = fields.String(allow_none=True)


class CreatedCommentSchema(Schema):
    comment = fields.Nested(CommentSchema)
    edit_token = fields.String()
    edit_until = fields.String(metadata={"format": "date-time"})


class VoteResultSchema(VotesSchema):
    my_vote = fields.Integer()


class CountsSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class ErrorBodySchema(Schema):
    code = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema)
