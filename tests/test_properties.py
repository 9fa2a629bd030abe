"""Property-based tests (hypothesis): normalization, sanitizing, vote arithmetic."""
import itertools

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment
from commentsvc.models import Vote
from commentsvc.services.render import render_markdown
from commentsvc.services.urls import InvalidURL
from commentsvc.services.urls import normalize_url
from tests.helpers import active_content

url_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)
url_parts = st.builds(
    lambda scheme, host, port, path, query, fragment: (
        f"{scheme}://{host}{port}/{path}?{query}#{fragment}"
    ),
    st.sampled_from(["http", "https", "HTTP", "HtTpS", "ftp", ""]),
    st.from_regex(r"[A-Za-z0-9.-]{1,20}", fullmatch=True),
    st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":x"]),
    url_text,
    st.lists(st.tuples(st.sampled_from(["utm_source", "a", "B", "fbclid", "x y", "é"]),
                       url_text), max_size=4).map(lambda q: "&".join(f"{k}={v}" for k, v in q)),
    url_text,
)


@given(st.one_of(url_parts, url_text))
@settings(deadline=None)
def test_normalize_is_idempotent_and_total(url):
    try:
        key = normalize_url(url)
    except InvalidURL:
        return
    assert normalize_url(key) == key
    assert "#" not in key and not any(char.isspace() for char in key)


html_soup = st.lists(st.one_of(
    st.text(max_size=20),
    st.sampled_from([
        "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "[a](",
        ")", "](javascript:alert(1))", "<a href='", "'>", "\"", "<svg/onload=1>", "&#x6a;",
        "![x](", "data:text/html,", "<", ">", "`", "\n", "    ", "> ", "* ", "<!--", "-->",
        "<style>", "<iframe>", "<object data=x>", " onclick=", "<math>", "<form action=x>",
    ]),
), max_size=25).map("".join)


@given(html_soup)
@settings(max_examples=300, deadline=None)
def test_sanitized_output_never_has_active_content(text):
    assert active_content(render_markdown(text)) == []


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([1, -1, 0])), max_size=30))
def test_vote_counts_equal_the_votes_table(app, reader, ops):
    comment_id = reader.comment("vote target")["comment"]["id"]
    voters = [f"property-voter-{n:08d}" for n in range(6)]
    for voter, value in ops:
        assert reader.vote(comment_id, value, voter=voters[voter]).status_code == 200
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        totals = dict(db.session.execute(
            select(Vote.value, func.count()).where(Vote.comment_id == comment_id)
            .group_by(Vote.value)).all())
    final = {}
    for voter, value in ops:
        final[voters[voter]] = value
    expected_up = sum(1 for v in final.values() if v == 1)
    expected_down = sum(1 for v in final.values() if v == -1)
    assert (comment.up, comment.down) == (totals.get(1, 0), totals.get(-1, 0))
    assert (comment.up, comment.down, comment.score) == (
        expected_up, expected_down, expected_up - expected_down)


def test_cursor_walk_visits_every_comment_once_for_any_page_size(reader):
    posted = {reader.comment(f"c{i}")["comment"]["id"] for i in range(9)}
    for sort, limit in itertools.product(("oldest", "newest", "votes"), (1, 2, 4, 9, 20)):
        seen, cursor = [], None
        while True:
            params = {"sort": sort, "limit": limit, **({"cursor": cursor} if cursor else {})}
            body = reader.list(**params).get_json()
            seen += [c["id"] for c in body["comments"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(posted), (sort, limit)
