"""moderation: index the reply foreign key, so bulk deletes don't scan per row

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_parent', ['parent_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_parent')
