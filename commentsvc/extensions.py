"""Extensions, created unbound here and bound to the app in the factory."""
from flask import request
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from .schemas import ErrorSchema


class Base(DeclarativeBase):
    pass


def client_ip():
    """The client's IP; ProxyFix has already applied the trusted proxy count."""
    return request.remote_addr or "unknown"


class CommentsApi(Api):
    """flask-smorest documenting our error envelope instead of its own."""

    ERROR_SCHEMA = ErrorSchema


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=client_ip)
api = CommentsApi()


@limiter.request_filter
def _is_preflight():
    """CORS preflights are answered by the browser's own request; don't count them twice."""
    return request.method == "OPTIONS"
