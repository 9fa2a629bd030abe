"""The outbox: mail and webhooks written in the same transaction as their cause, delivered
later by a worker (``flask --app wsgi outbox run`` or a thread in the web process).

Delivery is at-least-once by construction and exactly-once in practice:

- claiming is a short transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` picks due rows no
  other worker is claiming, then each row is moved to ``sending`` with ``attempts + 1`` and a
  lease (``next_attempt_at = now + OUTBOX_LEASE_SECONDS``), guarded by the attempts value just
  read (a compare-and-set that also makes the claim safe on SQLite, which has no row locks);
- the outcome is written with the same guard, so a worker whose lease ran out can't overwrite
  the result of the worker that took the row over;
- a worker stops sending from a batch whose lease is about to run out, and a worker that dies
  mid-batch leaves its rows to be claimed again when the lease expires.

Statuses: ``pending`` (due at next_attempt_at), ``sending`` (leased), ``sent``, ``failed``
(permanent failure or OUTBOX_MAX_ATTEMPTS reached), ``skipped`` (nothing left to send).
While mail is not configured, email rows stay ``pending`` and go out once SMTP is set.
"""
import logging
import random
import threading
import time
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..models import OutboxMessage
from ..models import utcnow

log = logging.getLogger(__name__)

KINDS = ("event", "email", "webhook")
DUE_STATUSES = ("pending", "sending")


class Skip(Exception):
    """Nothing to deliver any more (e.g. the comment is gone); not an error."""


def enqueue(kind, payload, delay_seconds=0):
    """Add a message to the caller's transaction (the caller commits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    message = OutboxMessage(
        kind=kind,
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow() + timedelta(seconds=delay_seconds),
        created_at=utcnow(),
    )
    db.session.add(message)
    return message


def backoff_seconds(attempts, config):
    """Exponential backoff after the n-th failed attempt, capped, with up to 10% jitter."""
    delay = min(config["OUTBOX_BACKOFF_SECONDS"] * 2 ** (attempts - 1),
                config["OUTBOX_BACKOFF_MAX_SECONDS"])
    return delay * (1 + random.uniform(0, 0.1))


def claim(limit, now, kinds=KINDS, lease_seconds=300):
    """Lease up to ``limit`` due messages to this worker; returns [(id, attempts)]."""
    due = (
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(
            OutboxMessage.status.in_(DUE_STATUSES),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.kind.in_(kinds),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = []
    try:
        for message_id, attempts in db.session.execute(due).all():
            result = db.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.attempts == attempts,
                    OutboxMessage.status.in_(DUE_STATUSES),
                )
                .values(status="sending", attempts=attempts + 1,
                        next_attempt_at=now + timedelta(seconds=lease_seconds))
            )
            if result.rowcount == 1:
                claimed.append((message_id, attempts + 1))
        db.session.commit()
    except OperationalError:
        # SQLite: another writer got in between our read and our write; try again later.
        db.session.rollback()
        log.info("outbox claim conflicted with another writer; retrying later")
        return []
    return claimed


def _finish(message_id, attempts, **values):
    """Record an outcome unless another worker has taken the row over; then commit."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts,
               OutboxMessage.status == "sending")
        .values(**values)
    )
    if result.rowcount != 1:
        db.session.rollback()
        log.warning("outbox message %s was taken over by another worker", message_id)
        return False
    db.session.commit()
    return True


class Worker:
    """Delivers due messages; one instance per loop (it keeps the SMTP connection)."""

    def __init__(self, app):
        from . import mailer

        self.app = app
        self.config = app.config
        settings = mailer.smtp_settings(app.config)
        self.smtp = mailer.SmtpSender(settings, app.config["SMTP_TIMEOUT"]) if settings else None

    def kinds(self):
        return KINDS if self.smtp else tuple(k for k in KINDS if k != "email")

    def _deliver(self, message_id, payload, kind):
        from . import notifications

        if kind == "event":
            notifications.handle_event(payload)  # writes rows into this transaction
        elif kind == "email":
            self.smtp.send(payload)
        else:
            notifications.deliver_webhook(payload, self.config["WEBHOOK_TIMEOUT"])

    def process(self, message_id, attempts, now):
        """Deliver one claimed message and record the outcome; returns the new status."""
        from .mailer import PermanentFailure

        message = db.session.get(OutboxMessage, message_id)
        kind, payload = message.kind, message.payload
        if kind != "event":
            db.session.rollback()  # no transaction stays open during network I/O
        try:
            self._deliver(message_id, payload, kind)
        except Skip as exc:
            db.session.rollback()
            status, values = "skipped", {"last_error": str(exc)[:2000], "sent_at": now}
        except PermanentFailure as exc:
            db.session.rollback()
            status, values = "failed", {"last_error": str(exc)[:2000]}
        except Exception as exc:  # every other failure is worth a retry
            db.session.rollback()
            log.warning("outbox %s %s attempt %d failed: %s", kind, message_id, attempts, exc)
            if attempts >= self.config["OUTBOX_MAX_ATTEMPTS"]:
                status = "failed"
                values = {"last_error": f"{type(exc).__name__}: {exc}"[:2000]}
            else:
                status = "pending"
                values = {
                    "last_error": f"{type(exc).__name__}: {exc}"[:2000],
                    "next_attempt_at": now + timedelta(
                        seconds=backoff_seconds(attempts, self.config)),
                }
        else:
            status, values = "sent", {"sent_at": now, "last_error": None}
        return status if _finish(message_id, attempts, status=status, **values) else "lost"

    def run_once(self, now=None):
        """Claim one batch and deliver it; returns counts by outcome (plus ``claimed``)."""
        now = now or utcnow()
        lease = self.config["OUTBOX_LEASE_SECONDS"]
        claimed = claim(self.config["OUTBOX_BATCH_SIZE"], now, self.kinds(), lease)
        stats = {"claimed": len(claimed)}
        # Stop before the lease could run out mid-send; leftovers are claimed again later.
        deadline = time.monotonic() + lease - 2 * max(self.config["SMTP_TIMEOUT"],
                                                      self.config["WEBHOOK_TIMEOUT"])
        try:
            for message_id, attempts in claimed:
                if time.monotonic() > deadline:
                    break
                status = self.process(message_id, attempts, now)
                stats[status] = stats.get(status, 0) + 1
        finally:
            if self.smtp:
                self.smtp.close()
        return stats

    def drain(self, now=None):
        """Deliver until nothing is due; returns the summed counts."""
        total = {}
        while True:
            stats = self.run_once(now)
            for key, value in stats.items():
                total[key] = total.get(key, 0) + value
            if not stats["claimed"]:
                return total

    def run_forever(self, stop, maintenance_every=600):
        """Poll until ``stop`` (a threading.Event) is set; failures are logged, never fatal."""
        last_maintenance = 0.0
        while not stop.is_set():
            claimed = 0
            try:
                claimed = self.run_once()["claimed"]
                if time.monotonic() - last_maintenance > maintenance_every:
                    maintenance(self.config)
                    last_maintenance = time.monotonic()
            except Exception:
                db.session.rollback()
                log.exception("outbox worker pass failed")
            finally:
                db.session.remove()
            if not claimed:
                stop.wait(self.config["OUTBOX_POLL_SECONDS"])


def maintenance(config, now=None):
    """Forget delivered messages after the retention period and expired unconfirmed
    subscriptions; returns (messages deleted, subscriptions deleted)."""
    from .notifications import purge_expired_subscriptions

    now = now or utcnow()
    cutoff = now - timedelta(days=config["OUTBOX_RETENTION_DAYS"])
    messages = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.status.in_(("sent", "skipped")),
                                    OutboxMessage.created_at < cutoff)
    ).rowcount
    subscriptions = purge_expired_subscriptions(now)
    db.session.commit()
    return messages, subscriptions


def status_counts():
    """{kind: {status: n}} over the whole outbox."""
    rows = db.session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count())
        .group_by(OutboxMessage.kind, OutboxMessage.status)
    ).all()
    counts = {}
    for kind, status, count in rows:
        counts.setdefault(kind, {})[status] = count
    return counts


def retry_failed(now=None):
    """Give failed messages a fresh set of attempts; returns how many."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now or utcnow())
    )
    db.session.commit()
    return result.rowcount


# The optional in-process worker (COMMENTSVC_OUTBOX_THREAD=1, used by `make run`).

_thread_lock = threading.Lock()


def init_app(app):
    """Start a delivery thread with the first request when OUTBOX_THREAD is on.

    Started lazily so CLI commands (db upgrade, ...) never run a worker; with several web
    processes each runs one, which the claim protocol makes safe.
    """
    if not app.config.get("OUTBOX_THREAD"):
        return
    app.extensions["outbox_stop"] = threading.Event()

    def start_thread():
        with _thread_lock:
            if app.extensions.get("outbox_thread"):
                return
            thread = threading.Thread(target=_thread_main, args=(app,), name="outbox",
                                      daemon=True)
            app.extensions["outbox_thread"] = thread
            thread.start()

    app.before_request(start_thread)


def _thread_main(app):
    with app.app_context():
        Worker(app).run_forever(app.extensions["outbox_stop"])
