"""What each importer makes of its format: threads, tree, statuses, dates, votes, bodies.

Fixtures in tests/data/ follow each format's documented layout and cover replies (also a
reply listed before its parent), deleted, spam, pending, unicode and missing fields.
"""
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment
from commentsvc.models import Thread
from commentsvc.security import keyed_hash
from tests.helpers import ORIGIN
from tests.helpers import Reader

DATA = Path(__file__).parent / "data"


def upload(client, token, fmt, body, site="blog", **params):
    """POST an export file as the raw request body."""
    return client.post(
        "/api/admin/import",
        query_string={"site": site, "format": fmt, **params},
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"},
    )


def isso_database(tmp_path):
    """An Isso SQLite file built from tests/data/isso.sql."""
    path = tmp_path / "comments.db"
    connection = sqlite3.connect(path)
    connection.executescript((DATA / "isso.sql").read_text())
    connection.close()
    return path


def imported(client, token, fmt, path, **params):
    response = upload(client, token, fmt, Path(path).read_bytes(), **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def stored(app, external_id):
    with app.app_context():
        return db.session.execute(
            select(Comment).where(Comment.external_id == external_id)
        ).scalar_one()


def by_name(comments):
    return {c["author"]["name"]: c for c in comments}


@pytest.fixture
def blog(make_site):
    """The admin token of site "blog"."""
    return make_site()[1]


@pytest.fixture
def reader(client, blog):
    return Reader(client, "blog")


# Disqus


def test_disqus_threads_tree_and_statuses(client, reader, blog, app):
    result = imported(client, blog, "disqus", DATA / "disqus.xml")
    assert result["imported"] == 9
    assert result["statuses"] == {"approved": 6, "deleted": 2, "spam": 1}
    assert result["threads_created"] == 2  # the thread without posts is not created
    assert result["orphans"] == 1 and "disqus:9999" in result["warnings"][0]

    # Same page key as live comments: tracking parameters, host case, fragment don't matter.
    body = reader.list(url=f"{ORIGIN}/2013/05/hello?utm_campaign=x").get_json()
    assert body["thread"]["title"] == "Hello & welcome"
    assert body["thread"]["url"] == f"{ORIGIN}/2013/05/hello"
    assert body["thread"]["count"] == 4  # approved, not deleted, replies included
    alice, tombstone = body["comments"]  # the deleted one without replies and spam are gone
    assert alice["author"]["name"] == "Alice"
    assert alice["created_at"] == "2013-05-01T11:00:00.000000Z"
    (bob,) = alice["replies"]
    assert bob["author"]["name"] == "Bob" and bob["parent_id"] == alice["id"]
    (chen,) = bob["replies"]  # listed before its parent in the file
    assert chen["html"] == "<p>Reply to Bob, 日本語で 🎉</p>"
    assert tombstone["status"] == "deleted" and tombstone["html"] == ""
    assert tombstone["author"]["name"] == ""
    assert [r["author"]["name"] for r in tombstone["replies"]] == ["Eve"]


def test_disqus_html_is_sanitized_and_kept_as_markdown(client, reader, blog, app):
    imported(client, blog, "disqus", DATA / "disqus.xml")
    alice = reader.list(url=f"{ORIGIN}/2013/05/hello").get_json()["comments"][0]
    assert "<script" not in alice["html"]
    assert 'rel="nofollow ugc noopener"' in alice["html"]
    row = stored(app, "disqus:1001")
    assert row.text == "First! Read [this](https://example.com/x)."
    spam = stored(app, "disqus:1008")
    assert spam.status == "spam" and spam.author_email == "spammer@example.net"


def test_disqus_private_fields_are_keyed_like_live_comments(client, blog, app):
    imported(client, blog, "disqus", DATA / "disqus.xml")
    row = stored(app, "disqus:1001")
    assert row.author_email == "alice@example.org"  # lower-cased like a live poster's
    with app.app_context():
        assert row.ip_hash == keyed_hash("ip", "198.51.100.7")
        assert row.avatar_hash == keyed_hash("avatar", "alice@example.org")[:24]


def test_disqus_missing_fields_closed_thread_and_orphan(client, reader, blog):
    imported(client, blog, "disqus", DATA / "disqus.xml")
    body = reader.list(url=f"{ORIGIN}/2013/06/closed").get_json()
    assert body["thread"]["locked"] is True
    assert body["thread"]["title"] == "Closed post — ünïcödé"
    anonymous, orphan = body["comments"]
    assert anonymous["author"]["name"] == "guest"  # no <author> at all
    assert anonymous["author"]["website"] is None
    assert anonymous["html"] == "Plain text without markup"
    assert anonymous["created_at"] == "2013-06-02T08:00:00.000000Z"  # no offset: UTC
    assert orphan["author"]["name"] == "Gil" and orphan["parent_id"] is None
    assert reader.list(url=f"{ORIGIN}/2013/07/quiet").get_json()["thread"]["count"] == 0


# WordPress / wpDiscuz


def test_wordpress_statuses_parents_and_wpdiscuz_votes(client, reader, blog):
    result = imported(client, blog, "wordpress", DATA / "wordpress.xml")
    # the pingback is not a comment
    assert result["statuses"] == {"approved": 3, "pending": 1, "spam": 1, "deleted": 1}
    body = reader.list(url=f"{ORIGIN}/why-we-moved/").get_json()
    assert body["thread"]["count"] == 2
    (anna,) = body["comments"]  # pending, spam and trash are not public
    assert anna["votes"] == {"up": 5, "down": 2, "score": 3}  # wpdiscuz_votes_seperate
    assert anna["author"]["website"] == "https://anna.example.org"
    assert anna["created_at"] == "2020-01-06T10:00:00.000000Z"  # comment_date_gmt
    assert anna["html"].startswith("<p>Great post!<br>\nSecond line.</p><p>New paragraph")
    assert "<strong>bold</strong> &amp; <a" in anna["html"]
    (reply,) = anna["replies"]
    assert reply["author"]["name"] == "Bartłomiej"
    assert reply["html"] == "<p>Zgadzam się — отличный пост</p>"
    assert reply["votes"] == {"up": 0, "down": 2, "score": -2}  # net wpdiscuz_votes only
    assert reply["author"]["website"] is None  # javascript: URL dropped
    assert reply["created_at"] == "2020-01-06T12:30:00.000000Z"  # no GMT date: local date


def test_wordpress_missing_fields_and_tracking_link(client, reader, blog, app):
    imported(client, blog, "wordpress", DATA / "wordpress.xml")
    body = reader.list(url=f"{ORIGIN}/?p=14").get_json()
    (anonymous,) = body["comments"]
    assert anonymous["author"]["name"] == "guest"
    assert anonymous["votes"] == {"up": 0, "down": 0, "score": 0}
    row = stored(app, "wp:40")
    assert row.author_email is None and row.ip_hash is None
    assert stored(app, "wp:35").text == ""  # trashed: emptied like a deleted comment
    assert stored(app, "wp:33").text == "Held for moderation."


# Isso


def test_isso_modes_votes_dates_and_markdown(client, reader, blog, tmp_path):
    result = imported(client, blog, "isso", isso_database(tmp_path))
    assert result["statuses"] == {"approved": 4, "pending": 1, "deleted": 1}
    body = reader.list(url=f"{ORIGIN}/posts/isso-one/").get_json()
    assert body["thread"] == {"url": f"{ORIGIN}/posts/isso-one/", "title": "Isso one",
                              "count": 3, "locked": False}
    ida, tombstone = body["comments"]
    assert ida["html"] == ("<p>Markdown <em>works</em> and &lt;b&gt;raw html&lt;/b&gt; "
                           "is escaped</p>")
    assert ida["votes"] == {"up": 4, "down": 1, "score": 3}
    assert ida["created_at"] == "2020-01-01T10:00:00.250000Z"
    (jon,) = ida["replies"]
    assert jon["edited_at"] == "2020-01-01T12:00:00.000000Z"
    assert jon["votes"]["down"] == 2
    assert tombstone["status"] == "deleted"
    assert tombstone["replies"][0]["author"]["name"] == "guest"
    other = reader.list(url=f"{ORIGIN}/posts/isso-two/").get_json()
    assert other["comments"][0]["html"] == "<p>日本語のコメント</p>"
    assert other["comments"][0]["votes"] == {"up": 0, "down": 0, "score": 0}  # NULL likes


def test_isso_paths_join_the_given_base_url(client, blog, tmp_path, app):
    result = imported(client, blog, "isso", isso_database(tmp_path),
                      base_url="https://old.example.net")
    assert any("not on an allowed origin" in warning for warning in result["warnings"])
    with app.app_context():
        keys = set(db.session.scalars(select(Thread.page_key)))
    assert keys == {"https://old.example.net/posts/isso-one/",
                    "https://old.example.net/posts/isso-two/"}


def test_isso_file_that_is_not_sqlite_is_rejected(client, blog):
    response = upload(client, blog, "isso", b"definitely not a database" * 10)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_file"


def test_isso_sqlite_file_without_isso_tables_is_rejected(client, blog, tmp_path):
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE unrelated (x)")
    connection.close()
    response = upload(client, blog, "isso", path.read_bytes())
    assert response.status_code == 400
    assert "no such table" in response.get_json()["error"]["message"]
