"""Votes: one per voter and comment, changeable, exact under concurrency."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment
from commentsvc.models import Vote
from tests.helpers import ORIGIN
from tests.helpers import PAGE

VOTER = "voter-token-for-tests-1"


@pytest.fixture
def comment_id(reader):
    return reader.comment("vote on me", author_name="Ann")["comment"]["id"]


def stored_counts(app, comment_id):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        votes = db.session.execute(
            select(Vote.value, func.count()).where(Vote.comment_id == comment_id)
            .group_by(Vote.value)
        ).all()
        return (comment.up, comment.down, comment.score), dict(votes)


def test_up_change_withdraw(reader, app, comment_id):
    first = reader.vote(comment_id, 1, voter=VOTER)
    assert first.status_code == 200
    assert first.get_json() == {"up": 1, "down": 0, "score": 1, "my_vote": 1}
    assert reader.vote(comment_id, 1, voter=VOTER).get_json()["up"] == 1  # idempotent
    assert reader.vote(comment_id, -1, voter=VOTER).get_json() == {
        "up": 0, "down": 1, "score": -1, "my_vote": -1}
    assert reader.vote(comment_id, 0, voter=VOTER).get_json() == {
        "up": 0, "down": 0, "score": 0, "my_vote": 0}
    assert reader.vote(comment_id, 0, voter=VOTER).get_json()["down"] == 0
    assert stored_counts(app, comment_id) == ((0, 0, 0), {})


def test_votes_show_in_listing(reader, comment_id):
    reader.vote(comment_id, 1, voter=VOTER)
    reader.vote(comment_id, -1, voter="second-voter-token-2")
    reader.vote(comment_id, 1, voter="third-voter-token-33")
    listed = reader.list().get_json()["comments"][0]["votes"]
    assert listed == {"up": 2, "down": 1, "score": 1}


def test_author_cannot_vote_on_own_comment(reader, app, comment_id):
    response = reader.vote(comment_id, 1)  # the reader's own voter token posted it
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "own_comment"
    assert stored_counts(app, comment_id) == ((0, 0, 0), {})


@pytest.mark.parametrize("body", [{"value": 2}, {"value": "1"}, {"value": True}, {}, {"value": 1, "x": 1}])
def test_invalid_vote_is_422(reader, app, comment_id, body):
    response = reader.client.put(f"/api/comments/{comment_id}/vote", json=body,
                                 headers={"X-Voter-Token": VOTER, "Origin": ORIGIN})
    assert response.status_code == 422
    assert stored_counts(app, comment_id) == ((0, 0, 0), {})


@pytest.mark.parametrize("token", [None, "short"])
def test_voter_token_required(reader, app, comment_id, token):
    headers = {"Origin": ORIGIN, **({"X-Voter-Token": token} if token else {})}
    response = reader.client.put(f"/api/comments/{comment_id}/vote", json={"value": 1},
                                 headers=headers)
    assert response.status_code == 400
    assert stored_counts(app, comment_id) == ((0, 0, 0), {})


def test_vote_on_unknown_comment_is_404(reader):
    assert reader.vote(424242, 1, voter=VOTER).status_code == 404


def test_vote_changes_etag(reader, comment_id):
    before = reader.list().headers["ETag"]
    reader.vote(comment_id, 1, voter=VOTER)
    assert reader.list().headers["ETag"] != before


def _put_vote(base_url, comment_id, voter, value):
    return requests.put(f"{base_url}/api/comments/{comment_id}/vote", json={"value": value},
                        headers={"X-Voter-Token": voter, "Origin": ORIGIN}, timeout=60)


def test_fifty_parallel_voters_are_counted_exactly(app, live_server, comment_id):
    """50 voters at once through a real threaded HTTP server, each voting up, some switching
    to down and some withdrawing; totals equal the votes table exactly."""
    voters = [f"parallel-voter-{n:04d}-token" for n in range(50)]

    def voter_session(index):
        voter = voters[index]
        statuses = [_put_vote(live_server, comment_id, voter, 1).status_code]
        if index % 3 == 1:
            statuses.append(_put_vote(live_server, comment_id, voter, -1).status_code)
        if index % 3 == 2:
            statuses.append(_put_vote(live_server, comment_id, voter, 0).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = [s for result in pool.map(voter_session, range(50)) for s in result]
    assert set(statuses) == {200}
    expected_down = len([i for i in range(50) if i % 3 == 1])
    expected_up = len([i for i in range(50) if i % 3 == 0])
    (up, down, score), table = stored_counts(app, comment_id)
    assert (up, down, score) == (expected_up, expected_down, expected_up - expected_down)
    assert table == {1: expected_up, -1: expected_down}


def test_same_voter_racing_itself_counts_once(app, live_server, comment_id):
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: _put_vote(live_server, comment_id, VOTER, 1),
                                range(20)))
    assert {r.status_code for r in results} == {200}
    assert stored_counts(app, comment_id) == ((1, 0, 1), {1: 1})


def test_concurrent_posting_loses_nothing(app, live_server, site):
    def post(index):
        return requests.post(
            f"{live_server}/api/comments", params={"site": site, "url": PAGE},
            json={"text": f"comment {index}"}, headers={"Origin": ORIGIN}, timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(post, range(60)))
    assert statuses == [201] * 60
    listing = requests.get(f"{live_server}/api/comments",
                           params={"site": site, "url": PAGE, "limit": 100}, timeout=30).json()
    assert listing["thread"]["count"] == 60
    assert sorted(c["html"] for c in listing["comments"]) == sorted(
        f"<p>comment {i}</p>" for i in range(60))
