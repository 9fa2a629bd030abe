"""Shared fixtures: a real database (SQLite file, or PostgreSQL from
COMMENTSVC_TEST_DATABASE_URL), the app, clients, sites and a live HTTP server."""
import os
import threading

import pytest
from hypothesis import settings
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.services.sites import create_site

from tests.helpers import ORIGIN
from tests.helpers import Reader


pytest_plugins = ["tests.mail", "tests.moderation"]

# CI explores the same examples every run: a property failure there is reproducible, and a
# rare input found while developing is kept in the local example database instead.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    """Tests for the other database backend are deselected (not skipped): CI runs the
    suite once per backend, so each of them runs in one of the two passes."""
    url = os.environ.get("COMMENTSVC_TEST_DATABASE_URL", "")
    other_backend = "sqlite_only" if url.startswith("postgresql") else "postgres_only"
    deselected = [item for item in items if item.get_closest_marker(other_backend)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other_backend)]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("COMMENTSVC_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def base_config(database_url, tmp_path_factory):
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_URL": "http://comments.test",
    }


@pytest.fixture(scope="session")
def _schema(base_config):
    """Migrate the test database once per session (also proves the migration runs)."""
    app = create_app(base_config)
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
    yield


def _empty_tables():
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def app_config(base_config):
    """Per-test overrides: update this dict before the app fixture is created."""
    return dict(base_config)


@pytest.fixture
def app(_schema, app_config):
    app = create_app(app_config)
    with app.app_context():
        _empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_site(app):
    """Create a site; returns (slug, admin token)."""

    def make(slug="blog", origins=(ORIGIN, "http://localhost:*"), **settings):
        with app.app_context():
            site, token = create_site(slug, list(origins))
            for name, value in settings.items():
                setattr(site, name, value)
            db.session.commit()
        return slug, token

    return make


@pytest.fixture
def site(make_site):
    return make_site()[0]


@pytest.fixture
def reader(client, site):
    return Reader(client, site)


@pytest.fixture
def live_server(app):
    """The app behind a real threaded HTTP server on a free local port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
