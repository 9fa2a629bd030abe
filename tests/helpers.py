"""Test helpers importable from any test module (fixtures stay in conftest.py)."""

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
