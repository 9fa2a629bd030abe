"""The outbox worker: nothing lost when SMTP or a webhook receiver is down, nothing sent twice,
backoff between retries, leases, and several workers at once on PostgreSQL."""
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy import text

from commentsvc.extensions import db
from commentsvc.models import OutboxMessage
from commentsvc.models import utcnow
from commentsvc.services import outbox
from commentsvc.services.mailer import render_mail
from tests.helpers import Reader
from tests.mail import MailSink
from tests.mail import SmtpServer
from tests.mail import free_port
from tests.mail import subscribe_confirmed

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("mail_via_smtp")


def messages(app, **where):
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def test_smtp_down_while_posting_then_everything_arrives_once(
        app, client, make_site, smtp, mailbox, deliver):
    slug, _ = make_site("down")
    subscribe_confirmed(client, mailbox, deliver, "a@example.org", site=slug)
    subscribe_confirmed(client, mailbox, deliver, "b@example.org", site=slug)
    received_before = len(mailbox.messages)
    smtp.stop()

    reader = Reader(client, slug)
    for n in range(5):
        response = reader.post(f"comment {n}")
        assert response.status_code == 201  # posting never waits for (or fails on) SMTP
    t0 = utcnow() + timedelta(minutes=1)
    first = deliver(t0)
    assert first.get("sent", 0) == 5  # the five fan-out events; mail can't go yet
    assert first["pending"] == 10
    assert all(m.attempts == 1 and m.last_error for m in messages(app, status="pending"))
    assert deliver(t0 + timedelta(seconds=1)) == {"claimed": 0}  # backing off

    smtp.start()
    later = t0 + timedelta(hours=1)
    assert deliver(later)["sent"] == 10
    assert deliver(later + timedelta(days=1)) == {"claimed": 0}
    arrived = mailbox.messages[received_before:]
    assert sorted(rcpt[0] for rcpt, _ in arrived) == ["a@example.org"] * 5 + ["b@example.org"] * 5
    assert len({m["Message-ID"] for _, m in arrived}) == 10
    bodies = sorted(m.get_body(("plain",)).get_content().splitlines()[2]
                    for rcpt, m in arrived if rcpt == ["a@example.org"])
    assert bodies == [f"comment {n}" for n in range(5)]


def test_webhook_500_is_retried_with_exponential_backoff(
        app, client, make_site, deliver, webhooks):
    slug, _ = make_site("retry", webhook_urls=[webhooks.url])
    webhooks.plan = [500, 503]
    Reader(client, slug).comment("hello")
    base = app.config["OUTBOX_BACKOFF_SECONDS"]
    t0 = utcnow() + timedelta(minutes=1)
    deliver(t0)
    [hook] = messages(app, kind="webhook")
    assert (hook.status, hook.attempts) == ("pending", 1)
    first_wait = (hook.next_attempt_at - t0).total_seconds()
    assert base <= first_wait <= base * 1.1 + 1

    assert deliver(t0 + timedelta(seconds=base - 1)) == {"claimed": 0}
    t1 = t0 + timedelta(seconds=first_wait + 1)
    deliver(t1)
    [hook] = messages(app, kind="webhook")
    assert (hook.status, hook.attempts) == ("pending", 2)
    second_wait = (hook.next_attempt_at - t1).total_seconds()
    assert 2 * base <= second_wait <= 2 * base * 1.1 + 1  # doubled

    deliver(t1 + timedelta(seconds=second_wait + 1))
    [hook] = messages(app, kind="webhook")
    assert (hook.status, hook.attempts, hook.last_error) == ("sent", 3, None)
    assert len(webhooks.requests) == 3
    bodies = {body for _, _, body in webhooks.requests}
    assert len(bodies) == 1  # every retry sends the same signed body
    assert len({h["X-Commentsvc-Delivery"] for _, h, _ in webhooks.requests}) == 1


def test_webhook_4xx_fails_at_once_and_max_attempts_end_retries(
        app, app_config, client, make_site, deliver, webhooks):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    slug, _ = make_site("fail", webhook_urls=[webhooks.url, webhooks.url + "/500"])
    webhooks.plan = [410, 500, 500]
    Reader(client, slug).comment("hello")
    t0 = utcnow() + timedelta(minutes=1)
    deliver(t0)
    deliver(t0 + timedelta(days=1))
    hooks = messages(app, kind="webhook")
    assert sorted((h.status, h.attempts) for h in hooks) == [("failed", 1), ("failed", 2)]
    assert any("410" in h.last_error for h in hooks)
    assert deliver(t0 + timedelta(days=30)) == {"claimed": 0}
    with app.app_context():
        assert outbox.retry_failed() == 2


def test_a_lease_that_ran_out_is_taken_over_and_the_stale_worker_cannot_finish(
        app, client, site, deliver, smtp, mailbox):
    with app.app_context():
        outbox.enqueue("email", render_mail("confirm", "x@example.org", "Hi",
                                            "http://comments.test/u", site=None, thread=None,
                                            page_title="p", kind="thread", confirm_url="c",
                                            hours=1))
        db.session.commit()
        t0 = utcnow()
        [(message_id, attempts)] = outbox.claim(10, t0)  # a worker that then died
        assert outbox.claim(10, t0 + timedelta(seconds=60)) == []  # leased: nobody else
    lease = app.config["OUTBOX_LEASE_SECONDS"]
    assert deliver(t0 + timedelta(seconds=lease + 1))["sent"] == 1
    with app.app_context():
        # The dead worker wakes up: its outcome is refused, the row stays sent once.
        assert outbox._finish(message_id, attempts, status="pending") is False
        assert db.session.get(OutboxMessage, message_id).status == "sent"
    assert len(mailbox.to("x@example.org")) == 1


def test_mail_stays_queued_while_smtp_is_not_configured(app, client, make_site, webhooks):
    app.config["SMTP_URL"] = None
    slug, _ = make_site("nosmtp", notify_email="owner@example.org", webhook_urls=[webhooks.url])
    Reader(client, slug).comment("hello")
    with app.app_context():
        stats = outbox.Worker(app).drain()
    assert stats["sent"] == 2  # the event and the webhook
    [mail] = messages(app, kind="email")
    assert (mail.status, mail.attempts) == ("pending", 0)
    assert len(webhooks.requests) == 1


def test_a_failed_post_leaves_nothing_in_the_outbox(app, client, make_site):
    slug, _ = make_site("locked", notify_email="owner@example.org")
    reader = Reader(client, slug)
    reader.comment("first")
    with app.app_context():
        from commentsvc.models import Thread

        db.session.scalars(select(Thread)).one().locked = True
        db.session.commit()
    before = len(messages(app))
    assert reader.post("second", author_email="a@example.org", notify="thread").status_code \
        == 403
    assert len(messages(app)) == before == 1


def test_cli_drain_and_status(app, runner, client, make_site, webhooks):
    slug, _ = make_site("cli", webhook_urls=[webhooks.url])
    Reader(client, slug).comment("hello")
    status = json.loads(runner.invoke(args=["outbox", "status", "--json"]).output)
    assert status == {"event": {"pending": 1}}
    result = runner.invoke(args=["outbox", "run", "--drain", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sent"] == 2
    assert json.loads(runner.invoke(args=["outbox", "status", "--json"]).output) == {
        "event": {"sent": 1}, "webhook": {"sent": 1}}


def test_smtp_settings_from_url_and_variables():
    from commentsvc.services.mailer import smtp_settings

    assert smtp_settings({}) is None
    assert smtp_settings({"SMTP_URL": "smtps://u%40x:p%2Fw@mail.example.org"}) == {
        "host": "mail.example.org", "port": 465, "user": "u@x", "password": "p/w",
        "tls": "ssl"}
    assert smtp_settings({"SMTP_URL": "smtp://h:2525?starttls=1"})["tls"] == "starttls"
    assert smtp_settings({"SMTP_HOST": "h", "SMTP_TLS": "starttls", "SMTP_USER": "u"}) == {
        "host": "h", "port": 587, "user": "u", "password": None, "tls": "starttls"}
    with pytest.raises(ValueError):
        smtp_settings({"SMTP_URL": "http://h"})


def test_in_process_worker_thread_delivers(app_config, smtp, mailbox, make_site):
    from commentsvc import create_app

    app_config.update(OUTBOX_THREAD=True, OUTBOX_POLL_SECONDS=1)
    slug, _ = make_site("thread", notify_email="owner@example.org")
    threaded = create_app(app_config)
    Reader(threaded.test_client(), slug).comment("hello")
    deadline = time.monotonic() + 30
    while not mailbox.to("owner@example.org") and time.monotonic() < deadline:
        time.sleep(0.1)
    threaded.extensions["outbox_stop"].set()
    threaded.extensions["outbox_thread"].join(timeout=10)
    assert len(mailbox.to("owner@example.org")) == 1


# Several workers at once


@pytest.mark.sqlite_only
def test_sqlite_single_worker_claim_path(app):
    """On SQLite the claim is a compare-and-set on attempts: a second claim of the same
    rows (as a racing worker would try) changes nothing."""
    with app.app_context():
        for n in range(3):
            outbox.enqueue("webhook", {"n": n})
        db.session.commit()
        now = utcnow()
        claimed = outbox.claim(10, now)
        assert [attempts for _, attempts in claimed] == [1, 1, 1]
        assert outbox.claim(10, now) == []
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {(m.status, m.attempts) for m in rows} == {("sending", 1)}


@pytest.mark.postgres_only
def test_skip_locked_passes_over_rows_another_worker_is_claiming(app):
    with app.app_context():
        for n in range(4):
            outbox.enqueue("webhook", {"n": n})
        db.session.commit()
        ids = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        with db.engine.connect() as other:  # a worker in the middle of its claim
            other.execute(text("SELECT id FROM outbox WHERE id IN (:a, :b) FOR UPDATE"),
                          {"a": ids[0], "b": ids[1]})
            claimed = outbox.claim(10, utcnow())
            other.rollback()
        assert [message_id for message_id, _ in claimed] == ids[2:]


@pytest.mark.postgres_only
def test_two_worker_processes_send_each_message_exactly_once(app, database_url, tmp_path):
    sink = MailSink(delay=0.005)

    server = SmtpServer(free_port(), sink)
    server.start()
    total = 300
    try:
        with app.app_context():
            for n in range(total):
                outbox.enqueue("email", render_mail(
                    "confirm", f"user{n}@example.org", f"message {n}",
                    "http://comments.test/u", site=None, thread=None, page_title="p",
                    kind="thread", confirm_url="c", hours=1))
            db.session.commit()
        env = {
            **os.environ,
            "COMMENTSVC_DATABASE_URL": database_url,
            "COMMENTSVC_SECRET_KEY": app.config["SECRET_KEY"],
            "COMMENTSVC_SMTP_URL": f"smtp://127.0.0.1:{server.port}",
            "COMMENTSVC_OUTBOX_BATCH_SIZE": "5",
        }
        flask = str(Path(sys.executable).with_name("flask"))
        workers = [
            subprocess.Popen([flask, "--app", "wsgi", "outbox", "run", "--drain", "--json"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
            for _ in range(2)
        ]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=240)
            assert worker.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        server.stop()
    subjects = [message["Subject"] for _, message in sink.messages]
    assert len(subjects) == total
    assert sorted(subjects) == sorted(f"message {n}" for n in range(total))
    assert sum(r.get("sent", 0) for r in results) == total
    print("per worker:", [r.get("sent", 0) for r in results])
    assert {m.status for m in messages(app)} == {"sent"}
