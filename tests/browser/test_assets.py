"""Serving the widget assets: types, validators (304), gzip, CORP, and the demo page."""
import json
import re
from pathlib import Path

import pytest

from commentsvc import web

WIDGET = Path(__file__).resolve().parents[2] / "widget"


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/embed.js", "text/javascript; charset=utf-8"),
        ("/count.js", "text/javascript; charset=utf-8"),
        ("/inline.js", "text/javascript; charset=utf-8"),
        ("/i18n/de.json", "application/json; charset=utf-8"),
        ("/i18n/uk.json", "application/json; charset=utf-8"),
    ],
)
def test_assets_are_long_cached_with_validators(client, path, content_type):
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == content_type
    assert first.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=86400" in first.headers["Cache-Control"]
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    stale = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_gzip_when_accepted_with_its_own_etag(client):
    plain = client.get("/embed.js")
    zipped = client.get("/embed.js", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert len(zipped.data) < len(plain.data)


def test_versioned_url_is_immutable(client):
    etag = client.get("/embed.js").headers["ETag"].strip('"')
    pinned = client.get(f"/embed.js?v={etag}")
    assert "immutable" in pinned.headers["Cache-Control"]
    assert "immutable" not in client.get("/embed.js?v=old").headers["Cache-Control"]


def test_unknown_language_is_404(client):
    assert client.get("/i18n/xx.json").status_code == 404
    assert client.get("/i18n/..%2Fdemo.html.json").status_code == 404


def test_every_language_file_has_exactly_the_english_keys():
    english = set()
    for module in ("i18n.js", "inline.js"):  # inline feedback has its own English strings
        source = (WIDGET / "src" / module).read_text(encoding="utf-8")
        start = source.index("const EN = {")
        block = source[start:source.index("\n};", start)]
        english |= set(re.findall(r"^  (\w+):", block, flags=re.M))
    assert {"comments", "prompt", "notify", "votes"} <= english
    for lang in web.LANGUAGES:
        strings = json.loads((WIDGET / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
        assert set(strings) == english, lang
        assert "{n}" in strings["comments"]["one"] and "{n}" in strings["comments"]["other"]


def test_plain_bundle_serves_when_no_fresh_build(app, tmp_path):
    """Without widget/dist (a bare checkout), the readable concatenation is served."""
    for sub in ("src", "i18n"):
        (tmp_path / sub).mkdir()
        for path in (WIDGET / sub).iterdir():
            (tmp_path / sub / path.name).write_bytes(path.read_bytes())
    (tmp_path / "count.js").write_bytes((WIDGET / "count.js").read_bytes())
    app.config["WIDGET_DIR"] = str(tmp_path)
    body = app.test_client().get("/embed.js").get_data(as_text=True)
    assert body.startswith("/*! commentsvc embed")
    assert "function commentForm(parent, onDone, onCancel) {" in body
    assert "\n//" not in body  # full-line comments are dropped


def test_demo_page_embeds_the_widget(client):
    response = client.get("/demo")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-site="demo"' in page
    assert 'data-article=".story-body"' in page
    assert "data-commentsvc-count" in page
    assert "{{base}}" not in page
    assert "connect-src 'self'" in response.headers["Content-Security-Policy"]
