"""Extensions, created unbound here and bound to the app in the factory."""
from flask import request
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from werkzeug.routing import IntegerConverter

from .schemas import MAX_ID
from .schemas import ErrorSchema


class Base(DeclarativeBase):
    pass


def client_ip():
    """The client's IP; ProxyFix has already applied the trusted proxy count."""
    return request.remote_addr or "unknown"


class CommentsApi(Api):
    """flask-smorest documenting our error envelope instead of its own."""

    ERROR_SCHEMA = ErrorSchema


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id, 1..2**31-1; anything else can't match a row, so it is a 404."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def id_parameter_schema(converter):
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=client_ip)
api = CommentsApi()


@limiter.request_filter
def _is_preflight():
    """CORS preflights are answered by the browser's own request; don't count them twice."""
    return request.method == "OPTIONS"
