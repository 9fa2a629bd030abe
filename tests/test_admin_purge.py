"""Bulk purge: filters, dry runs, thread shape, exact counts and ETags, one transaction."""
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from commentsvc.extensions import db
from commentsvc.models import AuditEntry
from commentsvc.models import Comment
from commentsvc.models import Thread
from commentsvc.models import Vote
from commentsvc.models import utcnow
from commentsvc.services import moderation
from commentsvc.services.sites import get_site
from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.moderation import PAGE2
from tests.moderation import SPAMMER_IP
from tests.moderation import World


@pytest.fixture
def wave(world):
    """A spam wave over two threads among real comments, one of them replying to spam."""
    ids = {
        "good": world.post("A real comment", author_email="ada@example.org"),
        "spam1": world.post("Cheap pills", author_email="bot@spam.example", ip=SPAMMER_IP),
        "spam2": world.post("Cheap pills 2", url=PAGE2, author_email="bot@spam.example",
                            ip=SPAMMER_IP),
        "spam3": world.post("Cheap pills 3", ip=SPAMMER_IP),
        "good2": world.post("Another real one", url=PAGE2),
    }
    ids["answer"] = world.post("Don't buy these", parent_id=ids["spam1"])
    world.client.put(f"/api/comments/{ids['spam1']}/vote", json={"value": 1},
                     headers={"Origin": ORIGIN, "X-Voter-Token": "v" * 32})
    return ids


@pytest.mark.parametrize("body", [
    {}, {"dry_run": True}, {"comment_ids": []}, {"status": "maybe"},
    {"since": "yesterday"}, {"comment_ids": ["1"]}, {"author_email": "a@x.org", "extra": 1},
])
def test_purge_needs_a_valid_filter(world, wave, admin, body):
    before = world.snapshot()
    response = admin.purge(**body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_error"
    assert world.snapshot() == before


def test_dry_run_reports_and_changes_nothing(world, wave, admin):
    before = world.snapshot()
    response = admin.purge(author_email="BOT@spam.example", dry_run=True)
    assert response.status_code == 200
    assert response.get_json() == {"purged": 2, "ids": [wave["spam1"], wave["spam2"]],
                                   "dry_run": True}
    assert world.snapshot() == before


def test_purge_by_email_spans_threads_with_exact_counts_and_etags(app, world, wave,
                                                                   admin):
    etags = {url: world.etag(url) for url in (PAGE, PAGE2)}
    assert (world.count(PAGE), world.count(PAGE2)) == (4, 2)

    response = admin.purge(author_email="bot@spam.example")
    assert response.status_code == 200
    assert response.get_json()["ids"] == [wave["spam1"], wave["spam2"]]
    assert response.get_json()["purged"] == 2

    # spam1 keeps a real reply: it stays as a tombstone holding the reply.
    thread = world.public(PAGE).get_json()
    assert [c["id"] for c in thread["comments"]] == [wave["good"], wave["spam1"], wave["spam3"]]
    tombstone = thread["comments"][1]
    assert tombstone["status"] == "deleted" and tombstone["html"] == ""
    assert tombstone["votes"] == {"up": 0, "down": 0, "score": 0}
    assert [r["id"] for r in tombstone["replies"]] == [wave["answer"]]
    assert world.visible_ids(PAGE2) == [wave["good2"]]
    assert (world.count(PAGE), world.count(PAGE2)) == (3, 1)
    assert all(world.etag(url) != etag for url, etag in etags.items())
    world.assert_counts_exact()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
        spam1 = db.session.get(Comment, wave["spam1"])
        assert (spam1.author_email, spam1.ip_hash, spam1.text) == (None, None, "")


def test_purge_by_ip_of_and_status_and_url(world, wave, admin):
    ip_only = admin.purge(ip_of=wave["spam3"], url=PAGE2).get_json()
    assert ip_only["ids"] == [wave["spam2"]]
    assert world.count(PAGE2) == 1

    world.client.post(f"/api/admin/comments/{wave['spam3']}/spam", headers=admin.headers)
    by_status = admin.purge(status="spam").get_json()
    assert by_status["ids"] == [wave["spam3"]]
    assert world.count(PAGE) == 3  # spam3 was not counted any more

    everything = admin.purge(url=PAGE).get_json()
    assert sorted(everything["ids"]) == sorted([wave["good"], wave["spam1"], wave["answer"]])
    assert world.visible_ids(PAGE) == [] and world.count(PAGE) == 0
    assert world.visible_ids(PAGE2) == [wave["good2"]]
    world.assert_counts_exact()


def test_purge_by_time_range(app, world, wave, admin):
    old = utcnow() - timedelta(days=3)
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id.in_([wave["spam1"], wave["answer"]]))
                           .values(created_at=old))
        db.session.commit()
    since = (old - timedelta(hours=1)).isoformat() + "Z"
    until = (old + timedelta(hours=1)).isoformat() + "+00:00"
    response = admin.purge(since=since, until=until)
    assert sorted(response.get_json()["ids"]) == sorted([wave["spam1"], wave["answer"]])
    # A parent and its reply purged together leave no tombstone.
    assert world.status(wave["spam1"]) is None
    assert world.visible_ids(PAGE) == [wave["good"], wave["spam3"]]
    world.assert_counts_exact()
    # An offset is honoured (no offset or Z means UTC).
    ahead = (utcnow() + timedelta(hours=4)).isoformat()
    assert admin.purge(since=ahead + "Z", dry_run=True).get_json()["purged"] == 0
    assert admin.purge(since=ahead + "+05:00", dry_run=True).get_json()["purged"] == 4


def test_purge_by_ids_only_touches_this_site(client, world, wave, admin):

    foreign = World(world.app, client, "other").post("Other site's comment")
    response = admin.purge(comment_ids=[wave["spam3"], foreign])
    assert response.get_json()["ids"] == [wave["spam3"]]
    assert World(world.app, client, "other").visible_ids() == [foreign]
    # ip_of naming another site's comment is unknown here.
    assert admin.purge(ip_of=foreign).status_code == 404


def test_purge_reply_drops_the_tombstone_it_emptied(world, admin):
    parent = world.post("Parent")
    reply = world.post("Spam reply", parent_id=parent, ip=SPAMMER_IP)
    world.client.delete(f"/api/admin/comments/{parent}", headers=admin.headers)
    assert world.status(parent) == "deleted"
    admin.purge(comment_ids=[reply])
    assert world.status(parent) is None and world.status(reply) is None
    world.assert_counts_exact()


def test_purge_is_audited_with_its_ids(world, wave, admin):
    admin.purge(author_email="bot@spam.example", dry_run=True)
    admin.purge(author_email="bot@spam.example")
    entries = admin.request("GET", "/api/admin/audit", {"site": "blog"}).get_json()["entries"]
    purges = [e for e in entries if e["action"] == "purge"]
    assert len(purges) == 1  # a dry run changes nothing, so it is not an admin action
    assert purges[0]["rows"] == 2 and purges[0]["actor"] == "admin"
    assert purges[0]["detail"] == {"filters": {"author_email": "bot@spam.example"},
                                   "ids": [wave["spam1"], wave["spam2"]]}


def _fail_after(original):
    def step(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("injected failure")
    return step


@pytest.mark.parametrize("step", ["_delete_leaves", "_drop_empty_tombstones",
                                  "_recount_threads", "_audit"])
def test_a_purge_failing_midway_changes_nothing(monkeypatch, world, wave, admin,
                                                step):
    before = world.snapshot()
    etag = world.etag()
    monkeypatch.setattr(moderation, step, _fail_after(getattr(moderation, step)))
    response = admin.purge(author_email="bot@spam.example")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert world.snapshot() == before
    assert world.etag() == etag and world.count(PAGE) == 4
    assert wave["spam1"] in world.visible_ids()


def test_ten_thousand_comments_go_in_one_call_with_set_based_sql(app, world,
                                                                  admin):
    """Thousands of rows in a bounded number of statements (no per-row ORM loop)."""
    keep = world.post("A real comment")
    urls = [f"{ORIGIN}/post/{n}" for n in range(20)]
    for url in urls:
        world.post("Real", url=url)
    with app.app_context():
        site = get_site("blog")
        threads = db.session.scalars(select(Thread.id).where(Thread.site_id == site.id)).all()
        now = utcnow()
        db.session.execute(insert(Comment), [
            {"site_id": site.id, "thread_id": threads[n % len(threads)], "author_name": "bot",
             "author_email": "bot@spam.example", "avatar_hash": "0" * 24, "text": "spam",
             "html": "<p>spam</p>", "status": "approved", "created_at": now, "depth": 0,
             "ip_hash": "f" * 64}
            for n in range(10000)
        ])
        db.session.execute(update(Thread).values(comment_count=select(func.count(Comment.id))
                           .where(Comment.thread_id == Thread.id).scalar_subquery()))
        db.session.commit()
    assert world.count() == 1 + 10000 // 21 + 1

    statements = []

    def count(*args):
        statements.append(args[2])

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = admin.purge(author_email="bot@spam.example")
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert response.get_json()["purged"] == 10000
    assert len(statements) < 150, len(statements)
    assert world.visible_ids() == [keep]
    assert all(world.count(url) == 1 for url in urls)
    world.assert_counts_exact()
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 21
        assert db.session.scalar(select(AuditEntry.rows).where(AuditEntry.action == "purge")) \
            == 10000
