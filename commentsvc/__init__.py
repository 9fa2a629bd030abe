"""commentsvc: self-hosted comment threads for any web page."""
import logging
import os
import sys
import time

from flask import Flask
from flask import g
from flask import request
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config


def create_app(test_config=None):
    """Build the WSGI app: environment settings, overridden by ``test_config`` when given."""
    app = Flask(__name__, instance_relative_config=True)
    app.json.sort_keys = False
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.update(config.from_environ())
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    config.ensure_secret_key(app.config, app.instance_path)
    configure_database(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    if not app.testing:
        configure_logger(app)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    return app


def configure_database(app):
    """Engine options per backend: SQLite waits for the write lock; PostgreSQL pools."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        uri = uri.replace("postgresql://", "postgresql+psycopg://", 1)
        app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 15})
    else:
        options.setdefault("pool_size", 10)
        options.setdefault("max_overflow", 10)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _sqlite_pragmas(dbapi_connection, _record):
    """WAL lets readers run beside the writer; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def register_extensions(app):
    """Bind the unbound extensions to this app."""
    from .extensions import IdConverter
    from .extensions import api
    from .extensions import db
    from .extensions import id_parameter_schema
    from .extensions import limiter
    from .extensions import migrate

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..",
                                                     "migrations"))
    limiter.init_app(app)
    app.url_map.converters["id"] = IdConverter
    api.init_app(app)
    api.register_converter(IdConverter, id_parameter_schema)


def register_blueprints(app):
    """Mount the API (documented in OpenAPI) and the service pages."""
    from . import web
    from .api import admin
    from .api import admin_io
    from .api import comments
    from .api import feeds
    from .api import meta
    from .api import subscriptions
    from .extensions import api

    api.register_blueprint(comments.bp)
    api.register_blueprint(subscriptions.bp)
    api.register_blueprint(feeds.bp)
    api.register_blueprint(admin.bp)
    api.register_blueprint(admin_io.bp)
    app.register_blueprint(admin.page_bp)
    api.register_blueprint(meta.bp)
    app.register_blueprint(meta.pages)
    app.register_blueprint(web.bp)


def register_errorhandlers(app):
    """Every error, from any layer, leaves as the JSON envelope (after smorest's own)."""
    from . import errors

    errors.init_app(app)


def register_request_hooks(app):
    """Body checks before views; CORS, security headers and the access log after."""
    from .api.cors import add_cors_headers
    from .api.requests import reject_control_characters_in_query
    from .api.requests import require_json_body

    app.before_request(_start_timer)
    app.before_request(reject_control_characters_in_query)
    app.before_request(require_json_body)
    app.after_request(add_cors_headers)
    app.after_request(_security_headers)
    app.after_request(_access_log)


def register_commands(app):
    """Add the ``flask --app wsgi`` command groups."""
    from . import cli

    cli.init_app(app)


def configure_logger(app):
    """Log to stdout, one line per request."""
    logger = logging.getLogger("commentsvc")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _start_timer():
    g.started = time.perf_counter()


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.path.startswith("/api/") or request.path == "/healthz":
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"
        )
    return response


def _access_log(response):
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    logging.getLogger("commentsvc.access").info(
        "%s %s %s %d %.1fms",
        request.remote_addr, request.method, request.path,
        response.status_code, elapsed_ms,
    )
    return response
