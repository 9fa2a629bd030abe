"""Test helpers importable from any test module (fixtures stay in conftest.py)."""
import re
from html.parser import HTMLParser

from commentsvc.services.render import ALLOWED_TAGS

ORIGIN = "https://blog.example.org"
PAGE = f"{ORIGIN}/2026/11/hello-world"


class Reader:
    """A guest in a browser on ORIGIN: posts, edits, votes through the public API."""

    def __init__(self, client, site, voter="voter-token-0000000001"):
        self.client = client
        self.site = site
        self.voter = voter

    def headers(self, **extra):
        return {"Origin": ORIGIN, "X-Voter-Token": self.voter, **extra}

    def post(self, text="Hello", url=PAGE, page_id=None, **fields):
        query = {"site": self.site, "url": url, **({"page_id": page_id} if page_id else {})}
        return self.client.post(
            "/api/comments",
            query_string=query,
            json={"text": text, **fields},
            headers=self.headers(),
        )

    def comment(self, text="Hello", **fields):
        """Post and return the created comment JSON (asserting 201)."""
        response = self.post(text, **fields)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def list(self, url=PAGE, **params):
        return self.client.get(
            "/api/comments",
            query_string={"site": self.site, "url": url, **params},
            headers={"Origin": ORIGIN},
        )

    def vote(self, comment_id, value, voter=None):
        return self.client.put(
            f"/api/comments/{comment_id}/vote",
            json={"value": value},
            headers=self.headers(**({"X-Voter-Token": voter} if voter else {})),
        )


def snapshot(app):
    """Every row of every table: compare before and after to prove nothing changed."""
    from sqlalchemy import select

    from commentsvc.extensions import db

    with app.app_context():
        return {
            table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables
        }


SAFE_SCHEMES = {"http", "https", "mailto"}
_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _link_scheme(url):
    """The scheme a browser would see: it drops tabs/newlines and leading controls first."""
    cleaned = re.sub(r"[\t\n\r]", "", url or "").lstrip("".join(map(chr, range(33))))
    match = _URL_SCHEME.match(cleaned)
    return match.group(1).lower() if match else ""


class ActiveContentFinder(HTMLParser):
    """Collects what a browser would treat as active: unknown tags, handlers, bad URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src", "srcset", "formaction"}:
                self.problems.append(f"attribute {name}")
            if name == "href" and _link_scheme(value) not in SAFE_SCHEMES | {""}:
                self.problems.append(f"href {value}")
            if tag == "a" and name == "rel" and value != "nofollow ugc noopener":
                self.problems.append(f"rel {value}")


def active_content(html):
    finder = ActiveContentFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
