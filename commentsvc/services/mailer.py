"""Outgoing mail: SMTP settings, rendering of text + HTML messages, delivery over SMTP.

Messages are rendered when they are queued (Message-ID and Date included), so a retry sends
the very same message and a receiver can recognise a duplicate by its Message-ID.
"""
import re
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from email.utils import make_msgid
from email.utils import parseaddr
from urllib.parse import parse_qs
from urllib.parse import unquote
from urllib.parse import urlsplit

from flask import current_app
from flask import render_template

TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
# Header text from readers (names, page titles): no line breaks or controls, bounded length.
_UNSAFE_HEADER_CHARS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")
MAX_SUBJECT = 150
# Python folds a header holding a long unbreakable token (a page URL in the subject) onto an
# empty first line, which some clients show as a leading space; our headers stay one line.
POLICY = SMTP_POLICY.clone(max_line_length=200)


class PermanentFailure(Exception):
    """Delivery can never succeed (the server refused this message or recipient for good)."""


def smtp_settings(config):
    """SMTP host/port/user/password/tls from COMMENTSVC_SMTP_URL, overridden by SMTP_* keys.

    ``smtp://user:pass@host:port`` (plain, ``?starttls=1`` to upgrade), ``smtps://`` (TLS).
    Returns None when no host is configured: mail is disabled.
    """
    settings = {"host": None, "port": None, "user": None, "password": None, "tls": "none"}
    url = config.get("SMTP_URL")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("COMMENTSVC_SMTP_URL must start with smtp:// or smtps://")
        query = parse_qs(parts.query)
        settings.update(
            host=parts.hostname,
            port=parts.port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls="ssl" if parts.scheme == "smtps" else (
                "starttls" if query.get("starttls", ["0"])[0] in ("1", "true", "yes") else "none"
            ),
        )
    for key in ("host", "port", "user", "password", "tls"):
        value = config.get(f"SMTP_{key.upper()}")
        if value not in (None, ""):
            settings[key] = value
    if not settings["host"]:
        return None
    settings["tls"] = str(settings["tls"]).lower()
    if settings["tls"] not in TLS_MODES:
        raise ValueError(f"COMMENTSVC_SMTP_TLS must be one of {', '.join(TLS_MODES)}")
    settings["port"] = int(settings["port"] or DEFAULT_PORTS[settings["tls"]])
    return settings


def mail_enabled():
    return smtp_settings(current_app.config) is not None


def mail_from():
    return current_app.config.get("MAIL_FROM") or "commentsvc@localhost"


def header_text(value, limit=MAX_SUBJECT):
    """Reader-supplied text made safe for a header: one line, bounded."""
    value = _UNSAFE_HEADER_CHARS.sub(" ", str(value or "")).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _message_domain():
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname
    return host or "localhost"


def render_mail(template, to, subject, unsubscribe_url, **context):
    """A queued mail as a JSON-able dict: templates ``mail/<template>.txt`` and ``.html``.

    Every mail carries a one-click unsubscribe link (RFC 8058).
    """
    Address(addr_spec=to)  # raises on anything that is not a plain address
    context = {**context, "unsubscribe_url": unsubscribe_url}
    return {
        "to": to,
        "subject": header_text(subject),
        "message_id": make_msgid(domain=_message_domain()),
        "date": formatdate(usegmt=True),
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        "text": render_template(f"mail/{template}.txt", **context),
        "html": render_template(f"mail/{template}.html", **context),
    }


def build_message(payload, sender):
    """The EmailMessage of a queued mail; the SMTP policy refuses any header with a line break."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = header_text(payload["subject"])
    message["Date"] = payload["date"]
    message["Message-ID"] = payload["message_id"]
    for name, value in payload.get("headers", {}).items():
        message[name] = value
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    return message


class SmtpSender:
    """One SMTP connection, opened on first use and reused for a batch of messages."""

    def __init__(self, settings, timeout):
        self.settings = settings
        self.timeout = timeout
        self.connection = None

    def _connect(self):
        s = self.settings
        context = ssl.create_default_context()
        if s["tls"] == "ssl":
            connection = smtplib.SMTP_SSL(s["host"], s["port"], timeout=self.timeout,
                                          context=context)
        else:
            connection = smtplib.SMTP(s["host"], s["port"], timeout=self.timeout)
            if s["tls"] == "starttls":
                connection.starttls(context=context)
        if s["user"]:
            connection.login(s["user"], s["password"] or "")
        return connection

    def send(self, payload):
        """Send one queued mail.

        :raise PermanentFailure: the server refused the recipient or message with a 5xx
        :raise OSError, smtplib.SMTPException: anything worth retrying later
        """
        message = build_message(payload, mail_from())
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message, from_addr=parseaddr(mail_from())[1])
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
            raise
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"message refused: {exc.smtp_code} {exc.smtp_error!r}")
            raise
        except (OSError, smtplib.SMTPException):
            self.close()  # the connection may be half-dead; the next message reconnects
            raise

    def close(self):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None
