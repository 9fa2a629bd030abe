"""Scale-out proof: real gunicorn processes with several workers, loaded from many threads.

On PostgreSQL + Redis (4 workers): rate limits are shared by all workers, a new comment is
visible (and the old ETag stale) on every worker at once, and concurrent votes add up exactly.
On SQLite (4 workers on one file): concurrent votes and posts add up exactly.

Each test starts its own gunicorn on a fresh database (a scratch database on the PostgreSQL
server, a temp file for SQLite), so nothing here touches the suite's shared test database.
Which worker answered is read from gunicorn's access log (``%(p)s`` = worker pid).

PostgreSQL: the server of COMMENTSVC_TEST_DATABASE_URL (when it is a PostgreSQL URL); Redis:
COMMENTSVC_TEST_REDIS_URL. When they are not set the PostgreSQL tests skip locally; in CI
(env CI set) they use the services .ci/run starts on 127.0.0.1 and fail if those don't answer.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.services.sites import create_site

pytestmark = pytest.mark.server

REPO = Path(__file__).resolve().parents[1]
ORIGIN = "https://scale.example.org"
PAGE = f"{ORIGIN}/articles/scale-out"
SECRET = "scale-out-test-secret"
CI_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
CI_REDIS = "redis://127.0.0.1:6379/15"
POST_LIMIT = 7
WORKERS = 4
VOTERS = 50


def _service_url(env_name, ci_default, kind):
    """The URL from the environment; in CI the .ci/run service; else skip."""
    url = os.environ.get(env_name)
    if env_name == "COMMENTSVC_TEST_DATABASE_URL" and url and not url.startswith("postgresql"):
        url = None
    if url:
        return url
    if os.environ.get("CI"):
        return ci_default
    pytest.skip(f"{kind} not configured ({env_name} unset)")


def _unavailable(kind, url, exc):
    message = f"{kind} at {url} does not answer: {exc}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def postgres_database():
    """A scratch database on the test PostgreSQL server, dropped afterwards."""
    server = _service_url("COMMENTSVC_TEST_DATABASE_URL", CI_POSTGRES, "PostgreSQL")
    import psycopg

    name = f"commentsvc_scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_url = server.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        _unavailable("PostgreSQL", server, exc)
    parts = urllib.parse.urlsplit(admin_url)
    yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_url():
    url = _service_url("COMMENTSVC_TEST_REDIS_URL", CI_REDIS, "Redis")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _unavailable("Redis", url, exc)
    return url


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``gunicorn wsgi:app`` with N sync workers on a fresh, migrated database."""

    def __init__(self, database_url, log_dir, storage="memory://", **settings):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET,
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            site, _ = create_site("scale", [ORIGIN])
            self.site = site.slug
            db.session.remove()
            db.engine.dispose()
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = log_dir / "access.log"
        self.error_log = log_dir / "error.log"
        self.env = {
            **os.environ,
            "COMMENTSVC_DATABASE_URL": database_url,
            "COMMENTSVC_SECRET_KEY": SECRET,
            "COMMENTSVC_RATELIMIT_ENABLED": "1",
            "COMMENTSVC_RATELIMIT_STORAGE_URI": storage,
            "COMMENTSVC_RATELIMIT_READ": "100000/minute",
            "COMMENTSVC_RATELIMIT_VOTE": "100000/minute",
            "COMMENTSVC_RATELIMIT_POST": "100000/minute",
            # Behind a (pretend) load balancer: the client is the X-Forwarded-For address.
            "COMMENTSVC_TRUSTED_PROXIES": "1",
            **{f"COMMENTSVC_{name}": value for name, value in settings.items()},
        }
        self.start()

    def start(self):
        """Launch the master and wait until all workers answer (also after stop())."""
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS),
             "--chdir", str(REPO), "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket",
             "--access-logfile", str(self.access_log),
             "--access-logformat", "%(p)s %(s)s %(m)s %({x-probe}i)s",
             "--error-logfile", str(self.error_log)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_for_workers()

    def _wait_for_workers(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.error_log.read_text()
            if len(self.worker_pids()) == WORKERS:
                try:
                    if requests.get(self.base + "/healthz", timeout=10).status_code == 200:
                        return
                except (requests.ConnectionError, requests.Timeout):
                    pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn not ready in {timeout}s: {self.error_log.read_text()}")

    def worker_pids(self):
        pid = self.process.pid
        try:
            return set(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
        except OSError:
            return set()

    def pids_that_served(self, probe):
        """Worker pids of the access-log lines for requests tagged ``X-Probe: probe``."""
        if not self.access_log.exists():
            return set()
        return {
            fields[0].strip("<>")
            for fields in (line.split() for line in self.access_log.read_text().splitlines())
            if len(fields) == 4 and fields[3] == probe
        }

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Page:
    """One article page with its own thread, used the way the embed on ORIGIN uses the API."""

    def __init__(self, server, name):
        self.server = server
        self.list_url = f"{server.base}/api/comments?" + urllib.parse.urlencode(
            {"site": server.site, "url": f"{ORIGIN}/articles/{name}"})

    def post(self, text, client_ip="198.51.100.1", **headers):
        return requests.post(
            self.list_url, json={"text": text},
            headers={"Origin": ORIGIN, "X-Forwarded-For": client_ip, **headers}, timeout=30)

    def vote(self, comment_id, voter, value, client_ip):
        return requests.put(
            f"{self.server.base}/api/comments/{comment_id}/vote", json={"value": value},
            headers={"Origin": ORIGIN, "X-Voter-Token": voter, "X-Forwarded-For": client_ip},
            timeout=30)

    def get_list(self, query="", **headers):
        return requests.get(self.list_url + query, headers={"Origin": ORIGIN, **headers},
                            timeout=30)


@pytest.fixture(scope="module")
def pg_gunicorn(tmp_path_factory, postgres_database, redis_url):
    server = Gunicorn(postgres_database, tmp_path_factory.mktemp("gunicorn"),
                      storage=redis_url, RATELIMIT_POST=f"{POST_LIMIT}/minute")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sqlite_gunicorn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gunicorn")
    server = Gunicorn(f"sqlite:///{folder / 'scale.sqlite3'}", folder)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "pg"])
def page(request):
    """A fresh page on 4 workers sharing one SQLite file, then on PostgreSQL + Redis."""
    server = request.getfixturevalue(f"{request.param}_gunicorn")
    return Page(server, f"{request.node.originalname}-{uuid.uuid4().hex[:8]}")


def _until_every_worker_served(server, probe, request, limit=2000):
    """Send ``request(probe)`` from 16 threads until all workers have answered one.

    Returns every response; bounded by ``limit`` requests.
    """
    responses = []
    lock = threading.Lock()
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            response = request(probe)
            with lock:
                responses.append(response)
                if len(responses) % 16 == 0 and (
                    server.pids_that_served(probe) == server.worker_pids()
                    or len(responses) >= limit
                ):
                    stop.set()

    with ThreadPoolExecutor(16) as pool:
        for _ in range(16):
            pool.submit(loop)
    assert server.pids_that_served(probe) == server.worker_pids(), (
        f"{len(responses)} requests reached only workers {server.pids_that_served(probe)}")
    return responses


def test_rate_limit_is_shared_by_all_workers(pg_gunicorn):
    """One client's posts, spread over 4 workers, get exactly the configured budget."""
    page = Page(pg_gunicorn, f"limits-{uuid.uuid4().hex[:8]}")
    client_ip = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"  # unique per run
    attempts = POST_LIMIT * 6

    def post(n):
        return page.post(f"post {n}", client_ip=client_ip, **{"X-Probe": "limit"})

    with ThreadPoolExecutor(12) as pool:
        statuses = [response.status_code for response in pool.map(post, range(attempts))]
    assert statuses.count(201) == POST_LIMIT
    assert statuses.count(429) == attempts - POST_LIMIT
    assert len(pg_gunicorn.pids_that_served("limit")) > 1
    assert page.get_list().json()["thread"]["count"] == POST_LIMIT
    # Another client still has its whole budget.
    assert page.post("someone else", client_ip=f"{client_ip}:1").status_code == 201


def test_new_comment_shows_on_every_worker_at_once(page):
    server = page.server
    assert page.post("first").status_code == 201
    probe = uuid.uuid4().hex

    before = _until_every_worker_served(
        server, f"before-{probe}", lambda tag: page.get_list(**{"X-Probe": tag}))
    assert {r.status_code for r in before} == {200}
    old_etag = before[0].headers["ETag"]
    assert {r.headers["ETag"] for r in before} == {old_etag}
    assert {r.json()["thread"]["count"] for r in before} == {1}

    created = page.post("second", client_ip="198.51.100.2").json()["comment"]["id"]

    # Every worker, asked right away with the old validator, sends the new page.
    after = _until_every_worker_served(
        server, f"after-{probe}",
        lambda tag: page.get_list(**{"X-Probe": tag, "If-None-Match": old_etag}))
    assert {r.status_code for r in after} == {200}
    assert old_etag not in {r.headers["ETag"] for r in after}
    assert len({r.headers["ETag"] for r in after}) == 1
    for response in after:
        body = response.json()
        assert body["thread"]["count"] == 2
        assert created in [comment["id"] for comment in body["comments"]]


def test_concurrent_voters_give_exact_totals(page):
    """50 voters at once, each voting, repeating and changing its vote, on 4 workers."""
    comment_id = page.post("vote on me").json()["comment"]["id"]
    finals = [(1, -1, 0)[n % 3] for n in range(VOTERS)]
    start = threading.Barrier(VOTERS)

    def voter(n):
        token = f"scale-out-voter-{n:04d}-{uuid.uuid4().hex[:8]}"
        ip = f"198.18.{n // 250}.{n % 250 + 1}"
        start.wait()
        sequence = [1, 1, -1, finals[n]]  # idempotent repeat, change, final
        return [page.vote(comment_id, token, value, ip) for value in sequence]

    with ThreadPoolExecutor(VOTERS) as pool:
        results = [r for responses in pool.map(voter, range(VOTERS)) for r in responses]
    assert {r.status_code for r in results} == {200}, [r.text for r in results
                                                      if r.status_code != 200][:3]
    assert [r.json()["my_vote"] for r in results[3::4]] == finals
    up, down = finals.count(1), finals.count(-1)
    listed = page.get_list().json()["comments"][0]
    assert listed["votes"] == {"up": up, "down": down, "score": up - down}


def test_concurrent_posts_are_all_kept(page):
    posts = 60

    def post(n):
        return page.post(f"concurrent post {n}", client_ip=f"198.19.0.{n + 1}")

    with ThreadPoolExecutor(20) as pool:
        statuses = [r.status_code for r in pool.map(post, range(posts))]
    assert statuses == [201] * posts
    body = page.get_list("&limit=100").json()
    assert body["thread"]["count"] == posts
    texts = sorted(c["html"] for c in body["comments"])
    assert texts == sorted(f"<p>concurrent post {n}</p>" for n in range(posts))


def _all_comment_ids(page):
    """Every comment id of the page's thread, walking all cursor pages."""
    ids, cursor = [], None
    while True:
        body = page.get_list("&limit=100" + (f"&cursor={cursor}" if cursor else "")).json()
        ids += [comment["id"] for comment in body["comments"]]
        cursor = body["next_cursor"]
        if not cursor:
            return ids, body["thread"]["count"]


def test_killed_worker_loses_no_acknowledged_comment(page):
    """kill -9 of a worker in the middle of a stream of posts: every comment that was
    answered 201 is stored and counted; gunicorn replaces the worker."""
    server = page.server
    acknowledged, lock = [], threading.Lock()
    killed = threading.Event()

    def stream(writer):
        for n in range(60):
            try:
                response = page.post(f"stream {writer}-{n}", client_ip=f"198.20.{writer}.{n + 1}")
            except requests.RequestException:
                continue  # the connection died with the worker: not acknowledged
            if response.status_code == 201:
                with lock:
                    acknowledged.append(response.json()["comment"]["id"])
            if writer == 0 and n == 20:
                os.kill(int(sorted(server.worker_pids())[0]), signal.SIGKILL)
                killed.set()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(stream, range(4)))
    assert killed.is_set()
    server._wait_for_workers()
    stored, count = _all_comment_ids(page)
    assert len(acknowledged) > 150
    assert set(acknowledged) <= set(stored)
    assert count == len(stored) == len(set(stored))


def test_restart_keeps_every_comment_and_vote(page):
    server = page.server
    comment_id = page.post("before the restart").json()["comment"]["id"]
    assert page.vote(comment_id, "restart-voter-token-0001", 1, "198.21.0.1").status_code == 200
    before = page.get_list().json()
    server.stop()
    server.start()
    assert page.get_list().json() == before
