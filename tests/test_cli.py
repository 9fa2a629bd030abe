"""`flask --app wsgi sites ...` commands."""
import json

from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import AdminToken
from commentsvc.models import Site
from commentsvc.security import token_hash
from tests.helpers import PAGE


def test_create_site_json_prints_token_once_and_stores_hash(runner, app):
    result = runner.invoke(args=["sites", "create", "--slug", "blog", "--origin",
                                 "https://blog.example.org", "--origin", "http://localhost:*",
                                 "--moderation", "first", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["slug"] == "blog" and len(payload["admin_token"]) >= 32
    with app.app_context():
        site = db.session.execute(select(Site)).scalar_one()
        assert site.origins == ["https://blog.example.org", "http://localhost:*"]
        assert site.moderation == "first"
        stored = db.session.execute(select(AdminToken.token_hash)).scalar_one()
    assert stored == token_hash(payload["admin_token"])
    assert payload["admin_token"] not in stored


def test_create_rejects_bad_input(runner):
    bad_origin = runner.invoke(args=["sites", "create", "--slug", "blog",
                                     "--origin", "blog.example.org/path"])
    assert bad_origin.exit_code != 0 and "origin" in bad_origin.output
    bad_slug = runner.invoke(args=["sites", "create", "--slug", "Bad Slug!",
                                   "--origin", "https://x.org"])
    assert bad_slug.exit_code != 0
    runner.invoke(args=["sites", "create", "--slug", "blog", "--origin", "https://x.org"])
    duplicate = runner.invoke(args=["sites", "create", "--slug", "blog",
                                    "--origin", "https://x.org"])
    assert duplicate.exit_code != 0 and "exists" in duplicate.output


def test_list_sites(runner, make_site):
    make_site("alpha")
    make_site("beta", origins=("https://beta.example",))
    listed = json.loads(runner.invoke(args=["sites", "list", "--json"]).output)
    assert [s["slug"] for s in listed] == ["alpha", "beta"]
    assert listed[1]["origins"] == ["https://beta.example"]
    assert "admin_token" not in str(listed)
    assert "beta\toff\thttps://beta.example" in runner.invoke(args=["sites", "list"]).output


def test_token_rotation_revokes_the_old_token(runner, make_site, client):
    _, old = make_site("blog")
    result = runner.invoke(args=["sites", "token", "--slug", "blog", "--json"])
    new = json.loads(result.output)["admin_token"]
    assert new != old
    with runner.app.app_context():
        hashes = set(db.session.scalars(select(AdminToken.token_hash)))
    assert hashes == {token_hash(new)}
    assert runner.invoke(args=["sites", "token", "--slug", "nope"]).exit_code != 0


def test_ensure_demo_is_idempotent(runner, app):
    first = runner.invoke(args=["sites", "ensure-demo", "--public-url", "http://127.0.0.1:9000"])
    assert "Created site 'demo'" in first.output
    second = runner.invoke(args=["sites", "ensure-demo"])
    assert second.exit_code == 0 and second.output == ""
    with app.app_context():
        site = db.session.execute(select(Site)).scalar_one()
    assert set(site.origins) == {"http://127.0.0.1:9000", "http://localhost:*",
                                 "http://127.0.0.1:*"}


def test_site_settings_show_and_change(runner, reader):
    shown = json.loads(runner.invoke(args=["sites", "settings", "--slug", "blog", "--json"])
                       .output)
    assert shown["moderation"] == "off" and shown["edit_window_seconds"] == 900
    result = runner.invoke(args=["sites", "settings", "--slug", "blog", "--moderation", "all",
                                 "--edit-window", "60", "--blocked-word", "casino", "--json"])
    changed = json.loads(result.output)
    assert (changed["moderation"], changed["edit_window_seconds"]) == ("all", 60)
    assert changed["blocked_words"] == ["casino"]
    assert reader.comment("held now")["comment"]["status"] == "pending"
    bad = runner.invoke(args=["sites", "settings", "--slug", "blog", "--max-depth", "-1"])
    assert bad.exit_code != 0
    assert runner.invoke(args=["sites", "settings", "--slug", "nope"]).exit_code != 0


def test_threads_lock_and_unlock(runner, reader):
    reader.comment("before")
    locked = runner.invoke(args=["threads", "lock", "--site", reader.site, "--url", PAGE,
                                 "--json"])
    assert json.loads(locked.output)["locked"] is True
    assert reader.post("while locked").status_code == 403
    runner.invoke(args=["threads", "unlock", "--site", reader.site, "--url", PAGE])
    assert reader.post("after").status_code == 201
    missing = runner.invoke(args=["threads", "lock", "--site", reader.site,
                                  "--url", "https://blog.example.org/never-commented"])
    assert missing.exit_code != 0 and "No thread" in missing.output
