"""what a device last reported

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:20:00
"""

from alembic import op
import sqlalchemy as sa
import kiosk.store.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', kiosk.store.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_seen_address', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('outbox_depth', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('clock_drift_seconds', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('clock_drift_seconds')
        batch_op.drop_column('outbox_depth')
        batch_op.drop_column('last_seen_address')
        batch_op.drop_column('last_seen_at')
