"""``flask comments ...`` and ``flask bans ...``: the CLI equivalents of the admin API."""
import json

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import AuditEntry
from tests.moderation import PAGE2
from tests.moderation import SPAMMER_IP


@pytest.fixture
def cli(runner):
    def run(*args, input=None, code=0):
        result = runner.invoke(args=list(map(str, args)), input=input)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_list_approve_spam_delete(cli, world):
    cli("bans", "list", "--site", "blog")  # an empty list is fine
    hp = world.post("Caught by the honeypot", author_email="x@example.org", hp="filled")
    ok = world.post("Fine", url=PAGE2)
    listed = json.loads(cli("comments", "list", "--site", "blog", "--json"))
    assert [c["id"] for c in listed["comments"]] == [ok, hp]
    assert listed["comments"][1]["author_email"] == "x@example.org"
    text = cli("comments", "list", "--site", "blog", "--status", "spam")
    assert text.startswith(f"{hp}\tspam\t") and "x@example.org" in text

    approved = json.loads(cli("comments", "approve", hp, "--json"))
    assert approved[0]["status"] == "approved"
    assert world.visible_ids() == [hp] and world.count() == 1
    assert cli("comments", "spam", hp) == f"{hp}\tspam\n"
    assert world.visible_ids() == [] and world.count() == 0

    reply = world.post("Reply", url=PAGE2, parent_id=ok)
    deleted = json.loads(cli("comments", "delete", ok, "--cascade", "--json"))
    assert sorted(deleted["ids"]) == sorted([ok, reply])
    assert world.visible_ids(PAGE2) == [] and world.count(PAGE2) == 0
    world.assert_counts_exact()
    with world.app.app_context():
        actors = set(db.session.scalars(select(AuditEntry.actor)))
    assert actors == {"cli"}


def test_unknown_things_fail_cleanly(cli, world):
    assert "No such comment" in cli("comments", "approve", 999999, code=1)
    assert "Unknown site" in cli("comments", "list", "--site", "nope", code=1)
    assert "No such ban" in cli("bans", "lift", "--site", "blog", 999999, code=1)


def test_purge_previews_asks_and_purges(cli, world):
    keep = world.post("Real")
    spam = [world.post(f"Spam {n}", ip=SPAMMER_IP) for n in range(3)]
    before = world.snapshot()

    preview = json.loads(cli("comments", "purge", "--site", "blog", "--ip-of", spam[0],
                             "--dry-run", "--json"))
    assert preview == {"purged": 3, "ids": spam, "dry_run": True}
    assert "Would purge 3 comment(s)" in cli("comments", "purge", "--site", "blog",
                                             "--ip-of", spam[0], "--dry-run")
    declined = cli("comments", "purge", "--site", "blog", "--ip-of", spam[0], input="n\n",
                   code=1)
    assert "Purge 3 comment(s) of site 'blog'?" in declined and "Aborted" in declined
    assert world.snapshot() == before

    confirmed = cli("comments", "purge", "--site", "blog", "--ip-of", spam[0], input="y\n")
    assert "Purged 3 comment(s)." in confirmed
    assert world.visible_ids() == [keep] and world.count() == 1
    world.assert_counts_exact()


def test_purge_with_yes_and_json_and_without_filters(cli, world):
    first = world.post("Old spam", author_email="bot@spam.example")
    world.post("Real")
    before = world.snapshot()
    assert "at least one filter" in cli("comments", "purge", "--site", "blog", "--yes", code=2)
    assert world.snapshot() == before
    result = json.loads(cli("comments", "purge", "--site", "blog", "--author-email",
                            "BOT@spam.example", "--yes", "--json"))
    assert result == {"purged": 1, "ids": [first], "dry_run": False}
    assert world.count() == 1


def test_bans(cli, world):
    spam = world.post("Spam", ip=SPAMMER_IP)
    ban = json.loads(cli("bans", "add", "--site", "blog", "--ip-of", spam, "--reason", "wave",
                         "--json"))
    assert ban["reason"] == "wave" and ban["active"] and ban["ip_hash"]
    world.post("Again", ip=SPAMMER_IP, status=403)
    assert "Ban" in cli("bans", "add", "--site", "blog", "--email", "troll@example.org",
                        "--expires", "2999-01-01T00:00:00Z")
    world.post("hi", author_email="troll@example.org", status=403)
    listed = json.loads(cli("bans", "list", "--site", "blog", "--json"))
    assert [b["author_email"] for b in listed] == ["troll@example.org", None]
    assert cli("bans", "add", "--site", "blog", "--expires", "2001-01-01", code=2)
    cli("bans", "lift", "--site", "blog", ban["id"])
    world.post("Allowed again", ip=SPAMMER_IP)
