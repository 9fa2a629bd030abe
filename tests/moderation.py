"""The moderator's and the reader's clients for the admin tests, and their fixtures
(registered as a pytest plugin in conftest.py)."""
import pytest
from sqlalchemy import func
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import AuditEntry
from commentsvc.models import Ban
from commentsvc.models import Comment
from commentsvc.models import Site
from commentsvc.models import Thread
from tests.helpers import ORIGIN
from tests.helpers import PAGE

PAGE2 = f"{ORIGIN}/2026/12/second-post"
SPAMMER_IP = "203.0.113.66"


class Admin:
    """The moderator's HTTP client: one site's bearer token on every request."""

    def __init__(self, client, slug, token):
        self.client = client
        self.slug = slug
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method, path, query=None, body=None, headers=None):
        return self.client.open(
            path, method=method, query_string=query, json=body,
            headers={**self.headers, **(headers or {})},
        )

    def comments(self, **query):
        response = self.request("GET", "/api/admin/comments", {"site": self.slug, **query})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def purge(self, **body):
        return self.request("POST", "/api/admin/purge", body={"site": self.slug, **body})


class World:
    """Posts like a reader (from a chosen IP) and checks what the public sees."""

    def __init__(self, app, client, slug):
        self.app = app
        self.client = client
        self.slug = slug

    def post(self, text="Hello", url=PAGE, ip="198.51.100.1", status=201, **fields):
        response = self.client.post(
            "/api/comments", query_string={"site": self.slug, "url": url},
            json={"text": text, **fields}, headers={"Origin": ORIGIN},
            environ_base={"REMOTE_ADDR": ip},
        )
        assert response.status_code == status, response.get_json()
        return response.get_json()["comment"]["id"] if status == 201 else response.get_json()

    def public(self, url=PAGE):
        response = self.client.get("/api/comments", query_string={"site": self.slug, "url": url},
                                   headers={"Origin": ORIGIN})
        assert response.status_code == 200
        return response

    def visible_ids(self, url=PAGE):
        ids = []

        def walk(comments):
            for comment in comments:
                ids.append(comment["id"])
                walk(comment["replies"])

        walk(self.public(url).get_json()["comments"])
        return ids

    def count(self, url=PAGE):
        return self.public(url).get_json()["thread"]["count"]

    def etag(self, url=PAGE):
        return self.public(url).headers["ETag"]

    def status(self, comment_id):
        with self.app.app_context():
            comment = db.session.get(Comment, comment_id)
            return comment.status if comment else None

    def assert_counts_exact(self):
        """Every thread's stored count equals its approved rows."""
        with self.app.app_context():
            for thread in db.session.scalars(select(Thread)):
                approved = db.session.scalar(select(func.count(Comment.id)).where(
                    Comment.thread_id == thread.id, Comment.status == "approved"))
                assert thread.comment_count == approved, thread.url

    def snapshot(self):
        """Everything an admin action could change."""
        with self.app.app_context():
            def rows(model):
                return sorted(
                    tuple(sorted((k, repr(v)) for k, v in vars(row).items() if k[0] != "_"))
                    for row in db.session.scalars(select(model))
                )
            return {model.__name__: rows(model)
                    for model in (Comment, Thread, Ban, Site, AuditEntry)}


@pytest.fixture
def sites(make_site):
    blog = make_site("blog", min_elapsed_ms=0)
    other = make_site("other", min_elapsed_ms=0)
    return blog, other


@pytest.fixture
def admin(client, sites):
    return Admin(client, *sites[0])


@pytest.fixture
def intruder(client, sites):
    """The admin of another site, aiming at blog."""
    return Admin(client, "blog", sites[1][1])


@pytest.fixture
def world(app, client, sites):
    return World(app, client, "blog")
