"""Votes: one per (comment, voter), counted exactly under concurrency.

No read-modify-write in Python. On PostgreSQL the comment row is locked first
(SELECT ... FOR UPDATE), so votes on one comment apply one after another; on SQLite the
first write (DELETE ... RETURNING of the voter's previous vote) takes the database write
lock. The comment's counters then move by SQL increments.
"""
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from ..errors import ApiError
from ..extensions import db
from ..models import Comment
from ..models import Vote
from ..security import keyed_hash
from .threads import touch_thread

def voter_hash(voter_token):
    """:raise ApiError 400: missing or implausible X-Voter-Token"""
    if not voter_token or not 16 <= len(voter_token) <= 128:
        raise ApiError(400, "missing_voter_token",
                       "A X-Voter-Token header of 16 to 128 characters is required.")
    return keyed_hash("voter", voter_token)


def cast_vote(comment, thread, voter_token, value):
    """Set this voter's vote on the comment to +1, -1 or 0 (withdraw); idempotent.

    :raise ApiError 403: own comment or locked thread
    """
    voter = voter_hash(voter_token)
    if comment.voter_hash == voter:
        raise ApiError(403, "own_comment", "You can't vote on your own comment.")
    if thread.locked:
        raise ApiError(403, "thread_locked", "This thread is locked.")
    return _apply_vote(comment.id, thread.id, voter, value)


def _apply_vote(comment_id, thread_id, voter, value):
    locked = db.session.execute(
        select(Comment.id).where(Comment.id == comment_id).with_for_update()
    ).scalar_one_or_none()
    if locked is None:
        raise ApiError(404, "comment_not_found", "No such comment.")
    previous = db.session.execute(
        delete(Vote)
        .where(Vote.comment_id == comment_id, Vote.voter_hash == voter)
        .returning(Vote.value)
    ).scalar_one_or_none() or 0
    if value:
        db.session.execute(insert(Vote).values(comment_id=comment_id, voter_hash=voter,
                                               value=value))
    up = (value == 1) - (previous == 1)
    down = (value == -1) - (previous == -1)
    if up or down:
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(up=Comment.up + up, down=Comment.down + down,
                    score=Comment.score + up - down)
        )
        touch_thread(thread_id)
    counts = db.session.execute(
        select(Comment.up, Comment.down, Comment.score).where(Comment.id == comment_id)
    ).one()
    db.session.commit()
    return {"up": counts.up, "down": counts.down, "score": counts.score, "my_vote": value}
