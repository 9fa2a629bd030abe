"""GET /api/admin/export and `flask export`, and the round trip: export -> import into an
empty site -> the same public thread JSON."""
import json

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Site
from commentsvc.models import Thread
from commentsvc.services.export import ExportSchema
from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.helpers import Reader
from tests.test_import_formats import DATA
from tests.test_import_formats import isso_database
from tests.test_import_formats import upload

SORTS = ("oldest", "newest", "votes")


def export(client, token, site="blog"):
    return client.get("/api/admin/export", query_string={"site": site},
                      headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def populated(client, make_site, tmp_path):
    """Site "blog" with live comments of every kind plus imports; returns its token."""
    _, token = make_site("blog")
    alice = Reader(client, "blog", voter="voter-token-alice-0001")
    bob = Reader(client, "blog", voter="voter-token-bob-000002")
    top = alice.comment("Top **level** with a [link](https://example.com)",
                        author_name="Alice", author_email="alice@example.org",
                        author_website="https://alice.example.org")
    reply = bob.comment("A reply", author_name="Bob", parent_id=top["comment"]["id"])
    bob.comment("Deeper", parent_id=reply["comment"]["id"])
    doomed = bob.comment("Regrets", author_name="Bob")
    bob.comment("Reply keeps the tombstone", parent_id=doomed["comment"]["id"])
    client.delete(f"/api/comments/{doomed['comment']['id']}",
                  headers={"Origin": ORIGIN, "X-Edit-Token": doomed["edit_token"]})
    edited = alice.comment("Tpyo")
    client.patch(f"/api/comments/{edited['comment']['id']}", json={"text": "Typo fixed"},
                 headers={"Origin": ORIGIN, "X-Edit-Token": edited["edit_token"]})
    alice.comment("On a passage", anchor={"exact": "hello world", "prefix": "say ",
                                          "suffix": "!"})
    alice.comment("Too fast, held", elapsed_ms=1)
    alice.post("By page id", page_id="post-42")
    for voter in ("voter-token-c-0000000001", "voter-token-c-0000000002"):
        alice.vote(reply["comment"]["id"], 1, voter=voter)
    alice.vote(top["comment"]["id"], -1, voter="voter-token-c-0000000003")
    for fmt, path in (("disqus", DATA / "disqus.xml"), ("wordpress", DATA / "wordpress.xml"),
                      ("isso", isso_database(tmp_path))):
        assert upload(client, token, fmt, path.read_bytes()).status_code == 200
    return token


def pages(app, site="blog"):
    """(url, page_id) of every thread of a site."""
    with app.app_context():
        rows = db.session.execute(
            select(Thread.url, Thread.page_key)
            .join(Site, Site.id == Thread.site_id)
            .where(Site.slug == site)
            .order_by(Thread.id)
        ).all()
    return [(url, key[3:] if key.startswith("id:") else None) for url, key in rows]


def public_json(client, site, url, page_id, sort):
    query = {"site": site, "url": url, "sort": sort, "limit": 100}
    if page_id:
        query["page_id"] = page_id
    response = client.get("/api/comments", query_string=query, headers={"Origin": ORIGIN})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def without_ids(body):
    """Comment ids differ between instances: number them in order of appearance."""
    numbers = {}

    def walk(comments):
        for comment in comments:
            numbers.setdefault(comment["id"], len(numbers))
            walk(comment["replies"])

    def renumber(comments):
        return [{**c, "id": numbers[c["id"]],
                 "parent_id": numbers.get(c["parent_id"]),
                 "replies": renumber(c["replies"])} for c in comments]

    walk(body["comments"])
    return {**body, "comments": renumber(body["comments"])}


def assert_same_public_threads(client, app, threads, source="blog", copy="copy"):
    assert len(threads) >= 7
    for url, page_id in threads:
        for sort in SORTS:
            original = public_json(client, source, url, page_id, sort)
            assert original["thread"]["count"] > 0 or original["comments"]
            assert without_ids(public_json(client, copy, url, page_id, sort)) == \
                without_ids(original), (url, sort)


# Export


def test_export_needs_the_sites_admin_token(client, make_site):
    make_site("blog")
    _, other = make_site("other")
    assert client.get("/api/admin/export", query_string={"site": "blog"}).status_code == 401
    assert export(client, "not-a-token").status_code == 401
    assert export(client, other).status_code == 403
    assert export(client, other, site="other").status_code == 200


def test_export_document_has_private_fields_and_vote_totals(client, populated, app):
    response = export(client, populated)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    ExportSchema().load(document)  # the documented schema describes what is sent
    assert document["format"] == "commentsvc" and document["site"]["slug"] == "blog"
    comments = {c["text"]: c for c in document["comments"]}
    top = comments["Top **level** with a [link](https://example.com)"]
    assert top["author"] == {"name": "Alice", "email": "alice@example.org",
                             "website": "https://alice.example.org"}
    assert len(top["ip_hash"]) == 64 and top["external_id"] is None
    assert top["votes"] == {"up": 0, "down": 1, "score": -1}
    assert comments["A reply"]["votes"] == {"up": 2, "down": 0, "score": 2}
    assert comments["Too fast, held"]["status"] == "pending"
    assert comments["Typo fixed"]["edited_at"] is not None
    assert "edit_token_hash" not in top
    imported = {c["external_id"] for c in document["comments"]}
    assert {"disqus:1008", "wp:34", "isso:3"} <= imported  # spam and pending too
    # parents are listed before their replies
    seen = set()
    for comment in document["comments"]:
        assert comment["parent_id"] is None or comment["parent_id"] in seen
        seen.add(comment["id"])
    counts = {t["page_key"]: t["comment_count"] for t in document["threads"]}
    assert counts["https://blog.example.org/2013/05/hello"] == 4


def test_export_of_an_empty_site(client, make_site):
    _, token = make_site("blog")
    document = export(client, token).get_json()
    assert document["threads"] == [] and document["comments"] == []


# Round trip


def test_round_trip_through_the_api_reproduces_public_threads(client, populated, make_site, app):
    document = export(client, populated).get_data()
    _, copy_token = make_site("copy")
    result = upload(client, copy_token, "commentsvc", document, site="copy").get_json()
    assert result["imported"] == len(json.loads(document)["comments"])
    assert result["orphans"] == 0 and result["warnings"] == []
    assert_same_public_threads(client, app, pages(app))

    # Private fields survive too, and importing the same export again changes nothing.
    again = upload(client, copy_token, "commentsvc", document, site="copy").get_json()
    assert again["imported"] == 0 and again["skipped"] == result["imported"]
    original = json.loads(document)["comments"]
    copied = export(client, copy_token, site="copy").get_json()["comments"]
    ignore = {"id", "thread_id", "parent_id", "external_id"}
    assert [{k: v for k, v in c.items() if k not in ignore} for c in copied] == \
        [{k: v for k, v in c.items() if k not in ignore} for c in original]


def test_round_trip_through_the_cli(runner, populated, make_site, app, tmp_path):
    result = runner.invoke(args=["export", "--site", "blog"])
    assert result.exit_code == 0
    path = tmp_path / "blog.json"
    path.write_text(result.output)
    make_site("copy")
    result = runner.invoke(args=["import", "--site", "copy", "--format", "commentsvc",
                                 str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["orphans"] == 0
    assert_same_public_threads(runner.app.test_client(), app, pages(app))


def test_invalid_record_in_our_own_format_is_named(client, make_site, app):
    _, token = make_site("blog")
    document = {
        "format": "commentsvc",
        "threads": [{"id": 1, "page_key": PAGE, "url": PAGE}],
        "comments": [
            {"id": 1, "thread_id": 1, "status": "approved", "text": "ok", "html": "<p>ok</p>",
             "created_at": "2020-01-01T00:00:00Z"},
            {"id": 2, "thread_id": 1, "status": "visible", "text": "?",
             "created_at": "2020-01-01T00:00:00Z"},
        ],
    }
    response = upload(client, token, "commentsvc", json.dumps(document).encode())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"]["record"] == ["comment 2"] and "status" in error["message"]
    assert export(client, token).get_json()["comments"] == []


def test_our_format_html_is_sanitized_again(client, make_site):
    _, token = make_site("blog")
    document = {
        "format": "commentsvc",
        "threads": [{"id": 7, "page_key": "id:p", "url": PAGE, "title": "T", "locked": True}],
        "comments": [{"id": 1, "thread_id": 7, "status": "approved", "text": "hi",
                      "html": '<p onclick="x()">hi<script>alert(1)</script></p>',
                      "created_at": "2020-01-01T00:00:00+02:00"}],
    }
    assert upload(client, token, "commentsvc", json.dumps(document).encode()).status_code == 200
    body = Reader(client, "blog").list(page_id="p").get_json()
    assert body["thread"] == {"url": PAGE, "title": "T", "count": 1, "locked": True}
    assert body["comments"][0]["html"] == "<p>hi</p>"
    assert body["comments"][0]["created_at"] == "2019-12-31T22:00:00.000000Z"
