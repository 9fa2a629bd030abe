"""Atom feeds of approved comments, validated with feedparser."""
import feedparser
import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.helpers import Reader

OTHER_PAGE = f"{ORIGIN}/2026/12/second-post"


def parse(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_site_feed_lists_approved_comments_newest_first(app, client, reader):
    reader.comment("First <b>bold</b> & **strong**", author_name="Ann", title="Hello world")
    reader.comment("On another page", url=OTHER_PAGE)
    hidden = reader.comment("Soon spam")["comment"]["id"]
    with app.app_context():
        db.session.get(Comment, hidden).status = "spam"
        db.session.commit()

    feed = parse(client.get("/api/feed.atom?site=blog"))
    assert feed.feed.title == "Comments on blog"
    assert feed.feed.id.startswith("tag:comments.test,")
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [
        "http://comments.test/api/feed.atom?site=blog"]
    assert [e.title for e in feed.entries] == [
        f"guest on {OTHER_PAGE}", "Ann on Hello world"]
    first = feed.entries[1]
    assert first.author == "Ann"
    assert first.link == f"{PAGE}#commentsvc"
    # The sanitized HTML travels escaped; the reader gets markup, never raw script.
    assert "<strong>strong</strong>" in first.content[0].value
    assert "<b>" not in first.content[0].value
    assert first.published and first.updated
    assert len({e.id for e in feed.entries}) == 2


def test_thread_feed_only_has_that_page(client, reader):
    reader.comment("Here", title="Hello world")
    reader.comment("Elsewhere", url=OTHER_PAGE)
    feed = parse(client.get("/api/feed.atom", query_string={"site": "blog", "url": PAGE}))
    assert feed.feed.title == "Comments on Hello world"
    assert [e.content[0].value for e in feed.entries] == ["<p>Here</p>"]
    assert [link.href for link in feed.feed.links if link.rel == "alternate"] == [PAGE]


def test_pending_comments_stay_out_until_approved(client, make_site):
    slug, token = make_site("held", moderation="all")
    comment_id = Reader(client, slug).comment("Held back")["comment"]["id"]
    assert parse(client.get(f"/api/feed.atom?site={slug}")).entries == []
    client.post(f"/api/admin/comments/{comment_id}/approve",
                headers={"Authorization": f"Bearer {token}"})
    assert len(parse(client.get(f"/api/feed.atom?site={slug}")).entries) == 1


def test_feed_of_a_page_without_comments_is_valid_and_empty(client, site):
    feed = parse(client.get("/api/feed.atom", query_string={"site": site, "url": PAGE}))
    assert feed.entries == []
    assert feed.feed.updated


@pytest.mark.parametrize("query, status", [
    ({"site": "nope"}, 404),
    ({}, 400),
    ({"site": "blog", "url": "https://evil.example.com/"}, 403),
    ({"site": "blog", "url": "not a url"}, 400),
])
def test_feed_errors(client, site, query, status):
    response = client.get("/api/feed.atom", query_string=query)
    assert response.status_code == status
    assert "error" in response.get_json()


def test_feed_supports_etag(client, reader, app):
    reader.comment("one")
    first = client.get("/api/feed.atom?site=blog")
    etag = first.headers["ETag"]
    assert client.get("/api/feed.atom?site=blog",
                      headers={"If-None-Match": etag}).status_code == 304
    reader.comment("two")
    assert client.get("/api/feed.atom?site=blog",
                      headers={"If-None-Match": etag}).status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(Comment)).all()) == 2
