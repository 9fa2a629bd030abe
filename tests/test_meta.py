"""Avatars, the OpenAPI document and its docs page."""
import re

from tests.helpers import PAGE


def test_avatar_is_a_local_svg_identicon(reader, client):
    avatar = reader.comment("x", author_email="a@example.org")["comment"]["author"]["avatar"]
    assert re.fullmatch(r"/api/avatars/[0-9a-f]{24}\.svg", avatar)
    response = client.get(avatar)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.get_data(as_text=True).startswith("<svg")
    assert "http" not in response.get_data(as_text=True).replace("http://www.w3.org/2000/svg", "")


def test_avatar_seed_is_keyed_not_a_plain_email_hash(reader):
    import hashlib

    avatar = reader.comment("x", author_email="a@example.org")["comment"]["author"]["avatar"]
    for plain in (hashlib.md5(b"a@example.org").hexdigest(),
                  hashlib.sha256(b"a@example.org").hexdigest()):
        assert plain[:24] not in avatar
    same = reader.comment("y", author_email="A@example.org")["comment"]["author"]["avatar"]
    other = reader.comment("z", author_email="b@example.org")["comment"]["author"]["avatar"]
    assert same == avatar and other != avatar


def test_bad_avatar_hash_is_404(client):
    assert client.get("/api/avatars/not-hex.svg").status_code == 404


def test_openapi_documents_the_public_contract(client):
    spec = client.get("/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/comments"])
    assert {"patch", "delete"} <= set(paths["/api/comments/{comment_id}"])
    assert "put" in paths["/api/comments/{comment_id}/vote"]
    assert "get" in paths["/api/counts"]
    params = {p["name"] for p in paths["/api/comments"]["get"]["parameters"]}
    assert {"site", "url", "page_id", "sort", "limit", "cursor", "inline"} <= params


def test_docs_page_lists_operations(client):
    page = client.get("/docs").get_data(as_text=True)
    assert "/api/comments" in page and "/openapi.json" in page
    assert "<script" not in page


def test_counts_keyed_by_given_urls(reader, client, site):
    reader.comment("a")
    reader.comment("b")
    other = "https://blog.example.org/other"
    given = f"{PAGE}?utm_source=feed"
    response = client.get("/api/counts", query_string={"site": site, "url": [given, other]})
    assert response.get_json() == {"counts": {given: 2, other: 0}}
    too_many = client.get("/api/counts", query_string={
        "site": site, "url": [f"{other}/{n}" for n in range(101)]})
    assert too_many.status_code == 400
    assert client.get("/api/counts", query_string={"site": site}).status_code == 400
