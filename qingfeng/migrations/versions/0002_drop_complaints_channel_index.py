"""drop the one-column index on complaints.channel

The unique (channel, source_id) index already serves every lookup by channel. The extra index cost every
insert, and during a bulk load on PostgreSQL, with statistics not yet refreshed, the planner picked it for
``channel = ? AND source_id IN (...)`` and read a whole channel per chunk.

Revision ID: 0002
Revises: 0001
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_channel'))


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_channel'), ['channel'], unique=False)
