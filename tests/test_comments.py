"""Posting, listing, sorting, paginating, replying, editing and deleting comments."""
from datetime import timedelta

import pytest

from commentsvc.extensions import db
from commentsvc.models import Comment
from commentsvc.models import Thread
from tests.helpers import ORIGIN
from tests.helpers import PAGE


def ids(listing):
    return [comment["id"] for comment in listing.get_json()["comments"]]


def test_empty_thread_needs_no_row(reader, app):
    response = reader.list()
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "thread": {"url": PAGE, "title": None, "count": 0, "locked": False},
        "comments": [],
        "next_cursor": None,
    }
    with app.app_context():
        assert db.session.query(Thread).count() == 0


def test_post_returns_public_comment_and_edit_token(reader):
    created = reader.comment("Hello *world*", author_name="Ann", title="Hello World",
                             author_email="ann@example.org",
                             author_website="https://ann.example.org")
    comment = created["comment"]
    assert comment["author"]["name"] == "Ann"
    assert comment["author"]["website"] == "https://ann.example.org"
    assert comment["author"]["avatar"].startswith("/api/avatars/")
    assert comment["html"] == "<p>Hello <em>world</em></p>"
    assert comment["status"] == "approved"
    assert comment["votes"] == {"up": 0, "down": 0, "score": 0}
    assert comment["created_at"].endswith("Z")
    assert created["edit_token"] and created["edit_until"] > comment["created_at"]
    assert "ann@example.org" not in str(created)
    thread = reader.list().get_json()["thread"]
    assert thread == {"url": PAGE, "title": "Hello World", "count": 1, "locked": False}


def test_empty_name_shows_as_guest(reader):
    assert reader.comment("hi", author_name="  ")["comment"]["author"]["name"] == "guest"


def test_private_fields_never_public(reader):
    reader.comment("hi", author_email="secret@example.org")
    body = reader.list().get_data(as_text=True)
    for private in ("secret@example.org", "ip_hash", "voter", "edit_token", "email"):
        assert private not in body


@pytest.mark.parametrize("fields, field", [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"text": "x" * 10001}, "text"),
    ({"text": "ok", "author_email": "not-an-email"}, "author_email"),
    ({"text": "ok", "author_website": "javascript:alert(1)"}, "author_website"),
    ({"text": "ok", "author_name": "x" * 101}, "author_name"),
    ({"text": "ok", "parent_id": "1"}, "parent_id"),
    ({"text": "ok", "is_admin": True}, "is_admin"),
    ({"text": "ok", "status": "approved"}, "status"),
    ({"text": "ok", "anchor": {"exact": "x" * 501}}, "anchor"),
    ({"text": "a\x00b"}, "text"),
])
def test_invalid_fields_are_422_and_store_nothing(reader, app, fields, field):
    text = fields.pop("text")
    response = reader.post(text, **fields)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    with app.app_context():
        assert db.session.query(Comment).count() == 0
        assert db.session.query(Thread).count() == 0


def test_text_limit_is_inclusive(reader):
    assert reader.post("x" * 10000).status_code == 201


def test_unknown_site_is_404(reader):
    reader.site = "nope"
    assert reader.list().status_code == 404
    assert reader.post("hi").get_json()["error"]["code"] == "site_not_found"


@pytest.mark.parametrize("url, status", [
    ("https://evil.example.com/page", 403),
    ("ftp://blog.example.org/x", 400),
    ("not a url", 400),
])
def test_page_url_must_be_on_an_allowed_origin(reader, app, url, status):
    assert reader.post("hi", url=url).status_code == status
    assert reader.list(url=url).status_code == status
    with app.app_context():
        assert db.session.query(Comment).count() == 0


def test_tracking_parameters_share_one_thread(reader):
    reader.comment("one", url=f"{PAGE}?utm_source=news&b=2&a=1#c")
    reader.comment("two", url="HTTPS://BLOG.example.org:443/2026/11/hello-world?a=1&b=2")
    listing = reader.list(url=f"{PAGE}?b=2&a=1&fbclid=x").get_json()
    assert listing["thread"]["count"] == 2


def test_page_id_overrides_url(reader):
    reader.comment("by id", url=f"{ORIGIN}/old-address", page_id="post-42")
    # The page moved: its page_id still finds the thread.
    listing = reader.list(url=f"{ORIGIN}/new-address", page_id="post-42").get_json()
    assert listing["thread"]["count"] == 1
    assert reader.list(url=f"{ORIGIN}/new-address").get_json()["thread"]["count"] == 0


def test_replies_nest_oldest_first_and_count(reader):
    top = reader.comment("top")["comment"]["id"]
    first = reader.comment("first reply", parent_id=top)["comment"]["id"]
    second = reader.comment("second reply", parent_id=top)["comment"]["id"]
    nested = reader.comment("nested", parent_id=first)["comment"]["id"]
    body = reader.list(sort="newest").get_json()
    assert body["thread"]["count"] == 4
    [thread_top] = body["comments"]
    assert [r["id"] for r in thread_top["replies"]] == [first, second]
    assert thread_top["reply_count"] == 2
    assert thread_top["replies"][0]["replies"][0]["id"] == nested
    assert thread_top["replies"][0]["replies"][0]["parent_id"] == first


def test_depth_cap_attaches_to_deepest_allowed_ancestor(reader, app):
    with app.app_context():
        from commentsvc.models import Site
        db.session.query(Site).update({"max_depth": 2})
        db.session.commit()
    parent = reader.comment("d0")["comment"]["id"]
    chain = [parent]
    for depth in range(1, 5):
        chain.append(reader.comment(f"d{depth}", parent_id=chain[-1])["comment"]["id"])
    with app.app_context():
        depths = {c.id: (c.depth, c.parent_id) for c in db.session.query(Comment)}
    assert depths[chain[2]] == (2, chain[1])
    # Replies to a comment at the maximum depth become its siblings.
    assert depths[chain[3]] == (2, chain[1])
    assert depths[chain[4]] == (2, chain[1])


def test_parent_must_be_in_the_same_thread(reader, app):
    other = reader.comment("elsewhere", url=f"{ORIGIN}/other")["comment"]["id"]
    response = reader.post("reply", parent_id=other)
    assert response.status_code == 422
    assert "parent_id" in response.get_json()["error"]["fields"]
    assert reader.post("reply", parent_id=999999).status_code == 422
    with app.app_context():
        assert db.session.query(Comment).count() == 1


def _set_times(app, moments):
    with app.app_context():
        for comment_id, moment in moments.items():
            db.session.get(Comment, comment_id).created_at = moment
        db.session.commit()


def test_sort_orders_with_ties(reader, app):
    a = reader.comment("a")["comment"]["id"]
    b = reader.comment("b")["comment"]["id"]
    c = reader.comment("c")["comment"]["id"]
    d = reader.comment("d")["comment"]["id"]
    with app.app_context():
        base = db.session.get(Comment, a).created_at
    # b and c were posted in the same microsecond: the id breaks the tie.
    _set_times(app, {a: base, b: base + timedelta(seconds=1), c: base + timedelta(seconds=1),
                     d: base + timedelta(seconds=2)})
    for voter in range(3):
        reader.vote(c, 1, voter=f"sort-voter-{voter:012d}")
    for voter in range(3):
        reader.vote(d, 1, voter=f"sort-voter-{voter:012d}")
    reader.vote(a, -1, voter="sort-voter-000000000009")
    assert ids(reader.list()) == [a, b, c, d]
    assert ids(reader.list(sort="newest")) == [d, c, b, a]
    # votes: score desc, then oldest first.
    assert ids(reader.list(sort="votes")) == [c, d, b, a]


@pytest.mark.parametrize("sort", ["oldest", "newest", "votes"])
def test_pagination_has_no_duplicates_or_gaps_while_posting(reader, sort):
    posted = [reader.comment(f"c{i}")["comment"]["id"] for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"sort": sort, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = reader.list(**params).get_json()
        seen.extend(c["id"] for c in body["comments"])
        pages += 1
        if pages == 1:
            # New comments arrive while the reader pages through.
            posted.append(reader.comment("late")["comment"]["id"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    expected = set(posted) if sort != "newest" else set(posted) - {posted[-1]}
    assert set(seen) == expected


def test_replies_do_not_count_against_page_size(reader):
    top = [reader.comment(f"t{i}")["comment"]["id"] for i in range(3)]
    for _ in range(4):
        reader.comment("r", parent_id=top[0])
    body = reader.list(limit=2).get_json()
    assert ids(reader.list(limit=2)) == top[:2]
    assert body["comments"][0]["reply_count"] == 4


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 101}, {"limit": "x"}, {"sort": "best"}, {"cursor": "garbage"},
    {"inline": "maybe"},
])
def test_bad_list_parameters_are_400(reader, params):
    reader.comment("x")
    response = reader.list(**params)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] in {"bad_request", "invalid_cursor"}


def test_unknown_query_parameters_are_ignored(reader):
    """Cache busters and analytics parameters on the API URL must not break the embed."""
    reader.comment("x")
    assert reader.list(_="1700000000").status_code == 200


def test_cursor_of_another_sort_is_rejected(reader):
    for i in range(3):
        reader.comment(f"c{i}")
    cursor = reader.list(limit=1).get_json()["next_cursor"]
    assert reader.list(limit=1, sort="votes", cursor=cursor).status_code == 400


def test_etag_304_and_invalidation(reader):
    reader.comment("first")
    first = reader.list()
    etag = first.headers["ETag"]
    again = reader.client.get("/api/comments", query_string={"site": reader.site, "url": PAGE},
                              headers={"If-None-Match": etag, "Origin": ORIGIN})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == ORIGIN
    reader.comment("second")
    changed = reader.client.get("/api/comments", query_string={"site": reader.site, "url": PAGE},
                                headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert len(changed.get_json()["comments"]) == 2
    other_sort = reader.list(sort="newest")
    assert other_sort.headers["ETag"] != changed.headers["ETag"]


def test_inline_filter(reader):
    anchored = reader.comment("on a passage", anchor={"exact": "the quick fox",
                                                      "prefix": "see ", "suffix": " jump"})
    plain = reader.comment("general")
    assert anchored["comment"]["anchor"] == {"exact": "the quick fox", "prefix": "see ",
                                             "suffix": " jump"}
    assert ids(reader.list(inline="only")) == [anchored["comment"]["id"]]
    assert ids(reader.list(inline="exclude")) == [plain["comment"]["id"]]
    assert reader.list(inline="only").get_json()["thread"]["count"] == 2


class TestEditAndDelete:
    def edit(self, reader, comment_id, token, text="edited"):
        return reader.client.patch(f"/api/comments/{comment_id}", json={"text": text},
                                   headers={"X-Edit-Token": token, "Origin": ORIGIN})

    def delete(self, reader, comment_id, token):
        return reader.client.delete(f"/api/comments/{comment_id}",
                                    headers={"X-Edit-Token": token, "Origin": ORIGIN})

    def test_edit_with_token(self, reader):
        created = reader.comment("original")
        response = self.edit(reader, created["comment"]["id"], created["edit_token"], "*new*")
        assert response.status_code == 200
        assert response.get_json()["html"] == "<p><em>new</em></p>"
        assert response.get_json()["edited_at"]
        assert reader.list().get_json()["comments"][0]["html"] == "<p><em>new</em></p>"

    def test_wrong_or_missing_token_is_403(self, reader):
        created = reader.comment("original")
        assert self.edit(reader, created["comment"]["id"], "wrong").status_code == 403
        response = reader.client.patch(f"/api/comments/{created['comment']['id']}",
                                       json={"text": "x"}, headers={"Origin": ORIGIN})
        assert response.status_code == 403
        assert reader.list().get_json()["comments"][0]["html"] == "<p>original</p>"

    def test_edit_window_boundary(self, reader, monkeypatch):
        from commentsvc.services import comments as service

        created = reader.comment("original")
        posted_at = service.utcnow()
        window = timedelta(minutes=15)
        monkeypatch.setattr(service, "utcnow", lambda: posted_at + window - timedelta(seconds=2))
        assert self.edit(reader, created["comment"]["id"], created["edit_token"]).status_code == 200
        monkeypatch.setattr(service, "utcnow", lambda: posted_at + window + timedelta(seconds=1))
        response = self.edit(reader, created["comment"]["id"], created["edit_token"], "late")
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "edit_window_closed"
        assert self.delete(reader, created["comment"]["id"], created["edit_token"]).status_code == 403
        assert reader.list().get_json()["comments"][0]["html"] == "<p>edited</p>"

    def test_delete_without_replies_disappears(self, reader):
        created = reader.comment("bye")
        assert self.delete(reader, created["comment"]["id"], created["edit_token"]).status_code == 204
        body = reader.list().get_json()
        assert body["comments"] == [] and body["thread"]["count"] == 0
        assert self.delete(reader, created["comment"]["id"], created["edit_token"]).status_code == 404

    def test_delete_with_replies_leaves_tombstone(self, reader):
        created = reader.comment("parent", author_name="Ann")
        reply = reader.comment("child", parent_id=created["comment"]["id"])
        assert self.delete(reader, created["comment"]["id"], created["edit_token"]).status_code == 204
        body = reader.list().get_json()
        assert body["thread"]["count"] == 1
        [tombstone] = body["comments"]
        assert tombstone["status"] == "deleted"
        assert tombstone["html"] == "" and tombstone["author"]["name"] == ""
        assert tombstone["replies"][0]["id"] == reply["comment"]["id"]
        # Once the last reply goes, the tombstone goes with it.
        assert self.delete(reader, reply["comment"]["id"], reply["edit_token"]).status_code == 204
        body = reader.list().get_json()
        assert body["comments"] == [] and body["thread"]["count"] == 0


def test_locked_thread_reads_but_refuses_writes(reader, app):
    created = reader.comment("before lock")
    with app.app_context():
        db.session.query(Thread).update({"locked": True})
        db.session.commit()
    body = reader.list().get_json()
    assert body["thread"]["locked"] is True and len(body["comments"]) == 1
    response = reader.post("after lock")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "thread_locked"
    assert reader.vote(created["comment"]["id"], 1, voter="locked-thread-voter-1").status_code == 403
    assert reader.list().get_json()["thread"]["count"] == 1
