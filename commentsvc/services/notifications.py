"""Who hears about a comment, and how: subscriptions (double opt-in), reply and thread mail,
site-owner mail with signed approve/spam links, signed webhooks.

Everything here only adds rows to the caller's transaction (outbox rows, subscriptions); the
outbox worker delivers them. A comment's event is one ``event`` row; the worker fans it out
into one ``email`` per recipient and one ``webhook`` per URL (so posting stays O(1) however
many readers are subscribed), rendering each message once so that retries resend it as is.

Hooks for other services: ``comment_created`` (called by services/comments.create_comment
before its commit), ``comment_published`` (call when a pending comment is approved),
``comment_deleted`` (call when a visible comment is deleted).
"""
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from email.headerregistry import Address
from urllib.parse import urlencode
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from ..errors import ApiError
from ..extensions import db
from ..models import Comment
from ..models import Site
from ..models import Subscription
from ..models import Thread
from ..models import utcnow
from ..security import keyed_hash
from ..security import new_token
from ..security import token_hash
from . import comments as comment_service
from . import outbox
from .mailer import PermanentFailure
from .mailer import render_mail
from .sites import check_page_url
from .threads import get_or_create_thread
from .threads import page_key

NOTIFIED_STATUSES = ("approved", "pending")  # spam is never announced
# Against mail-bombing one address: a re-request within this time sends nothing, and an
# address with this many unconfirmed requests in the confirmation window gets no more.
RESEND_AFTER = timedelta(minutes=10)
MAX_UNCONFIRMED_PER_EMAIL = 5
MODERATION_LINK_DAYS = 14
MODERATION_ACTIONS = ("approve", "spam")
MODERATION_LINK_ACTOR = "owner mail link"  # the audit log's "who"
WEBHOOK_RETRYABLE = {408, 409, 425, 429}


def public_link(path, **params):
    """An absolute link on the configured public base URL."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{base}{path}?{urlencode(params)}" if params else f"{base}{path}"


def _signature(purpose, message):
    return keyed_hash(purpose, message)[:32]


def _signature_ok(purpose, message, signature):
    return hmac.compare_digest(_signature(purpose, message), signature)


# Hooks called by the comment and moderation services (inside their transaction).


def comment_created(comment, data):
    """A comment was stored: subscribe its author if asked, announce it unless spam.

    ``notify`` asks for a subscription of the author's email, with the same double opt-in
    as POST /api/subscriptions: an address typed into a form proves nothing.
    :raise ApiError 422: ``notify`` without ``author_email``
    """
    if comment.status == "spam":
        return
    if data.get("notify"):
        if not comment.author_email:
            raise ApiError(422, fields={"author_email": ["Required to be notified."]})
        subscribe(db.session.get(Thread, comment.thread_id), comment.author_email,
                  data["notify"])
    _enqueue_event("comment.created", comment)


def comment_published(comment):
    """A held comment was approved: now its subscribers (and webhooks) hear about it."""
    _enqueue_event("comment.approved", comment)


def comment_deleted(comment):
    """A comment readers could see (or the owner was told about) was deleted: webhooks."""
    if comment.status in NOTIFIED_STATUSES:
        _enqueue_event("comment.deleted", comment)


def _enqueue_event(event, comment):
    site = db.session.get(Site, comment.site_id)
    thread = db.session.get(Thread, comment.thread_id)
    body = {
        "id": str(uuid.uuid4()),
        "event": event,
        "created_at": comment_service.isoformat(utcnow()),
        "site": site.slug,
        "thread": {"url": thread.url, "title": thread.title},
        "comment": {**comment_service.public_view(comment), "status": comment.status},
    }
    outbox.enqueue("event", {"event": event, "site_id": site.id, "comment_id": comment.id,
                             "webhook": body})


# Fan-out by the worker (in the transaction that marks the event row done).


def handle_event(payload):
    site = db.session.get(Site, payload["site_id"])
    if site is None:
        raise outbox.Skip("site deleted")
    body = json.dumps(payload["webhook"], separators=(",", ":"))
    for url in site.webhook_urls or []:
        outbox.enqueue("webhook", {"url": url, "site": site.slug, "event": payload["event"],
                                   "delivery": str(uuid.uuid4()), "body": body})
    if payload["event"] == "comment.deleted":
        return
    comment = db.session.get(Comment, payload["comment_id"])
    if comment is None or comment.status not in NOTIFIED_STATUSES:
        return
    thread = db.session.get(Thread, comment.thread_id)
    if payload["event"] == "comment.created":
        _mail_owner(site, thread, comment)
    if comment.status == "approved":
        _mail_subscribers(site, thread, comment)


def _same_address(a, b):
    return bool(a and b) and a.lower() == b.lower()


def _comment_context(site, thread, comment):
    return {
        "site": site,
        "thread": thread,
        "comment": comment,
        "author": comment.author_name or comment_service.GUEST_NAME,
        "page_title": thread.title or thread.url,
        "comment_url": f"{thread.url}#commentsvc",
    }


def _mail_owner(site, thread, comment):
    if not site.notify_email or _same_address(site.notify_email, comment.author_email):
        return
    context = _comment_context(site, thread, comment)
    links = {}
    if comment.status == "pending":
        links = {action: public_link("/api/moderate", token=moderation_token(comment, action))
                 for action in MODERATION_ACTIONS}
        subject = f"[{site.name}] Comment awaiting moderation on {context['page_title']}"
    else:
        subject = f"[{site.name}] New comment on {context['page_title']}"
    unsubscribe = public_link("/api/subscriptions/unsubscribe", token=owner_unsubscribe_token(site))
    outbox.enqueue("email", render_mail("owner", site.notify_email, subject, unsubscribe,
                                        links=links, **context))


def _mail_subscribers(site, thread, comment):
    """One mail per address: a reply mail if any matching subscription is for replies."""
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    chosen = {}
    for sub in db.session.scalars(
        select(Subscription).where(Subscription.thread_id == thread.id,
                                   Subscription.confirmed_at.is_not(None))
        .order_by(Subscription.id)
    ):
        if _same_address(sub.email, comment.author_email):
            continue  # nobody is told about their own comment
        is_reply = sub.kind == "replies" and parent is not None and (
            sub.comment_id == parent.id
            or (sub.comment_id is None and _same_address(sub.email, parent.author_email))
        )
        if sub.kind == "thread" or is_reply:
            if sub.email not in chosen or (is_reply and not chosen[sub.email][1]):
                chosen[sub.email] = (sub, is_reply)
    context = _comment_context(site, thread, comment)
    for email, (sub, is_reply) in chosen.items():
        subject = (f"New reply to your comment on {context['page_title']}" if is_reply
                   else f"New comment on {context['page_title']}")
        unsubscribe = public_link("/api/subscriptions/unsubscribe", token=unsubscribe_token(sub))
        outbox.enqueue("email", render_mail("comment", email, subject, unsubscribe,
                                            is_reply=is_reply, **context))


# Webhooks


def webhook_secret(site):
    """The site's webhook signing key, derived from the service secret and the site slug."""
    return keyed_hash("webhook", site.slug)


def webhook_signature(secret, body):
    """``X-Commentsvc-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a webhook answered with a redirect is a misconfigured URL


_opener = urllib.request.build_opener(_NoRedirects)


def deliver_webhook(payload, timeout):
    """POST the signed body once.

    :raise PermanentFailure: the receiver refused it for good (4xx other than 408/409/425/429,
        or a redirect)
    :raise OSError: network errors and 5xx, to retry
    """
    site = db.session.execute(select(Site).where(Site.slug == payload["site"])).scalar_one_or_none()
    if site is None:
        raise outbox.Skip("site deleted")
    body = payload["body"].encode()
    secret = webhook_secret(site)
    db.session.rollback()
    request = urllib.request.Request(payload["url"], data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": "commentsvc-webhook/1",
        "X-Commentsvc-Event": payload["event"],
        "X-Commentsvc-Delivery": payload["delivery"],
        "X-Commentsvc-Signature": webhook_signature(secret, body),
    })
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(65536)
    except urllib.error.HTTPError as exc:
        if exc.code < 500 and exc.code not in WEBHOOK_RETRYABLE:
            raise PermanentFailure(f"webhook answered {exc.code}") from exc
        raise


# Subscriptions: double opt-in, single-use confirmation, one-click unsubscribe.


def unsubscribe_token(subscription):
    message = f"s:{subscription.id}:{subscription.email}"
    return f"s.{subscription.id}.{_signature('unsubscribe', message)}"


def owner_unsubscribe_token(site):
    message = f"o:{site.id}:{site.notify_email}"
    return f"o.{site.id}.{_signature('unsubscribe', message)}"


def request_subscription(site, url, email, kind, comment_id=None, page_id=None):
    """POST /api/subscriptions: queue a confirmation mail (or nothing, see ``subscribe``).

    :raise ApiError 400/403: bad page URL or not on an allowed origin
    :raise ApiError 422: comment_id not an approved comment of this thread, or with kind thread
    """
    check_page_url(site, url)
    thread = get_or_create_thread(site, page_key(url, page_id), url)
    if comment_id is not None:
        comment = db.session.get(Comment, comment_id)
        if kind != "replies":
            raise ApiError(422, fields={"comment_id": ["Only for kind 'replies'."]})
        if comment is None or comment.thread_id != thread.id or comment.status != "approved":
            raise ApiError(422, fields={"comment_id": ["No such comment in this thread."]})
    subscribe(thread, email, kind, comment_id)
    db.session.commit()


def subscribe(thread, email, kind, comment_id=None):
    """Add an unconfirmed subscription and queue its confirmation mail; the caller commits.

    Answers the same whatever the state, so nobody learns who is subscribed: a confirmed
    subscription, a recent identical request or too many pending ones send nothing.
    """
    email = email.strip().lower()
    now = utcnow()
    same_comment = (Subscription.comment_id.is_(None) if comment_id is None
                    else Subscription.comment_id == comment_id)
    sub = db.session.execute(
        select(Subscription).where(Subscription.thread_id == thread.id,
                                   Subscription.email == email,
                                   Subscription.kind == kind, same_comment)
    ).scalars().first()
    if sub is not None and (sub.confirmed_at or sub.created_at > now - RESEND_AFTER):
        return None
    if sub is None:
        window = now - timedelta(hours=current_app.config["SUBSCRIPTION_CONFIRM_HOURS"])
        pending = db.session.execute(
            select(func.count()).select_from(Subscription).where(
                Subscription.email == email, Subscription.confirmed_at.is_(None),
                Subscription.created_at > window)
        ).scalar()
        if pending >= MAX_UNCONFIRMED_PER_EMAIL:
            return None
        sub = Subscription(site_id=thread.site_id, thread_id=thread.id, email=email, kind=kind,
                           comment_id=comment_id)
        db.session.add(sub)
    token = new_token()
    sub.token_hash = token_hash(token)
    sub.created_at = now
    db.session.flush()
    site = db.session.get(Site, thread.site_id)
    page_title = thread.title or thread.url
    outbox.enqueue("email", render_mail(
        "confirm", email, f"Confirm your subscription to comments on {page_title}",
        public_link("/api/subscriptions/unsubscribe", token=unsubscribe_token(sub)),
        site=site, thread=thread, page_title=page_title, kind=kind,
        confirm_url=public_link("/api/subscriptions/confirm", token=token),
        hours=current_app.config["SUBSCRIPTION_CONFIRM_HOURS"],
    ))
    return sub


def confirm_subscription(token):
    """Confirm by the mailed token, which works once.

    :raise ApiError 404: unknown or already used token
    :raise ApiError 410: expired (the unconfirmed subscription is dropped)
    """
    sub = db.session.execute(
        select(Subscription).where(Subscription.token_hash == token_hash(token or ""),
                                   Subscription.confirmed_at.is_(None))
    ).scalar_one_or_none()
    if sub is None:
        raise ApiError(404, "invalid_link", "This link is not valid or was already used.")
    hours = current_app.config["SUBSCRIPTION_CONFIRM_HOURS"]
    if sub.created_at < utcnow() - timedelta(hours=hours):
        db.session.delete(sub)
        db.session.commit()
        raise ApiError(410, "link_expired", "This link has expired; please subscribe again.")
    sub.confirmed_at = utcnow()
    sub.token_hash = token_hash(new_token())  # the mailed link is spent
    thread = db.session.get(Thread, sub.thread_id)
    db.session.commit()
    return sub, thread


def unsubscribe(token):
    """Stop the mail a token was sent with (idempotent); returns a short description.

    :raise ApiError 404: a token that is not one of ours
    """
    kind, _, rest = (token or "").partition(".")
    object_id, _, signature = rest.partition(".")
    if kind not in ("s", "o") or not object_id.isdigit():
        raise ApiError(404, "invalid_link", "This link is not valid.")
    if kind == "o":
        site = db.session.get(Site, int(object_id))
        if site is not None and site.notify_email and _signature_ok(
                "unsubscribe", f"o:{site.id}:{site.notify_email}", signature):
            site.notify_email = None
            db.session.commit()
        return "new-comment mail to the site owner"
    sub = db.session.get(Subscription, int(object_id))
    if sub is None:
        return "this subscription"  # already gone: unsubscribing twice is fine
    if not _signature_ok("unsubscribe", f"s:{sub.id}:{sub.email}", signature):
        raise ApiError(404, "invalid_link", "This link is not valid.")
    thread = db.session.get(Thread, sub.thread_id)
    db.session.delete(sub)
    db.session.commit()
    return f"comments on {thread.title or thread.url}"


def purge_expired_subscriptions(now=None):
    """Drop unconfirmed subscriptions whose confirmation link has expired (caller commits)."""
    hours = current_app.config["SUBSCRIPTION_CONFIRM_HOURS"]
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    return db.session.execute(
        delete(Subscription).where(Subscription.confirmed_at.is_(None),
                                   Subscription.created_at < cutoff)
    ).rowcount


# Approve / spam links in the site owner's mail: signed, expiring, single-use (they only act
# on a comment that is still pending, so the first click spends both).


def moderation_token(comment, action):
    expires = int(time.time()) + MODERATION_LINK_DAYS * 86400
    message = f"{action}:{comment.id}:{expires}"
    return f"{action}.{comment.id}.{expires}.{_signature('moderate', message)}"


def comment_for_moderation_token(token):
    """(action, comment) of a valid link.

    :raise ApiError 404: not a valid link, or the comment is gone
    :raise ApiError 410: expired
    """
    parts = (token or "").split(".")
    if (len(parts) != 4 or parts[0] not in MODERATION_ACTIONS or not parts[1].isdigit()
            or not parts[2].isdigit()
            or not _signature_ok("moderate", ":".join(parts[:3]), parts[3])):
        raise ApiError(404, "invalid_link", "This link is not valid.")
    if int(parts[2]) < time.time():
        raise ApiError(410, "link_expired", "This link has expired; use the admin API.")
    comment = db.session.get(Comment, int(parts[1]))
    if comment is None:
        raise ApiError(404, "comment_not_found", "The comment no longer exists.")
    return parts[0], comment


def moderate_by_link(token):
    """Approve or mark spam a pending comment from the owner's mail (through the moderation
    service, so the audit log, counts and the approval hook are the same as over the API).

    :raise ApiError 409: the comment is no longer pending (the link was used, or it was
        moderated elsewhere)
    """
    from . import moderation

    action, comment = comment_for_moderation_token(token)
    if comment.status != "pending":
        raise ApiError(409, "already_moderated",
                       f"This comment was already moderated (now {comment.status}).")
    if action == "approve":
        moderation.approve_comment(comment, MODERATION_LINK_ACTOR)
    else:
        moderation.mark_spam(comment, MODERATION_LINK_ACTOR)
    return action, comment


def configure_site(site, email=None, clear_email=False, webhook_urls=None):
    """Set a site's notification address and webhook URLs (None leaves a value as it is).

    :raise ValueError: a webhook URL that is not absolute http(s)
    """
    if webhook_urls is not None:
        for url in webhook_urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"not an http(s) URL: {url!r}")
        site.webhook_urls = list(webhook_urls)
    if clear_email:
        site.notify_email = None
    elif email:
        Address(addr_spec=email)
        site.notify_email = email.strip()
    db.session.commit()
    return {"site": site.slug, "notify_email": site.notify_email,
            "webhook_urls": site.webhook_urls or []}
