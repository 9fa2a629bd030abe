"""Inline feedback through the public API: anchor validation and the inline filter (issue 6).

The basics live elsewhere (exact > 500 in test_comments.py, prefix > 64 and unknown anchor
keys in test_attacks.py, ``inline=maybe`` → 400); these cover the rest of the contract.
"""
import pytest

from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.helpers import ORIGIN

ANCHOR = {"exact": "riverside bike lanes", "prefix": "approved the ", "suffix": ". The lanes"}


def ids(response):
    assert response.status_code == 200, response.get_json()
    return [c["id"] for c in response.get_json()["comments"]]


@pytest.mark.parametrize("anchor", [
    {"exact": ""},
    {"prefix": "only context"},
    {"exact": 5},
    {"exact": ["a", "b"]},
    {"exact": "x", "suffix": "s" * 65},
    {"exact": "x", "prefix": None},
    {"exact": "bell\x07"},
    {"exact": "lone \ud800 surrogate"},
    {"exact": "x", "prefix": "p\x00"},
    "riverside bike lanes",
    ["riverside bike lanes"],
])
def test_invalid_anchors_are_422_and_store_nothing(reader, app, anchor):
    response = reader.post("on a passage", anchor=anchor)
    assert response.status_code == 422
    assert "anchor" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.query(Comment).count() == 0


@pytest.mark.parametrize("anchor, stored", [
    ({"exact": "é" * 500, "prefix": "p" * 64, "suffix": "s" * 64},
     {"exact": "é" * 500, "prefix": "p" * 64, "suffix": "s" * 64}),
    ({"exact": "just the passage"}, {"exact": "just the passage", "prefix": "", "suffix": ""}),
    ({"exact": "two\nlines", "prefix": "", "suffix": ""},
     {"exact": "two\nlines", "prefix": "", "suffix": ""}),
    (None, None),
])
def test_valid_anchors_are_stored_as_sent(reader, anchor, stored):
    created = reader.comment("on a passage", anchor=anchor)
    assert created["comment"]["anchor"] == stored
    assert reader.list().get_json()["comments"][0]["anchor"] == stored


def test_inline_filter_splits_the_thread_and_keeps_counts(reader):
    anchored = [reader.comment(f"on a passage {n}", anchor=ANCHOR)["comment"]["id"]
                for n in range(3)]
    plain = [reader.comment("general")["comment"]["id"],
             reader.comment("explicit null", anchor=None)["comment"]["id"]]
    reply = reader.comment("a reply", parent_id=anchored[0])["comment"]["id"]
    only = reader.list(inline="only")
    assert ids(only) == anchored
    # Replies of anchored comments come along, without anchors of their own.
    assert [r["id"] for r in only.get_json()["comments"][0]["replies"]] == [reply]
    assert only.get_json()["comments"][0]["replies"][0]["anchor"] is None
    assert ids(reader.list(inline="exclude")) == plain
    assert ids(reader.list()) == anchored + plain
    # The thread count is the whole thread's in every view.
    for view in ({}, {"inline": "only"}, {"inline": "exclude"}):
        assert reader.list(**view).get_json()["thread"]["count"] == 6


def test_inline_filter_pages_with_a_cursor(reader):
    anchored = []
    for n in range(5):
        anchored.append(reader.comment(f"a{n}", anchor=ANCHOR)["comment"]["id"])
        reader.comment(f"plain {n}")
    first = reader.list(inline="only", limit=2).get_json()
    second = reader.list(inline="only", limit=2, cursor=first["next_cursor"]).get_json()
    third = reader.list(inline="only", limit=2, cursor=second["next_cursor"]).get_json()
    seen = [c["id"] for page in (first, second, third) for c in page["comments"]]
    assert seen == anchored and third["next_cursor"] is None
    newest = reader.list(inline="only", sort="newest", limit=100)
    assert ids(newest) == anchored[::-1]


def test_edit_keeps_the_anchor_and_delete_drops_it(reader):
    created = reader.comment("on a passage", anchor=ANCHOR)
    comment_id, token = created["comment"]["id"], created["edit_token"]
    headers = {"X-Edit-Token": token, "Origin": ORIGIN}
    edited = reader.client.patch(f"/api/comments/{comment_id}", json={"text": "changed"},
                                 headers=headers)
    assert edited.status_code == 200
    assert edited.get_json()["anchor"] == ANCHOR
    # The anchor can't be changed by an edit.
    moved = reader.client.patch(f"/api/comments/{comment_id}",
                                json={"text": "x", "anchor": {"exact": "elsewhere"}},
                                headers=headers)
    assert moved.status_code == 422
    reader.comment("a reply keeps the tombstone", parent_id=comment_id)
    assert reader.client.delete(f"/api/comments/{comment_id}", headers=headers).status_code == 204
    # A tombstone keeps its place in the thread but no longer quotes the article.
    assert ids(reader.list(inline="only")) == []
    tomb = reader.list().get_json()["comments"][0]
    assert tomb["status"] == "deleted" and tomb["anchor"] is None
