"""Fault suite: storage outages answer 503 and recover without a restart; a failure in the
middle of a write rolls the whole write back."""
import socket
import sqlite3
import threading
from urllib.parse import urlsplit

import pytest

from commentsvc import create_app
from commentsvc.errors import ApiError
from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.helpers import Reader
from tests.helpers import snapshot


class TcpProxy:
    """A loopback TCP relay in front of the database that the test can cut and restore."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = None
        self.listener = None
        self.connections = []
        self.lock = threading.Lock()

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port or 0), reuse_port=False)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass

    def cut(self):
        """The database host vanishes: refuse new connections, reset open ones."""
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.listener.close()
        with self.lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                    connection.close()
                except OSError:
                    pass
            self.connections = []


@pytest.fixture
def outage(database_url, base_config, _schema):
    """(app, start_outage, end_outage) for the suite's database kind.

    PostgreSQL: the app talks through a TcpProxy that is cut. SQLite: another process
    holds the write lock longer than the app's busy timeout (what an embedded deployment
    actually meets).
    """
    config = dict(base_config)
    if database_url.startswith("postgresql"):
        parts = urlsplit(database_url)
        proxy = TcpProxy(parts.hostname, parts.port or 5432)
        proxy.start()
        config["SQLALCHEMY_DATABASE_URI"] = database_url.replace(
            parts.netloc, f"{parts.username}@127.0.0.1:{proxy.port}", 1)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                               "connect_args": {"connect_timeout": 2}}
        yield create_app(config), proxy.cut, proxy.start
        proxy.cut()
        return
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                           "connect_args": {"timeout": 0.3}}
    locker = sqlite3.connect(urlsplit(database_url).path, isolation_level=None)
    yield (create_app(config), lambda: locker.execute("BEGIN EXCLUSIVE"),
           lambda: locker.execute("COMMIT"))
    if locker.in_transaction:
        locker.execute("COMMIT")
    locker.close()


def test_outage_is_503_everywhere_and_recovers_without_restart(outage, make_site, app):
    faulty_app, start_outage, end_outage = outage
    make_site("blog")
    client = faulty_app.test_client()
    reader = Reader(client, "blog")
    created = reader.comment("before the outage")
    comment_id = created["comment"]["id"]

    start_outage()
    try:
        responses = {
            "post": reader.post("during the outage"),
            "vote": reader.vote(comment_id, 1, voter="outage-voter-token-1"),
            "edit": client.patch(f"/api/comments/{comment_id}", json={"text": "x"},
                                 headers={"Origin": ORIGIN, "X-Edit-Token": created["edit_token"]}),
        }
        if faulty_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            responses["list"] = reader.list()
            responses["health"] = client.get("/healthz")
            responses["counts"] = client.get("/api/counts",
                                             query_string={"site": "blog", "url": PAGE})
    finally:
        end_outage()
    for name, response in responses.items():
        assert response.status_code == 503, (name, response.get_data(as_text=True))
        assert response.get_json()["error"]["code"] == "storage_unavailable", name
        assert response.headers["Retry-After"]

    assert client.get("/healthz").status_code == 200
    body = reader.list().get_json()
    assert [c["html"] for c in body["comments"]] == ["<p>before the outage</p>"]
    assert body["thread"]["count"] == 1
    assert body["comments"][0]["votes"]["up"] == 0
    assert reader.post("after the outage").status_code == 201


def test_failure_between_insert_and_counter_update_rolls_back(app, reader, monkeypatch):
    reader.comment("existing")
    before = snapshot(app)

    def broken_touch(*args, **kwargs):
        raise ApiError(503, "storage_unavailable", "injected fault")

    monkeypatch.setattr("commentsvc.services.comments.touch_thread", broken_touch)
    response = reader.post("lost?")
    assert response.status_code == 503
    assert snapshot(app) == before
    second_page = reader.post("new page", url=f"{ORIGIN}/brand-new-page")
    assert second_page.status_code == 503
    assert snapshot(app) == before


def test_failure_after_vote_row_rolls_back_the_vote(app, reader, monkeypatch):
    comment_id = reader.comment("target")["comment"]["id"]
    before = snapshot(app)

    def broken_touch(*args, **kwargs):
        raise RuntimeError("injected fault")

    monkeypatch.setattr("commentsvc.services.votes.touch_thread", broken_touch)
    response = reader.vote(comment_id, 1, voter="fault-voter-token-001")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert snapshot(app) == before
