"""top-level keyset indexes: partial indexes PostgreSQL can page top-level comments with

PostgreSQL reads no ORDER BY from (thread_id, parent_id, ...) when the query says
parent_id IS NULL, so first and deep pages of a big thread sorted in memory. These partial
indexes (WHERE parent_id IS NULL) serve the oldest/newest and votes orders directly.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TOP_LEVEL = sa.text('parent_id IS NULL')


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_top_time', ['thread_id', 'created_at', 'id'],
                              unique=False, postgresql_where=TOP_LEVEL, sqlite_where=TOP_LEVEL)
        batch_op.create_index('ix_comments_top_score',
                              ['thread_id', sa.literal_column('score DESC'), 'created_at', 'id'],
                              unique=False, postgresql_where=TOP_LEVEL, sqlite_where=TOP_LEVEL)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_top_score')
        batch_op.drop_index('ix_comments_top_time')
