"""Anti-spam on posting: honeypot, too-fast submissions, links, blocked words, moderation
modes. Held comments answer 201 (status pending) and stay out of the public thread."""
import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.helpers import Reader


def stored_status(app, comment_id):
    with app.app_context():
        return db.session.execute(
            select(Comment.status).where(Comment.id == comment_id)).scalar_one()


def public_ids(reader):
    return [c["id"] for c in reader.list().get_json()["comments"]]


def test_honeypot_looks_normal_but_is_stored_as_spam(reader, app):
    response = reader.post("buy now", hp="http://spam.example")
    assert response.status_code == 201
    assert response.get_json()["comment"]["status"] == "approved"  # the bot learns nothing
    comment_id = response.get_json()["comment"]["id"]
    assert stored_status(app, comment_id) == "spam"
    assert public_ids(reader) == []
    assert reader.list().get_json()["thread"]["count"] == 0


@pytest.mark.parametrize("elapsed, status", [(50, "pending"), (1999, "pending"),
                                             (2000, "approved"), (None, "approved")])
def test_too_fast_submissions_are_held(reader, app, elapsed, status):
    extra = {"elapsed_ms": elapsed} if elapsed is not None else {}
    created = reader.comment("hello", **extra)["comment"]
    assert created["status"] == status
    assert stored_status(app, created["id"]) == status


def test_too_many_links_are_held(reader):
    links = " ".join(f"https://site{n}.example" for n in range(4))
    assert reader.comment(links)["comment"]["status"] == "pending"
    three = " ".join(f"https://site{n}.example" for n in range(3))
    assert reader.comment(three)["comment"]["status"] == "approved"


def test_blocked_words_are_held(make_site, client):
    slug, _ = make_site("words", blocked_words=["casino"])
    reader = Reader(client, slug)
    assert reader.comment("Best CASINO bonus")["comment"]["status"] == "pending"
    assert reader.comment("A fine article")["comment"]["status"] == "approved"


def test_moderation_all_holds_everything(make_site, client):
    slug, _ = make_site("strict", moderation="all")
    reader = Reader(client, slug)
    created = reader.comment("hello")
    assert created["comment"]["status"] == "pending"
    body = reader.list().get_json()
    assert body["comments"] == [] and body["thread"]["count"] == 0


def test_moderation_first_holds_new_authors_only(make_site, client, app):
    slug, _ = make_site("first", moderation="first")
    reader = Reader(client, slug)
    first = reader.comment("first words", author_email="new@example.org")["comment"]
    assert first["status"] == "pending"
    # Still unknown while the first comment waits.
    assert reader.comment("again", author_email="new@example.org")["comment"]["status"] == \
        "pending"
    with app.app_context():
        db.session.get(Comment, first["id"]).status = "approved"
        db.session.commit()
    known = reader.comment("known now", author_email="NEW@example.org")["comment"]
    assert known["status"] == "approved"
    # Without an email the author is known by IP hash: same address known, a new one held.
    assert reader.comment("no email, same IP")["comment"]["status"] == "approved"
    stranger = client.post("/api/comments", query_string={"site": slug, "url": PAGE},
                           json={"text": "no email, new IP"}, headers={"Origin": ORIGIN},
                           environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert stranger.get_json()["comment"]["status"] == "pending"


def test_pending_comments_can_be_edited_by_their_author(reader):
    created = reader.comment("slow", elapsed_ms=1)
    response = reader.client.patch(f"/api/comments/{created['comment']['id']}",
                                   json={"text": "fixed typo"},
                                   headers={"X-Edit-Token": created["edit_token"],
                                            "Origin": ORIGIN})
    assert response.status_code == 200
    assert response.get_json()["status"] == "pending"


def test_edit_that_adds_spam_links_is_held_again(reader):
    created = reader.comment("innocent")
    spam = " ".join(f"https://site{n}.example" for n in range(5))
    response = reader.client.patch(f"/api/comments/{created['comment']['id']}",
                                   json={"text": spam},
                                   headers={"X-Edit-Token": created["edit_token"],
                                            "Origin": ORIGIN})
    assert response.get_json()["status"] == "pending"
    body = reader.list().get_json()
    assert body["comments"] == [] and body["thread"]["count"] == 0
