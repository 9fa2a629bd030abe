"""POST /api/admin/import and `flask import`: auth, idempotency, rollback, unsafe XML, limits."""
import json

import pytest
from sqlalchemy import func
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import AuditEntry
from commentsvc.models import Comment
from commentsvc.models import Thread
from tests.helpers import ORIGIN
from tests.helpers import Reader
from tests.test_import_formats import DATA
from tests.test_import_formats import upload

DISQUS = (DATA / "disqus.xml").read_bytes()


@pytest.fixture
def blog(make_site):
    return make_site()[1]


def table_sizes(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Comment.id))),
                db.session.scalar(select(func.count(Thread.id))))


def thread_state(app):
    with app.app_context():
        return db.session.execute(
            select(Thread.page_key, Thread.comment_count, Thread.version).order_by(Thread.id)
        ).all()


def error_of(response):
    return response.get_json()["error"]


# Authentication and parameters


def test_import_needs_the_sites_admin_token(client, make_site):
    _, token = make_site("blog")
    _, other = make_site("other")
    assert upload(client, "wrong-token", "disqus", DISQUS).status_code == 401
    response = client.post("/api/admin/import", query_string={"site": "blog",
                                                                "format": "disqus"},
                           data=DISQUS)
    assert response.status_code == 401
    assert upload(client, other, "disqus", DISQUS).status_code == 403
    assert upload(client, token, "disqus", DISQUS).status_code == 200


@pytest.mark.parametrize("params", [{"format": "blogger"}, {"format": None}])
def test_import_needs_a_known_format(client, blog, params):
    query = {"site": "blog", **{k: v for k, v in params.items() if v}}
    response = client.post("/api/admin/import", query_string=query, data=DISQUS,
                           headers={"Authorization": f"Bearer {blog}"})
    assert response.status_code == 400
    assert "format" in error_of(response)["fields"]


def test_empty_body_is_a_bad_request(client, blog):
    response = upload(client, blog, "disqus", b"")
    assert response.status_code == 400
    assert error_of(response)["code"] == "empty_body"


# Size: far above the 64 KiB of other requests, but still limited


def test_files_larger_than_normal_requests_are_accepted(client, blog, app):
    posts = "".join(
        f'<post dsq:id="{n}"><message><![CDATA[<p>{"x" * 200} {n}</p>]]></message>'
        f'<createdAt>2020-01-01T00:00:{n % 60:02d}Z</createdAt><thread dsq:id="1"/></post>'
        for n in range(1000)
    )
    body = (f'<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
            f'<thread dsq:id="1"><link>{ORIGIN}/big</link></thread>{posts}</disqus>').encode()
    assert len(body) > 4 * 64 * 1024
    response = upload(client, blog, "disqus", body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 1000
    # Other endpoints keep the normal limit.
    big_json = json.dumps({"text": "y" * (70 * 1024)})
    assert client.post("/api/comments", query_string={"site": "blog", "url": ORIGIN + "/big"},
                       data=big_json, content_type="application/json").status_code == 413


@pytest.fixture
def small_import_limit(app_config):
    app_config["IMPORT_MAX_BYTES"] = 1024


def test_import_size_limit_is_configurable(small_import_limit, client, blog, app):
    response = upload(client, blog, "disqus", DISQUS)
    assert response.status_code == 413
    assert table_sizes(app) == (0, 0)


# Idempotency


def test_reimporting_the_same_file_changes_nothing(client, blog, app):
    first = upload(client, blog, "disqus", DISQUS).get_json()
    before = thread_state(app)
    second = upload(client, blog, "disqus", DISQUS).get_json()
    assert second["imported"] == 0 and second["skipped"] == first["imported"] == 9
    assert thread_state(app) == before  # counts and versions (ETags) unchanged
    assert table_sizes(app) == (9, 2)


def test_a_later_export_adds_only_new_comments_under_their_old_parents(client, blog, app):
    upload(client, blog, "disqus", DISQUS)
    later = DISQUS.replace(b"</disqus>", b"""<post dsq:id="1011"><message>Late reply</message>
        <createdAt>2014-01-01T00:00:00Z</createdAt><thread dsq:id="200"/>
        <parent dsq:id="1003"/></post></disqus>""")
    result = upload(client, blog, "disqus", later).get_json()
    assert (result["imported"], result["skipped"], result["orphans"]) == (1, 9, 0)
    body = Reader(client, "blog").list(url=f"{ORIGIN}/2013/05/hello").get_json()
    assert body["thread"]["count"] == 5
    bob = body["comments"][0]["replies"][0]
    assert [r["html"] for r in bob["replies"]][-1] == "Late reply"


def test_import_counts_together_with_live_comments(client, blog, app):
    reader = Reader(client, "blog")
    reader.comment("Posted here before the migration", url=f"{ORIGIN}/2013/05/hello")
    upload(client, blog, "disqus", DISQUS)
    body = reader.list(url=f"{ORIGIN}/2013/05/hello").get_json()
    assert body["thread"]["count"] == 5
    assert len(body["comments"]) == 3


def test_import_bumps_the_thread_version_so_etags_change(client, blog):
    reader = Reader(client, "blog")
    reader.comment("First", url=f"{ORIGIN}/2013/05/hello")
    etag = reader.list(url=f"{ORIGIN}/2013/05/hello").headers["ETag"]
    upload(client, blog, "disqus", DISQUS)
    response = client.get("/api/comments", query_string={"site": "blog",
                                                          "url": f"{ORIGIN}/2013/05/hello"},
                          headers={"Origin": ORIGIN, "If-None-Match": etag})
    assert response.status_code == 200


def test_import_is_audited(client, blog, app):
    upload(client, blog, "disqus", DISQUS)
    with app.app_context():
        entry = db.session.execute(select(AuditEntry)).scalar_one()
        assert (entry.action, entry.actor, entry.rows) == ("import", "admin", 9)
        assert entry.detail["format"] == "disqus"


# Failure rolls everything back and names the record


def test_an_invalid_record_rolls_back_the_whole_import(client, blog, app):
    response = upload(client, blog, "disqus", (DATA / "disqus_bad_record.xml").read_bytes())
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_record"
    assert error["fields"]["record"] == ["disqus:1007"]
    assert "createdAt" in error["message"]
    assert table_sizes(app) == (0, 0)  # the 5 posts before it were written, then undone


@pytest.mark.parametrize("old, new, record", [
    (b'<parent dsq:id="9999"/>', b'<parent dsq:id="1001"/>', "disqus:1010"),
    (b'<post dsq:id="1009">', b'<post dsq:id="1001">', "disqus:1001"),
    (b"<link>https://blog.example.org/2013/06/closed</link>",
     b"<link>ftp://blog.example.org/closed</link>", "thread 201"),
], ids=["reply on another page than its parent", "duplicate id", "unusable thread link"])
def test_the_offending_record_is_named_and_nothing_imported(client, blog, app, old, new,
                                                            record):
    assert DISQUS.count(old) == 1
    response = upload(client, blog, "disqus", DISQUS.replace(old, new))
    assert response.status_code == 422
    assert error_of(response)["fields"]["record"] == [record]
    assert table_sizes(app) == (0, 0)


# Safe XML


@pytest.mark.parametrize("name, fmt", [("billion_laughs.xml", "disqus"),
                                       ("xxe.xml", "wordpress")])
def test_entity_attacks_are_rejected(client, blog, app, name, fmt):
    response = upload(client, blog, fmt, (DATA / name).read_bytes())
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "unsafe_xml"
    assert "DTD" in error["message"]
    assert "root:" not in response.get_data(as_text=True)  # /etc/passwd never read
    assert table_sizes(app) == (0, 0)


def test_malformed_xml_is_a_bad_request(client, blog, app):
    response = upload(client, blog, "disqus", DISQUS[: len(DISQUS) // 2])
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_file"
    assert table_sizes(app) == (0, 0)


@pytest.mark.parametrize("fmt, body", [
    ("wordpress", DISQUS),
    ("disqus", (DATA / "wordpress.xml").read_bytes()),
    ("commentsvc", b'{"comments": []}'),
])
def test_a_file_of_another_format_is_refused(client, blog, fmt, body):
    response = upload(client, blog, fmt, body)
    assert response.status_code == 422
    assert error_of(response)["code"] == "wrong_format"


def test_malformed_json_is_a_bad_request(client, blog):
    response = upload(client, blog, "commentsvc", b'{"format": "commentsvc", "threads": [')
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_file"


# CLI


def test_cli_import_prints_counts_and_is_idempotent(runner, blog, app):
    args = ["import", "--site", "blog", "--format", "wordpress", str(DATA / "wordpress.xml")]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["imported"] == 6
    second = runner.invoke(args=args)
    assert json.loads(second.output)["skipped"] == 6
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).first()
        assert entry.actor == "cli"


def test_cli_import_reports_the_bad_record_and_imports_nothing(runner, blog, app):
    result = runner.invoke(args=["import", "--site", "blog", "--format", "disqus",
                                 str(DATA / "disqus_bad_record.xml")])
    assert result.exit_code == 1
    assert "invalid_record" in result.output and "disqus:1007" in result.output
    assert table_sizes(app) == (0, 0)


def test_cli_import_unknown_site(runner, app):
    result = runner.invoke(args=["import", "--site", "nope", "--format", "disqus",
                                 str(DATA / "disqus.xml")])
    assert result.exit_code == 2
    assert "Unknown site" in result.output
