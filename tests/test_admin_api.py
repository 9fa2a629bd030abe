"""Admin API: every endpoint's success and failure paths, and what the public sees after."""
from datetime import timedelta

import pytest

from commentsvc.extensions import db
from commentsvc.models import Ban
from commentsvc.models import utcnow
from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.moderation import PAGE2
from tests.moderation import Admin
from tests.moderation import World
from tests.moderation import SPAMMER_IP

# Authentication and the site boundary, for every endpoint.

ENDPOINTS = {
    "list": ("GET", "/api/admin/comments", {"site": "blog"}, None, 403),
    "approve": ("POST", "/api/admin/comments/{cid}/approve", None, None, 404),
    "spam": ("POST", "/api/admin/comments/{cid}/spam", None, None, 404),
    "delete": ("DELETE", "/api/admin/comments/{cid}", None, None, 404),
    "delete_cascade": ("DELETE", "/api/admin/comments/{cid}", {"cascade": "1"}, None, 404),
    "purge": ("POST", "/api/admin/purge", None, {"site": "blog", "author_email": "a@x.org"}, 403),
    "ban": ("POST", "/api/admin/bans", None, {"site": "blog", "ip_of": "{cid}"}, 403),
    "bans": ("GET", "/api/admin/bans", {"site": "blog"}, None, 403),
    "lift": ("DELETE", "/api/admin/bans/{ban}", None, None, 404),
    "thread": ("PATCH", "/api/admin/threads", {"site": "blog", "url": PAGE}, {"locked": True},
               403),
    "settings": ("GET", "/api/admin/sites/blog", None, None, 403),
    "settings_patch": ("PATCH", "/api/admin/sites/blog", None, {"moderation": "all"}, 403),
    "audit": ("GET", "/api/admin/audit", {"site": "blog"}, None, 403),
}


@pytest.fixture
def target(world, admin):
    """A comment of blog (approved, with email) and a ban of blog."""
    cid = world.post("Target", author_email="a@x.org")
    ban = admin.request("POST", "/api/admin/bans",
                        body={"site": "blog", "author_email": "z@x.org"}).get_json()["id"]
    return {"cid": cid, "ban": ban}


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if value == "{cid}":
        return ids["cid"]
    return value.format(**ids) if isinstance(value, str) else value


def _call(admin, name, ids, headers=None):
    method, path, query, body, _ = ENDPOINTS[name]
    return admin.request(method, _fill(path, ids), _fill(query, ids), _fill(body, ids), headers)


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic YTpi", "Bearer "])
def test_every_endpoint_needs_a_valid_token(client, world, target, name, authorization):
    before = world.snapshot()
    anonymous = Admin(client, "blog", "x")
    anonymous.headers = {"Authorization": authorization} if authorization else {}
    response = _call(anonymous, name, target)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert world.snapshot() == before


@pytest.mark.parametrize("name", ENDPOINTS)
def test_another_sites_token_reaches_nothing(world, target, intruder, name):
    before = world.snapshot()
    response = _call(intruder, name, target)
    assert response.status_code == ENDPOINTS[name][4], response.get_json()
    assert set(response.get_json()["error"]) >= {"code", "message"}
    assert world.snapshot() == before
    assert world.visible_ids() == [target["cid"]]


def test_revoked_token_is_refused(app, world, admin, target):
    from commentsvc.services.sites import get_site
    from commentsvc.services.sites import rotate_token

    with app.app_context():
        new = rotate_token(get_site("blog"))
    assert admin.request("GET", "/api/admin/comments", {"site": "blog"}).status_code == 401
    admin.headers = {"Authorization": f"Bearer {new}"}
    assert admin.comments()["comments"][0]["id"] == target["cid"]


@pytest.mark.parametrize("unknown", [999999, 2**40])
def test_unknown_ids_are_404(admin, target, unknown):
    for method, path in [("POST", "/api/admin/comments/{}/approve"),
                         ("POST", "/api/admin/comments/{}/spam"),
                         ("DELETE", "/api/admin/comments/{}"),
                         ("DELETE", "/api/admin/bans/{}")]:
        response = admin.request(method, path.format(unknown))
        assert response.status_code == 404, (method, path)


def test_ids_beyond_the_column_range_are_invalid(admin, target):
    huge = 2**40
    assert admin.request("GET", "/api/admin/comments",
                         {"site": "blog", "ip_of": huge}).status_code == 400
    assert admin.purge(ip_of=huge).status_code == 422
    assert admin.purge(comment_ids=[huge]).status_code == 422
    assert admin.request("POST", "/api/admin/bans",
                         body={"site": "blog", "ip_of": huge}).status_code == 422


# Listing and searching


def test_list_shows_private_fields_and_filters(world, admin):
    first = world.post("Buy cheap pills", author_email="Spam@Example.org", ip=SPAMMER_IP)
    second = world.post("More pills", url=PAGE2, ip=SPAMMER_IP, hp="bot")
    good = world.post("A thoughtful remark", author_email="reader@example.org",
                      author_name="Ada")
    listed = admin.comments()["comments"]
    assert [c["id"] for c in listed] == [good, second, first]
    ada = listed[0]
    assert ada["author"]["email"] == ada["author_email"] == "reader@example.org"
    assert ada["author"]["name"] == "Ada"
    assert len(ada["ip_hash"]) == 64 and ada["text"] == "A thoughtful remark"
    assert ada["thread"]["url"] == PAGE
    assert listed[1]["status"] == "spam"  # honeypot
    # The public never gets the private fields.
    public = world.public().get_json()["comments"][0]
    assert "email" not in public["author"] and "ip_hash" not in public

    def ids(**query):
        return [c["id"] for c in admin.comments(**query)["comments"]]

    assert ids(status="spam") == [second]
    assert ids(status="approved") == [good, first]
    assert ids(url=PAGE2) == [second]
    assert ids(url=PAGE + "?utm_source=x#c1") == [good, first]  # normalized like threads
    assert ids(q="PILLS") == [second, first]
    assert ids(q="example.org") == [good, first]  # email matches too
    assert ids(q="100%") == []
    assert ids(author_email="spam@example.org") == [first]
    assert ids(ip_of=first) == [second, first]
    assert ids(ip_of=first, status="approved") == [first]
    assert ids(url="https://blog.example.org/never-commented") == []


def test_list_pagination_is_keyset(world, admin):
    posted = [world.post(f"Comment {n}") for n in range(7)]
    seen, cursor = [], None
    while True:
        page = admin.comments(limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(posted))


@pytest.mark.parametrize("query", [
    {"cursor": "garbage"}, {"limit": "0"}, {"limit": "101"}, {"status": "nope"},
    {"url": "ftp://x"}, {"ip_of": "abc"},
])
def test_list_rejects_bad_parameters(admin, query):
    response = admin.request("GET", "/api/admin/comments", {"site": "blog", **query})
    assert response.status_code == 400, response.get_json()


def test_list_ip_of_another_sites_comment_is_404(client, make_site, world, admin, sites):
    other = World(world.app, client, "other")
    foreign = other.post("Elsewhere")
    response = admin.request("GET", "/api/admin/comments", {"site": "blog", "ip_of": foreign})
    assert response.status_code == 404


# Approve, spam, delete


def test_approve_makes_a_pending_comment_public_and_counts_it(app, make_site, world, admin):
    admin.request("PATCH", "/api/admin/sites/blog", body={"moderation": "all"})
    cid = world.post("Held for review")
    assert world.status(cid) == "pending"
    assert world.visible_ids() == [] and world.count() == 0
    etag = world.etag()

    response = admin.request("POST", f"/api/admin/comments/{cid}/approve")
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"
    assert world.visible_ids() == [cid] and world.count() == 1
    assert world.etag() != etag
    # Approving twice changes nothing.
    assert admin.request("POST", f"/api/admin/comments/{cid}/approve").status_code == 200
    assert world.count() == 1
    world.assert_counts_exact()


def test_approve_accepts_an_empty_json_body(world, admin):
    cid = world.post("x", hp="bot")
    response = admin.request("POST", f"/api/admin/comments/{cid}/approve", body={})
    assert response.status_code == 200 and world.count() == 1


def test_spam_hides_at_once(world, admin):
    keep = world.post("Fine")
    cid = world.post("Spammy")
    assert world.count() == 2
    etag = world.etag()
    response = admin.request("POST", f"/api/admin/comments/{cid}/spam")
    assert response.status_code == 200 and response.get_json()["status"] == "spam"
    assert world.visible_ids() == [keep] and world.count() == 1
    assert world.etag() != etag
    # Spam from pending moves no count; spam back to approved counts again.
    admin.request("PATCH", "/api/admin/sites/blog", body={"moderation": "all"})
    held = world.post("Held")
    admin.request("POST", f"/api/admin/comments/{held}/spam")
    assert world.count() == 1
    admin.request("POST", f"/api/admin/comments/{cid}/approve")
    assert world.count() == 2 and world.visible_ids() == [keep, cid]
    world.assert_counts_exact()


def test_status_change_of_a_tombstone_is_409(world, admin):
    parent = world.post("Parent")
    world.post("Reply", parent_id=parent)
    admin.request("DELETE", f"/api/admin/comments/{parent}")
    assert world.status(parent) == "deleted"
    for action in ("approve", "spam"):
        response = admin.request("POST", f"/api/admin/comments/{parent}/{action}")
        assert response.status_code == 409


def test_delete_leaves_replies_under_a_tombstone(world, admin):
    parent = world.post("Parent", author_email="p@x.org")
    reply = world.post("Reply", parent_id=parent)
    leaf = world.post("Leaf")
    assert world.count() == 3
    etag = world.etag()

    response = admin.request("DELETE", f"/api/admin/comments/{parent}")
    assert response.status_code == 204
    comments = world.public().get_json()["comments"]
    assert [c["id"] for c in comments] == [parent, leaf]
    tombstone = comments[0]
    assert tombstone["status"] == "deleted" and tombstone["html"] == ""
    assert [r["id"] for r in tombstone["replies"]] == [reply]
    assert world.count() == 2 and world.etag() != etag
    listed = {c["id"]: c for c in admin.comments()["comments"]}
    assert listed[parent]["author_email"] is None and listed[parent]["text"] == ""
    assert listed[parent]["ip_hash"] is None

    # Deleting the last reply takes the empty tombstone with it.
    assert admin.request("DELETE", f"/api/admin/comments/{reply}").status_code == 204
    assert world.visible_ids() == [leaf] and world.status(parent) is None
    world.assert_counts_exact()


def test_delete_cascade_takes_the_whole_subtree(world, admin):
    parent = world.post("Parent")
    reply = world.post("Reply", parent_id=parent)
    world.post("Reply to reply", parent_id=reply)
    other = world.post("Other")
    response = admin.request("DELETE", f"/api/admin/comments/{parent}", {"cascade": "1"})
    assert response.status_code == 204
    assert world.visible_ids() == [other] and world.count() == 1
    assert admin.comments()["comments"][0]["id"] == other
    assert len(admin.comments()["comments"]) == 1
    world.assert_counts_exact()


# Bans


def test_ban_by_ip_of_blocks_that_ip_and_stores_nothing(app, world, admin):
    spam = world.post("Spam", ip=SPAMMER_IP)
    response = admin.request("POST", "/api/admin/bans",
                             body={"site": "blog", "ip_of": spam, "reason": "spam wave"})
    assert response.status_code == 201
    ban = response.get_json()
    assert ban["ip_hash"] and ban["reason"] == "spam wave" and ban["active"]
    assert ban["expires_at"] is None
    before = len(admin.comments()["comments"])

    refused = world.post("More spam", ip=SPAMMER_IP, status=403)
    assert refused["error"]["code"] == "banned"
    assert len(admin.comments()["comments"]) == before
    world.post("From elsewhere", ip="198.51.100.2")

    listed = admin.request("GET", "/api/admin/bans", {"site": "blog"}).get_json()["bans"]
    assert [b["id"] for b in listed] == [ban["id"]]
    assert admin.request("DELETE", f"/api/admin/bans/{ban['id']}").status_code == 204
    assert admin.request("GET", "/api/admin/bans", {"site": "blog"}).get_json()["bans"] == []
    world.post("Allowed again", ip=SPAMMER_IP)


def test_ban_by_email_is_case_insensitive_and_can_expire(app, world, admin):
    expires = (utcnow() + timedelta(days=1)).isoformat() + "Z"
    response = admin.request("POST", "/api/admin/bans",
                             body={"site": "blog", "author_email": "Troll@Example.org",
                                   "expires_at": expires})
    assert response.status_code == 201
    assert response.get_json()["author_email"] == "troll@example.org"
    world.post("hi", author_email="troll@example.ORG", status=403)
    with app.app_context():
        db.session.execute(Ban.__table__.update().values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    world.post("hi", author_email="troll@example.org")
    bans = admin.request("GET", "/api/admin/bans", {"site": "blog"}).get_json()["bans"]
    assert bans[0]["active"] is False


@pytest.mark.parametrize("body, status", [
    ({}, 422),
    ({"reason": "no target"}, 422),
    ({"author_email": "not-an-email"}, 422),
    ({"author_email": "a@x.org", "expires_at": "2001-01-01T00:00:00Z"}, 422),
    ({"ip_of": 999999}, 404),
])
def test_ban_validation(world, admin, body, status):
    response = admin.request("POST", "/api/admin/bans", body={"site": "blog", **body})
    assert response.status_code == status, response.get_json()
    assert admin.request("GET", "/api/admin/bans", {"site": "blog"}).get_json()["bans"] == []


# Threads and site settings


def test_lock_thread_blocks_writes_and_changes_the_etag(world, admin):
    cid = world.post("Before the lock")
    etag = world.etag()
    response = admin.request("PATCH", "/api/admin/threads", {"site": "blog", "url": PAGE},
                             {"locked": True, "title": "Locked post"})
    assert response.status_code == 200
    assert response.get_json() == {"url": PAGE, "title": "Locked post", "count": 1,
                                   "locked": True}
    assert world.etag() != etag
    thread = world.public().get_json()["thread"]
    assert thread["locked"] is True and thread["title"] == "Locked post"
    assert world.post("After", status=403)["error"]["code"] == "thread_locked"
    assert world.visible_ids() == [cid]

    admin.request("PATCH", "/api/admin/threads", {"site": "blog", "url": PAGE}, {"locked": False})
    world.post("Unlocked")
    assert world.count() == 2


@pytest.mark.parametrize("query, body, status", [
    ({"url": "https://blog.example.org/nothing-here"}, {"locked": True}, 404),
    ({}, {"locked": True}, 400),
    ({"url": PAGE}, {}, 422),
    ({"url": PAGE}, {"locked": "yes"}, 422),
    ({"url": PAGE}, {"locked": True, "color": "red"}, 422),
])
def test_thread_patch_failures(world, admin, query, body, status):
    world.post("x")
    response = admin.request("PATCH", "/api/admin/threads", {"site": "blog", **query}, body)
    assert response.status_code == status, response.get_json()
    assert world.public().get_json()["thread"]["locked"] is False


def test_site_settings_round_trip_and_take_effect(world, admin):
    settings = admin.request("GET", "/api/admin/sites/blog").get_json()
    assert settings["slug"] == "blog" and settings["moderation"] == "off"
    assert {"edit_window_seconds", "max_depth", "origins", "link_limit", "blocked_words",
            "min_elapsed_ms", "notify_email", "webhook_urls"} <= set(settings)

    change = {"blocked_words": ["casino"], "link_limit": 0, "origins": [ORIGIN],
              "edit_window_seconds": 60, "max_depth": 2, "notify_email": "mod@example.org",
              "webhook_urls": ["https://hooks.example.org/x"]}
    response = admin.request("PATCH", "/api/admin/sites/blog", body=change)
    assert response.status_code == 200
    assert {k: response.get_json()[k] for k in change} == change
    assert admin.request("GET", "/api/admin/sites/blog").get_json() == response.get_json()

    assert world.status(world.post("Try our CASINO")) == "pending"
    assert world.status(world.post("see https://a.example")) == "pending"
    assert world.status(world.post("plain words")) == "approved"
    admin.request("PATCH", "/api/admin/sites/blog", body={"moderation": "all"})
    assert world.status(world.post("plain words again")) == "pending"


@pytest.mark.parametrize("body", [
    {"moderation": "sometimes"}, {"origins": ["ftp://example.org"]}, {"max_depth": -1},
    {"link_limit": "3"}, {"webhook_urls": ["javascript:alert(1)"]}, {"slug": "renamed"},
    {"unknown": 1}, {"notify_email": "nope"},
])
def test_site_settings_validation(world, admin, body):
    before = world.snapshot()
    response = admin.request("PATCH", "/api/admin/sites/blog", body=body)
    assert response.status_code == 422, response.get_json()
    assert world.snapshot() == before


# Audit log


def test_audit_log_records_who_did_what(world, admin):
    cid = world.post("x", hp="bot")
    admin.request("POST", f"/api/admin/comments/{cid}/approve")
    admin.request("POST", f"/api/admin/comments/{cid}/spam")
    admin.purge(comment_ids=[cid])
    admin.request("PATCH", "/api/admin/sites/blog", body={"link_limit": 5})
    response = admin.request("GET", "/api/admin/audit", {"site": "blog"})
    assert response.status_code == 200
    entries = response.get_json()["entries"]
    assert [e["action"] for e in entries] == ["settings", "purge", "spam", "approve"]
    assert {e["actor"] for e in entries} == {"admin"}
    assert entries[1]["rows"] == 1 and entries[1]["detail"]["ids"] == [cid]
    assert entries[3]["detail"] == {"comment_id": cid, "from": "spam", "to": "approved"}
    assert entries[0]["created_at"].endswith("Z")

    first = admin.request("GET", "/api/admin/audit", {"site": "blog", "limit": 2}).get_json()
    rest = admin.request("GET", "/api/admin/audit",
                         {"site": "blog", "cursor": first["next_cursor"]}).get_json()
    assert [e["id"] for e in first["entries"] + rest["entries"]] == [e["id"] for e in entries]
    only = admin.request("GET", "/api/admin/audit", {"site": "blog", "action": "purge"})
    assert [e["action"] for e in only.get_json()["entries"]] == ["purge"]


def test_admin_api_is_documented(client):
    spec = client.get("/openapi.json").get_json()
    for path in ("/api/admin/comments", "/api/admin/comments/{comment_id}/approve",
                 "/api/admin/purge", "/api/admin/bans", "/api/admin/bans/{ban_id}",
                 "/api/admin/threads", "/api/admin/sites/{slug}", "/api/admin/audit"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["adminToken"]["scheme"] == "bearer"
    purge = spec["paths"]["/api/admin/purge"]["post"]
    assert {"200", "401", "403", "422"} <= set(purge["responses"])
