"""Per-site CORS: allowed origins only, no credentials, preflight answered."""
import pytest

from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.helpers import ORIGIN
from tests.helpers import PAGE


def preflight(client, path, origin, method="POST"):
    return client.options(path, headers={
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type, x-voter-token",
    })


def test_preflight_for_allowed_origin(client, site):
    response = preflight(client, f"/api/comments?site={site}&url={PAGE}", ORIGIN)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    for header in ("content-type", "x-voter-token", "x-edit-token"):
        assert header in allowed
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_preflight_for_comment_paths_resolves_the_site(client, reader):
    comment_id = reader.comment("x")["comment"]["id"]
    response = preflight(client, f"/api/comments/{comment_id}/vote", ORIGIN, "PUT")
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    response = preflight(client, f"/api/comments/{comment_id}/vote", "https://evil.test", "PUT")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_localhost_wildcard_port(client, site):
    response = preflight(client, f"/api/comments?site={site}&url={PAGE}", "http://localhost:5173")
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    response = preflight(client, f"/api/comments?site={site}&url={PAGE}",
                         "http://localhost.evil.test:80")
    assert response.status_code == 403


@pytest.mark.parametrize("origin", ["https://evil.example.com", "null",
                                    "https://blog.example.org.evil.test",
                                    "http://blog.example.org"])
def test_disallowed_origin_is_403_and_stores_nothing(client, site, app, origin):
    response = client.post("/api/comments", query_string={"site": site, "url": PAGE},
                           json={"text": "forged"}, headers={"Origin": origin})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    with app.app_context():
        assert db.session.query(Comment).count() == 0
    read = client.get("/api/comments", query_string={"site": site, "url": PAGE},
                      headers={"Origin": origin})
    assert read.status_code == 403


def test_cross_site_vote_is_refused(client, reader, app):
    comment_id = reader.comment("x")["comment"]["id"]
    response = client.put(f"/api/comments/{comment_id}/vote", json={"value": 1},
                          headers={"Origin": "https://evil.example.com",
                                   "X-Voter-Token": "forged-voter-token-01"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Comment, comment_id).up == 0


def test_origin_of_other_site_is_not_enough(client, make_site, app):
    make_site("blog")
    make_site("other", origins=("https://other.example.net",))
    response = client.post("/api/comments", query_string={"site": "blog", "url": PAGE},
                           json={"text": "x"}, headers={"Origin": "https://other.example.net"})
    assert response.status_code == 403


def test_error_responses_carry_cors_headers_so_the_embed_can_read_them(reader):
    response = reader.post("")
    assert response.status_code == 422
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_requests_without_origin_are_not_browsers(client, site):
    """curl and importers send no Origin; the page URL is still checked."""
    ok = client.post("/api/comments", query_string={"site": site, "url": PAGE},
                     json={"text": "from a script"})
    assert ok.status_code == 201
    assert "Access-Control-Allow-Origin" not in ok.headers
    other = client.post("/api/comments", query_string={"site": site,
                                                        "url": "https://evil.test/p"},
                        json={"text": "x"})
    assert other.status_code == 403
