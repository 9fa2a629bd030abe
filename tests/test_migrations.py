"""`db upgrade` from empty works and leaves no difference to the models."""
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import text

from commentsvc import create_app
from commentsvc.extensions import db


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A fresh, empty database of the suite's kind."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"migration_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield database_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_upgrade_from_empty_matches_models(empty_database):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database,
                      "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"sites", "threads", "comments", "votes", "bans", "subscriptions", "outbox",
                "audit_log", "admin_tokens"} <= tables
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
