"""Rate limits per client IP: separate for posting, voting and reading; shared via Redis."""
import os
import uuid

import pytest

from commentsvc import create_app
from tests.helpers import ORIGIN
from tests.helpers import PAGE
from tests.helpers import Reader


@pytest.fixture
def limited(app_config):
    app_config.update({
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_POST": "3/minute",
        "RATELIMIT_VOTE": "2/minute",
        "RATELIMIT_READ": "5/minute",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    })
    return app_config


def post_from(client, site, ip, forwarded_for=None):
    headers = {"Origin": ORIGIN}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return client.post("/api/comments", query_string={"site": site, "url": PAGE},
                       json={"text": "hi"}, headers=headers,
                       environ_base={"REMOTE_ADDR": ip})


def test_posting_limit_returns_429_with_retry_after(limited, client, site):
    statuses = [post_from(client, site, "10.0.0.1").status_code for _ in range(3)]
    assert statuses == [201] * 3
    blocked = post_from(client, site, "10.0.0.1")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    assert blocked.headers["Access-Control-Allow-Origin"] == ORIGIN
    # Another client is not affected; reading has its own budget.
    assert post_from(client, site, "10.0.0.2").status_code == 201
    assert client.get("/api/comments", query_string={"site": site, "url": PAGE},
                      environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
    listing = client.get("/api/comments", query_string={"site": site, "url": PAGE}).get_json()
    assert listing["thread"]["count"] == 4


def test_voting_and_reading_have_their_own_limits(limited, client, site):
    comment_id = Reader(client, site, voter="author-voter-token-01").comment("x")["comment"]["id"]
    voter = Reader(client, site, voter="other-voter-token-0001")
    assert [voter.vote(comment_id, v).status_code for v in (1, -1, 1)] == [200, 200, 429]
    reads = [voter.list().status_code for _ in range(6)]
    assert reads == [200] * 5 + [429]


def test_forged_forwarded_for_is_ignored_without_trusted_proxies(limited, client, site):
    statuses = [post_from(client, site, "10.0.0.9", forwarded_for=f"192.0.2.{n}").status_code
                for n in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_forwarded_for_is_honoured_behind_trusted_proxy(limited, site, app_config):
    app_config["TRUSTED_PROXIES"] = 1
    app = create_app(app_config)
    client = app.test_client()
    statuses = [post_from(client, site, "127.0.0.1", forwarded_for=f"192.0.2.{n}").status_code
                for n in range(5)]
    assert statuses == [201] * 5


def test_limits_can_be_turned_off(app_config, client, site):
    app_config["RATELIMIT_POST"] = "1/minute"  # RATELIMIT_ENABLED is off in the base config
    assert [post_from(client, site, "10.0.0.3").status_code for _ in range(3)] == [201] * 3


@pytest.fixture
def redis_url():
    url = os.environ.get("COMMENTSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no usable Redis
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is required in CI: {exc}")
        pytest.skip(f"no Redis at {url}")
    return url


def test_redis_storage_is_shared_between_workers(limited, redis_url, site):
    """Two app instances (as two gunicorn workers) share one budget through Redis."""
    limited["RATELIMIT_STORAGE_URI"] = redis_url
    worker_a = create_app(limited).test_client()
    worker_b = create_app(limited).test_client()
    statuses = [post_from(worker_a, site, "10.1.0.1").status_code,
                post_from(worker_b, site, "10.1.0.1").status_code,
                post_from(worker_a, site, "10.1.0.1").status_code,
                post_from(worker_b, site, "10.1.0.1").status_code]
    assert statuses == [201, 201, 201, 429]
