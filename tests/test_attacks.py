"""Attack suite: each hostile request gets the right status and error shape, and the
database is byte-for-byte unchanged afterwards."""
import pytest

from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.helpers import Reader
from tests.helpers import active_content
from tests.helpers import snapshot

OTHER_ORIGIN = "https://other.example.net"


@pytest.fixture
def world(app, client, make_site):
    """Two sites with a thread each, a comment, a reply and a vote, then a snapshot."""
    make_site("blog")
    make_site("other", origins=(OTHER_ORIGIN,))
    blog = Reader(client, "blog")
    top = blog.comment("top", author_email="ann@example.org")
    reply = blog.comment("reply", parent_id=top["comment"]["id"])
    other_thread = blog.comment("elsewhere", url=f"{ORIGIN}/another-page")
    other = Reader(client, "other")
    foreign = client.post("/api/comments", query_string={"site": "other",
                                                         "url": f"{OTHER_ORIGIN}/p"},
                          json={"text": "other site"}, headers={"Origin": OTHER_ORIGIN})
    blog.vote(top["comment"]["id"], 1, voter="a-different-voter-token-1")
    return {
        "blog": blog, "other": other, "top": top, "reply": reply,
        "other_thread": other_thread, "foreign": foreign.get_json(),
        "before": snapshot(app),
    }


def assert_refused(response, status, app, world, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["code"]
    if code:
        assert error["code"] == code
    assert snapshot(app) == world["before"]


def post(client, body, site="blog", url=PAGE, origin=ORIGIN, headers=None):
    headers = {**({"Origin": origin} if origin else {}), **(headers or {})}
    return client.post("/api/comments", query_string={"site": site, "url": url}, json=body,
                       headers=headers)


# Content-type and body shape


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "multipart/form-data", "text/plain"])
@pytest.mark.parametrize("method, path", [
    ("post", "/api/comments?site=blog&url=" + PAGE),
    ("put", "/api/comments/1/vote"),
    ("patch", "/api/comments/1"),
])
def test_unsafe_methods_with_form_or_text_bodies_are_415(client, app, world, method, path,
                                                         content_type):
    response = getattr(client, method)(path, data="text=hi&value=1", content_type=content_type,
                                       headers={"Origin": ORIGIN,
                                                "X-Voter-Token": "x" * 20})
    assert_refused(response, 415, app, world)


@pytest.mark.parametrize("raw, status", [
    (b"[" * 10000 + b"]" * 10000, 400),
    (b'{"text": ' * 5000 + b"1" + b"}" * 5000, 400),
    (b"\xc3\x28", 400),
    (b'["text", "hi"]', 422),
    (b"42", 422),
])
def test_malformed_and_non_object_json(client, app, world, raw, status):
    response = client.post("/api/comments", query_string={"site": "blog", "url": PAGE},
                           data=raw, content_type="application/json",
                           headers={"Origin": ORIGIN})
    assert_refused(response, status, app, world)


def test_ten_megabyte_body_is_413(client, app, world):
    body = b'{"text": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    response = client.post("/api/comments", query_string={"site": "blog", "url": PAGE},
                           data=body, content_type="application/json",
                           headers={"Origin": ORIGIN})
    assert_refused(response, 413, app, world, "payload_too_large")


@pytest.mark.parametrize("body, field", [
    ({"text": "nul \x00 byte"}, "text"),
    ({"text": "ok", "author_name": "nul\x00"}, "author_name"),
    ({"text": "ok", "author_name": "line\r\nBcc: victim@example.org"}, "author_name"),
    ({"text": "ok", "title": "Subject\r\nBcc: x@example.org"}, "title"),
    ({"text": "ok", "author_email": "a@example.org\r\nBcc: x@example.org"}, "author_email"),
    ({"text": "lone \ud800 surrogate"}, "text"),
    ({"text": "ok", "id": 5}, "id"),
    ({"text": "ok", "status": "approved"}, "status"),
    ({"text": "ok", "up": 1000}, "up"),
    ({"text": "ok", "created_at": "2001-01-01T00:00:00Z"}, "created_at"),
    ({"text": "ok", "ip_hash": "x"}, "ip_hash"),
    ({"text": "ok", "author_website": 'https://x.org/"><script>alert(1)</script>'},
     "author_website"),
    ({"text": "ok", "author_website": "javascript:alert(1)"}, "author_website"),
    ({"text": "ok", "author_website": "data:text/html,<script>alert(1)</script>"},
     "author_website"),
    ({"text": "ok", "elapsed_ms": -1}, "elapsed_ms"),
    ({"text": "ok", "anchor": {"exact": "x", "prefix": "p" * 65}}, "anchor"),
    ({"text": "ok", "anchor": {"exact": "x", "script": "y"}}, "anchor"),
])
def test_invalid_and_server_owned_fields_are_422(client, app, world, body, field):
    response = post(client, body)
    assert_refused(response, 422, app, world, "validation_error")
    assert field in response.get_json()["error"]["fields"]


def test_bidi_overrides_are_stripped_from_names(world):
    created = world["blog"].comment("ok", author_name="\u202eevil\u202c name")
    assert created["comment"]["author"]["name"] == "evil name"


# Origins and proxies


@pytest.mark.parametrize("origin", ["https://evil.example.com", "null", OTHER_ORIGIN,
                                    "https://blog.example.org:8443"])
def test_foreign_origins_cannot_write(client, app, world, origin):
    top_id = world["top"]["comment"]["id"]
    assert_refused(post(client, {"text": "x"}, origin=origin), 403, app, world,
                   "origin_not_allowed")
    vote = client.put(f"/api/comments/{top_id}/vote", json={"value": -1},
                      headers={"Origin": origin, "X-Voter-Token": "evil-voter-token-0001"})
    assert_refused(vote, 403, app, world, "origin_not_allowed")
    edit = client.patch(f"/api/comments/{top_id}", json={"text": "defaced"},
                        headers={"Origin": origin, "X-Edit-Token": world["top"]["edit_token"]})
    assert_refused(edit, 403, app, world, "origin_not_allowed")


def test_page_of_another_site_cannot_be_used(client, app, world):
    response = post(client, {"text": "x"}, url=f"{OTHER_ORIGIN}/p", origin=None)
    assert_refused(response, 403, app, world)


def test_forged_forwarded_for_changes_no_identity(client, app, world):
    """Without trusted proxies, X-Forwarded-For is ignored: same IP hash for both posts."""
    from sqlalchemy import select

    from commentsvc.extensions import db
    from commentsvc.models import Comment

    first = post(client, {"text": "one"}, headers={"X-Forwarded-For": "203.0.113.1"})
    second = post(client, {"text": "two"}, headers={"X-Forwarded-For": "203.0.113.2"})
    with app.app_context():
        hashes = db.session.scalars(select(Comment.ip_hash).where(Comment.id.in_(
            [first.get_json()["comment"]["id"], second.get_json()["comment"]["id"]]))).all()
    assert len(set(hashes)) == 1
    assert "203.0.113" not in hashes[0] and len(hashes[0]) == 64


# Votes


def test_double_vote_counts_once(world):
    top_id = world["top"]["comment"]["id"]
    voter = "another-voter-token-77"
    results = [world["blog"].vote(top_id, 1, voter=voter).get_json() for _ in range(3)]
    assert results[-1]["up"] == 2  # the fixture's vote plus this voter's one


def test_vote_on_own_comment(client, app, world):
    top_id = world["top"]["comment"]["id"]
    assert_refused(world["blog"].vote(top_id, 1), 403, app, world, "own_comment")


# Ids that don't exist or belong elsewhere


def test_parent_in_another_thread_is_rejected(client, app, world):
    response = post(client, {"text": "x", "parent_id": world["other_thread"]["comment"]["id"]})
    assert_refused(response, 422, app, world)


def test_parent_of_another_site_is_rejected(client, app, world):
    response = post(client, {"text": "x", "parent_id": world["foreign"]["comment"]["id"]})
    assert_refused(response, 422, app, world)


@pytest.mark.parametrize("comment_id", [0, 99999999])
def test_unknown_ids_are_404(client, app, world, comment_id):
    vote = client.put(f"/api/comments/{comment_id}/vote", json={"value": 1},
                      headers={"Origin": ORIGIN, "X-Voter-Token": "v" * 20})
    assert_refused(vote, 404, app, world)
    edit = client.patch(f"/api/comments/{comment_id}", json={"text": "x"},
                        headers={"Origin": ORIGIN, "X-Edit-Token": "t" * 20})
    assert_refused(edit, 404, app, world)


def test_edit_token_of_another_comment_is_403(client, app, world):
    response = client.patch(f"/api/comments/{world['top']['comment']['id']}",
                            json={"text": "hijacked"},
                            headers={"Origin": ORIGIN,
                                     "X-Edit-Token": world["reply"]["edit_token"]})
    assert_refused(response, 403, app, world, "invalid_edit_token")


def test_edit_cannot_smuggle_script(client, world):
    response = client.patch(f"/api/comments/{world['top']['comment']['id']}",
                            json={"text": "<script>alert(1)</script>[x](javascript:alert(1))"},
                            headers={"Origin": ORIGIN, "X-Edit-Token": world["top"]["edit_token"]})
    assert response.status_code == 200
    assert active_content(response.get_json()["html"]) == []


@pytest.mark.parametrize("params", [{"limit": -1}, {"limit": 0}, {"limit": 101},
                                    {"limit": 10**12}, {"limit": "1e3"}])
def test_limit_out_of_range_is_400(client, world, params):
    response = client.get("/api/comments",
                          query_string={"site": "blog", "url": PAGE, **params})
    assert response.status_code == 400
    assert "limit" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("path", ["/api/comments", "/api/counts"])
@pytest.mark.parametrize("name, value", [("page_id", "a\x00b"), ("url", PAGE + "\x00"),
                                         ("site", "blog\x01"), ("page_id", "line\nbreak")])
def test_control_characters_in_query_are_400(client, app, world, path, name, value):
    query = {"site": "blog", "url": PAGE, name: value}
    response = client.get(path, query_string=query, headers={"Origin": ORIGIN})
    assert_refused(response, 400, app, world)
    assert name in response.get_json()["error"]["fields"]
    posted = client.post("/api/comments", query_string=query, json={"text": "x"},
                         headers={"Origin": ORIGIN})
    assert_refused(posted, 400, app, world)


@pytest.mark.parametrize("param", ["token", "access_token", "authorization"])
def test_admin_token_in_the_query_string_is_refused(client, app, make_site, param):
    _, token = make_site("tokensite")
    before = snapshot(app)
    listing = client.get("/api/admin/comments", query_string={"site": "tokensite", param: token})
    assert listing.status_code == 401
    purge = client.post("/api/admin/purge", query_string={param: token},
                        json={"site": "tokensite", "status": "approved"})
    assert purge.status_code == 401
    assert purge.get_json()["error"]["code"] == "unauthorized"
    assert snapshot(app) == before


def test_api_and_asset_security_headers(client, site):
    api = client.get("/api/comments", query_string={"site": site, "url": PAGE})
    assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    for asset in ("/embed.js", "/count.js"):
        response = client.get(asset)
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
