"""Subscriptions, reply/thread mail, site-owner mail with moderation links, webhooks.

Real parts: an aiosmtpd SMTP server on a free local port receives what the outbox worker
sends, and a real HTTP server receives webhooks and checks their signatures. The fixtures
here are shared with test_outbox.py.
"""
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment
from commentsvc.models import OutboxMessage
from commentsvc.models import Subscription
from commentsvc.models import Thread
from commentsvc.models import utcnow
from commentsvc.services import outbox
from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.helpers import Reader
from tests.mail import MAIL_FROM
from tests.mail import link
from tests.mail import subscribe
from tests.mail import subscribe_confirmed

# Subscribing: double opt-in

pytestmark = pytest.mark.usefixtures("mail_via_smtp")


def test_subscription_is_confirmed_once_by_mailed_link(client, site, mailbox, deliver):
    response = subscribe(client, "Ann@Example.org")
    assert response.status_code == 202
    assert response.get_json()["status"] == "confirmation_sent"
    assert mailbox.messages == []  # posting never waits for SMTP: the worker sends
    assert deliver()["sent"] == 1

    [message] = mailbox.to("ann@example.org")
    assert message["From"] == MAIL_FROM
    assert message["Message-ID"].endswith("@comments.test>")
    assert message["Date"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith(
        "<http://comments.test/api/subscriptions/unsubscribe?token=")
    assert "Confirm" in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "/api/subscriptions/confirm?token=" in html

    confirm = link(message, "/api/subscriptions/confirm")
    page = client.get(confirm, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "Subscription confirmed" in page.get_data(as_text=True)
    again = client.get(confirm, headers={"Accept": "application/json"})
    assert again.status_code == 404
    assert again.get_json()["error"]["code"] == "invalid_link"
    with client.application.app_context():
        sub = db.session.scalars(select(Subscription)).one()
        assert sub.confirmed_at is not None and sub.email == "ann@example.org"


def test_unconfirmed_subscription_gets_no_comment_mail(client, reader, mailbox, deliver):
    assert subscribe(client, "lurker@example.org").status_code == 202
    reader.comment("First!")
    deliver()
    assert [m["Subject"] for m in mailbox.to("lurker@example.org")] == [
        "Confirm your subscription to comments on https://blog.example.org/2026/11/hello-world"
    ]


def test_repeated_requests_send_one_confirmation(client, site, mailbox, deliver):
    for _ in range(4):
        assert subscribe(client, "target@example.org").status_code == 202
    deliver()
    assert len(mailbox.to("target@example.org")) == 1


def test_expired_confirmation_link_is_refused_and_forgotten(app, client, site, mailbox, deliver):
    subscribe(client, "late@example.org")
    deliver()
    confirm = link(mailbox.to("late@example.org")[0], "/api/subscriptions/confirm")
    with app.app_context():
        sub = db.session.scalars(select(Subscription)).one()
        sub.created_at = utcnow() - timedelta(hours=49)
        db.session.commit()
    response = client.get(confirm, headers={"Accept": "application/json"})
    assert response.status_code == 410
    with app.app_context():
        assert db.session.scalars(select(Subscription)).all() == []


def test_expired_unconfirmed_subscriptions_are_purged(app, client, site):
    subscribe(client, "old@example.org")
    with app.app_context():
        assert outbox.maintenance(app.config, now=utcnow() + timedelta(hours=47)) == (0, 0)
        assert outbox.maintenance(app.config, now=utcnow() + timedelta(hours=49))[1] == 1


@pytest.mark.parametrize("body, field", [
    ({"url": PAGE, "email": "not-an-email", "kind": "thread"}, "email"),
    ({"url": PAGE, "email": "a@example.org", "kind": "weekly"}, "kind"),
    ({"url": PAGE, "email": "a@example.org", "kind": "thread", "comment_id": 1}, "comment_id"),
    ({"url": PAGE, "email": "a@example.org", "kind": "replies", "comment_id": 999},
     "comment_id"),
])
def test_invalid_subscription_requests_are_422(client, site, body, field):
    response = client.post("/api/subscriptions", json={"site": site, **body})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_subscription_checks_site_and_origin(client, site):
    assert subscribe(client, "a@example.org", site="nope").status_code == 404
    response = client.post("/api/subscriptions", json={
        "site": site, "url": "https://evil.example.com/x", "email": "a@example.org",
        "kind": "thread"})
    assert response.status_code == 403
    mismatch = client.post("/api/subscriptions?site=other", json={
        "site": site, "url": PAGE, "email": "a@example.org", "kind": "thread"})
    assert mismatch.status_code == 422


def test_subscribing_is_rate_limited(app_config, make_site):
    from commentsvc import create_app

    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_SUBSCRIBE="2/minute")
    slug, _ = make_site()
    client = create_app(app_config).test_client()
    codes = [subscribe(client, f"r{i}@example.org", site=slug).status_code for i in range(3)]
    assert codes[:2] == [202, 202]
    assert codes[2] == 429


def test_preflight_for_subscribing_is_allowed_with_site_in_query(client, site):
    response = client.options("/api/subscriptions?site=blog", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


# Comment mail


def test_thread_and_reply_mail_reach_subscribers_but_never_the_author(
        app, client, reader, mailbox, deliver):
    subscribe_confirmed(client, mailbox, deliver, "watcher@example.org", "thread")
    top = reader.comment("Top-level by Ann", author_name="Ann", author_email="ann@example.org",
                         notify="replies")
    deliver()
    confirm = link(mailbox.to("ann@example.org")[-1], "/api/subscriptions/confirm")
    assert client.get(confirm).status_code == 200
    assert [m["Subject"] for m in mailbox.to("watcher@example.org")][-1].startswith(
        "New comment on")

    reply = Reader(client, reader.site, voter="voter-token-0000000002")
    reply.comment("A reply to Ann", author_name="Bob", author_email="bob@example.org",
                  parent_id=top["comment"]["id"])
    # Ann answers herself: she gets no mail about her own comment.
    reader.comment("Ann again", author_email="ann@example.org", parent_id=top["comment"]["id"])
    deliver()

    ann = [m["Subject"] for m in mailbox.to("ann@example.org")]
    assert ann == [
        "Confirm your subscription to comments on "
        "https://blog.example.org/2026/11/hello-world",
        "New reply to your comment on https://blog.example.org/2026/11/hello-world",
    ]
    [reply_mail] = [m for m in mailbox.to("ann@example.org") if "reply" in m["Subject"]]
    assert "A reply to Ann" in reply_mail.get_body(("plain",)).get_content()
    assert "<p>A reply to Ann</p>" in reply_mail.get_body(("html",)).get_content()
    assert reply_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(mailbox.to("watcher@example.org")) == 1 + 3  # confirm + three comments
    assert mailbox.to("bob@example.org") == []


def test_one_click_unsubscribe_stops_the_mail(client, reader, mailbox, deliver):
    subscribe_confirmed(client, mailbox, deliver, "quit@example.org")
    reader.comment("one")
    deliver()
    header = mailbox.to("quit@example.org")[-1]["List-Unsubscribe"].strip("<>")
    path = header.replace("http://comments.test", "")
    # RFC 8058: the mail client POSTs this form body, not JSON.
    response = client.post(path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert client.get(path, headers={"Accept": "application/json"}).get_json() == {
        "status": "unsubscribed", "message": "You will get no more mail about this subscription."}
    reader.comment("two")
    deliver()
    assert len(mailbox.to("quit@example.org")) == 2  # the confirmation and "one"


def test_forged_unsubscribe_token_is_404(client, reader, mailbox, deliver):
    subscribe_confirmed(client, mailbox, deliver, "keep@example.org")
    with client.application.app_context():
        sub_id = db.session.scalars(select(Subscription.id)).one()
    response = client.get(f"/api/subscriptions/unsubscribe?token=s.{sub_id}.{'0' * 32}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert client.get("/api/subscriptions/unsubscribe").status_code == 400
    reader.comment("still subscribed")
    deliver()
    assert len(mailbox.to("keep@example.org")) == 2


def test_notify_subscribes_the_author_with_double_opt_in(app, client, reader, mailbox, deliver):
    reader.comment("Tell me", author_email="me@example.org", notify="thread")
    deliver()
    [message] = mailbox.to("me@example.org")
    assert "Confirm" in message["Subject"]
    with app.app_context():
        sub = db.session.scalars(select(Subscription)).one()
        assert (sub.kind, sub.confirmed_at) == ("thread", None)


def test_notify_without_email_is_refused_and_stores_nothing(app, reader):
    response = reader.post("Tell me", notify="replies")
    assert response.status_code == 422
    assert "author_email" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalars(select(Comment)).all() == []
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_header_injection_from_titles_and_names_is_neutralised(
        app, client, reader, mailbox, deliver):
    subscribe_confirmed(client, mailbox, deliver, "safe@example.org")
    with app.app_context():
        db.session.scalars(select(Thread)).one().title = "Hi\r\nBcc: victim@example.org\r\nX: y"
        db.session.commit()
    reader.comment("text", author_name="Eve\u2028Bcc: victim@example.org")
    deliver()
    message = mailbox.to("safe@example.org")[-1]
    assert message["Bcc"] is None and message["X"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert mailbox.to("victim@example.org") == []


# Site owner mail and moderation links


def test_owner_gets_mail_for_each_comment_but_subscribers_only_after_approval(
        app, client, make_site, mailbox, deliver):
    slug, _ = make_site("mod", moderation="all", notify_email="owner@example.org")
    reader = Reader(client, slug)
    subscribe_confirmed(client, mailbox, deliver, "fan@example.org", site=slug)
    comment_id = reader.comment("Please approve me", author_name="Guest")["comment"]["id"]
    deliver()
    assert len(mailbox.to("fan@example.org")) == 1  # only the confirmation: still pending

    [owner_mail] = mailbox.to("owner@example.org")
    assert owner_mail["Subject"].startswith("[mod] Comment awaiting moderation")
    assert owner_mail["List-Unsubscribe"]
    text = owner_mail.get_body(("plain",)).get_content()
    spam = re.search(r"Mark as spam: http://comments\.test(\S+)", text).group(1)
    approve = re.search(r"Approve: http://comments\.test(\S+)", text).group(1)

    # Opening the link (a mail scanner does) changes nothing; the button POSTs.
    page = client.get(approve)
    assert page.status_code == 200 and "<form method=\"post\"" in page.get_data(as_text=True)
    assert reader.list().get_json()["thread"]["count"] == 0
    done = client.post(approve, headers={"Accept": "application/json"})
    assert done.status_code == 200 and done.get_json()["status"] == "approved"
    assert reader.list().get_json()["thread"]["count"] == 1
    # Single use: both links are spent.
    assert client.post(approve).status_code == 409
    assert client.post(spam, headers={"Accept": "application/json"}).status_code == 409

    deliver()
    fan = mailbox.to("fan@example.org")
    assert len(fan) == 2 and "Please approve me" in fan[-1].get_body(("plain",)).get_content()
    assert len(mailbox.to("owner@example.org")) == 1
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == "approved"


def test_spam_link_hides_comment_and_forged_link_is_refused(client, make_site, mailbox, deliver):
    slug, _ = make_site("mod", moderation="all", notify_email="owner@example.org")
    Reader(client, slug).comment("Buy pills")
    deliver()
    text = mailbox.to("owner@example.org")[0].get_body(("plain",)).get_content()
    spam = re.search(r"Mark as spam: http://comments\.test(\S+)", text).group(1)
    forged = re.sub(r"\.[0-9a-f]{32}$", "." + "0" * 32, spam)
    assert client.post(forged, headers={"Accept": "application/json"}).status_code == 404
    assert client.post(spam, headers={"Accept": "application/json"}).get_json()["status"] == \
        "spam"
    deliver()
    assert len(mailbox.messages) == 1  # spam is never announced


def test_honeypot_spam_notifies_nobody(client, make_site, mailbox, deliver, webhooks):
    slug, _ = make_site("hp", notify_email="owner@example.org", webhook_urls=[webhooks.url])
    Reader(client, slug).comment("spam", hp="filled", author_email="x@example.org",
                                 notify="thread")
    assert deliver() == {"claimed": 0}
    assert mailbox.messages == [] and webhooks.requests == []


def test_owner_one_click_unsubscribe_clears_the_address(app, client, make_site, mailbox, deliver):
    slug, _ = make_site("own", notify_email="owner@example.org")
    reader = Reader(client, slug)
    reader.comment("one")
    deliver()
    path = mailbox.to("owner@example.org")[0]["List-Unsubscribe"].strip("<>")
    assert client.post(path.replace("http://comments.test", "")).status_code == 200
    reader.comment("two")
    deliver()
    assert len(mailbox.to("owner@example.org")) == 1


# Webhooks


def test_webhooks_are_signed_for_created_approved_and_deleted(
        app, client, runner, make_site, deliver, webhooks):
    slug, token = make_site("hooks", moderation="all", webhook_urls=[webhooks.url])
    reader = Reader(client, slug)
    created = reader.comment("hello hooks")
    deliver()
    approved = client.post(f"/api/admin/comments/{created['comment']['id']}/approve",
                           headers={"Authorization": f"Bearer {token}"})
    assert approved.status_code == 200
    deliver()
    deleted = client.delete(f"/api/comments/{created['comment']['id']}",
                            headers={"X-Edit-Token": created["edit_token"], "Origin": ORIGIN})
    assert deleted.status_code == 204
    deliver()

    secret = json.loads(runner.invoke(args=["notify", "webhook-secret", "--site", slug,
                                            "--json"]).output)["webhook_secret"]
    bodies = webhooks.verified(secret)
    assert len(bodies) == len(webhooks.requests) == 3
    assert [b["event"] for b in bodies] == ["comment.created", "comment.approved",
                                            "comment.deleted"]
    assert [b["comment"]["status"] for b in bodies] == ["pending", "approved", "approved"]
    assert all(b["site"] == slug and b["thread"]["url"] == PAGE for b in bodies)
    assert "author_email" not in bodies[0]["comment"]
    _, headers, _ = webhooks.requests[0]
    assert headers["X-Commentsvc-Event"] == "comment.created"
    assert headers["Content-Type"] == "application/json"
    assert webhooks.verified("wrong secret") == []


def test_notify_settings_cli(runner, make_site):
    slug, _ = make_site("cli")
    result = runner.invoke(args=["notify", "settings", "--site", slug, "--email",
                                 "o@example.org", "--webhook", "https://hooks.example.org/x",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"site": slug, "notify_email": "o@example.org",
                                         "webhook_urls": ["https://hooks.example.org/x"]}
    bad = runner.invoke(args=["notify", "settings", "--site", slug, "--webhook", "ftp://x"])
    assert bad.exit_code != 0
    assert runner.invoke(args=["notify", "settings", "--site", "nope"]).exit_code != 0


def test_mail_links_use_the_public_url(client, site, mailbox, deliver):
    subscribe(client, "links@example.org")
    deliver()
    text = mailbox.to("links@example.org")[0].get_body(("plain",)).get_content()
    urls = re.findall(r"https?://\S+", text)
    assert {urlsplit(u).netloc for u in urls if "/api/" in u} == {"comments.test"}
    token = parse_qs(urlsplit([u for u in urls if "confirm" in u][0]).query)["token"][0]
    assert len(token) >= 40
