"""The app factory: environment configuration and the persisted secret key."""
import pytest

from commentsvc import create_app
from commentsvc.config import from_environ


def test_environment_settings_are_read():
    config = from_environ({
        "COMMENTSVC_DATABASE_URL": "postgresql://db/x",
        "COMMENTSVC_RATELIMIT_ENABLED": "0",
        "COMMENTSVC_TRUSTED_PROXIES": "2",
        "COMMENTSVC_RATELIMIT_POST": "1/second",
    })
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://db/x"
    assert config["RATELIMIT_ENABLED"] is False
    assert config["TRUSTED_PROXIES"] == 2
    assert config["RATELIMIT_POST"] == "1/second"
    assert config["PUBLIC_URL"] == "http://127.0.0.1:8080"
    assert "SECRET_KEY" not in config


def test_secret_key_is_generated_once_and_persisted(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMENTSVC_SECRET_KEY", raising=False)
    test_config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"}
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    first = create_app(test_config).config["SECRET_KEY"]
    second = create_app(test_config).config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMENTSVC_SECRET_KEY", raising=False)
    monkeypatch.setenv("COMMENTSVC_ENV", "production")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    with pytest.raises(RuntimeError, match="COMMENTSVC_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
