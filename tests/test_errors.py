"""Every failure leaves as the JSON envelope with the right status and changes nothing."""
import pytest

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.helpers import ORIGIN
from tests.helpers import PAGE


def assert_error(response, status, code=None):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) <= {"code", "message", "fields"} and error["message"]
    if code:
        assert error["code"] == code
    return error


def post_raw(client, site, data, content_type="application/json"):
    return client.post("/api/comments", query_string={"site": site, "url": PAGE}, data=data,
                       content_type=content_type, headers={"Origin": ORIGIN})


def count_comments(app):
    with app.app_context():
        return db.session.query(Comment).count()


def test_unknown_route_is_json_404(client):
    assert_error(client.get("/api/nothing-here"), 404, "not_found")


def test_wrong_method_is_405(client):
    error = assert_error(client.delete("/api/counts"), 405, "method_not_allowed")
    assert error["message"]


@pytest.mark.parametrize("data, content_type, status", [
    (b"text=hi", "application/x-www-form-urlencoded", 415),
    (b"hi", "text/plain", 415),
    (b"", None, 415),
    (b"{not json", "application/json", 400),
    (b'{"text": "\xff\xfe"}', "application/json", 400),
    (b"[" * 20000 + b"]" * 20000, "application/json", 400),
    (b'["text"]', "application/json", 422),
    (b'"text"', "application/json", 422),
    (b"null", "application/json", 422),
])
def test_bad_bodies(client, site, app, data, content_type, status):
    response = post_raw(client, site, data, content_type)
    assert_error(response, status)
    assert count_comments(app) == 0


def test_lone_surrogate_is_422(client, site, app):
    response = post_raw(client, site, b'{"text": "bad \\ud800 char"}')
    assert "text" in assert_error(response, 422)["fields"]
    assert count_comments(app) == 0


def test_body_over_64_kib_is_413(client, site, app):
    response = post_raw(client, site, b'{"text": "' + b"x" * (65 * 1024) + b'"}')
    assert_error(response, 413, "payload_too_large")
    ten_mb = post_raw(client, site, b"x" * (10 * 1024 * 1024))
    assert_error(ten_mb, 413)
    assert count_comments(app) == 0


@pytest.mark.parametrize("uri", [
    "postgresql://postgres@127.0.0.1:1/unreachable",
    "sqlite:////nonexistent-directory/for/commentsvc.sqlite3",
])
def test_unreachable_database_is_503(uri):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "x",
                      "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}
                      if uri.startswith("postgresql") else {}})
    client = app.test_client()
    assert_error(client.get("/healthz"), 503, "storage_unavailable")
    listing = client.get("/api/comments", query_string={"site": "blog", "url": PAGE})
    assert_error(listing, 503, "storage_unavailable")
    assert listing.headers["Retry-After"]
    posting = client.post("/api/comments", query_string={"site": "blog", "url": PAGE},
                          json={"text": "x"})
    assert_error(posting, 503)


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_security_headers(client, site):
    response = client.get("/api/comments", query_string={"site": site, "url": PAGE})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
