"""Real mail and webhook receivers for the notification tests, and their fixtures
(registered as a pytest plugin in conftest.py)."""
import asyncio
import email
import hashlib
import hmac
import json
import re
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from commentsvc.services import outbox
from tests.helpers import ORIGIN
from tests.helpers import PAGE

MAIL_FROM = "Comments <comments@example.org>"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailSink:
    """aiosmtpd handler keeping every received message, parsed."""

    def __init__(self, delay=0):
        self.messages = []
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


class SmtpServer:
    """A real SMTP server on a fixed port that can be stopped and started again."""

    def __init__(self, port, sink):
        self.port = port
        self.sink = sink
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer(free_port(), MailSink())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_via_smtp(app_config, smtp):
    """Apps created after this fixture mail through the test SMTP server (use it with
    ``pytest.mark.usefixtures`` so it runs before the ``app`` fixture)."""
    app_config.update(SMTP_URL=f"smtp://127.0.0.1:{smtp.port}", MAIL_FROM=MAIL_FROM)
    return app_config


@pytest.fixture
def mailbox(smtp):
    return smtp.sink


class WebhookReceiver:
    """A real HTTP server: records each POST and answers the next planned status."""

    def __init__(self):
        self.requests = []
        self.plan = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                status = receiver.plan.pop(0) if receiver.plan else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def verified(self, secret):
        """Bodies (parsed) of requests whose signature checks out with ``secret``."""
        good = []
        for _, headers, body in self.requests:
            expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, headers.get("X-Commentsvc-Signature", "")):
                good.append(json.loads(body))
        return good

    def close(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def webhooks():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def deliver(app):
    """Run the outbox worker until nothing is due (at ``now``, default: the real clock)."""

    def run(now=None):
        with app.app_context():
            return outbox.Worker(app).drain(now)

    return run


def link(message, path):
    """The first link to ``path`` in a mail's text part."""
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"http://comments\.test" + re.escape(path) + r"\?token=[^\s]+", text)
    assert match, text
    return match.group(0).replace("http://comments.test", "")


def subscribe(client, email_address, kind="thread", site="blog", **extra):
    return client.post("/api/subscriptions", query_string={"site": site},
                       json={"site": site, "url": PAGE, "email": email_address, "kind": kind,
                             **extra},
                       headers={"Origin": ORIGIN})


def subscribe_confirmed(client, mailbox, deliver, email_address, kind="thread", **extra):
    assert subscribe(client, email_address, kind, **extra).status_code == 202
    deliver()
    confirm = link(mailbox.to(email_address)[-1], "/api/subscriptions/confirm")
    assert client.get(confirm).status_code == 200
