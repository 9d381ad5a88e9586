"""when each change-feed row was written (for pruning the feed)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00
"""

from alembic import op
import sqlalchemy as sa
import kiosk.store.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before this version have none: they go with the first pruned row above them.
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at', kiosk.store.types.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_column('at')
