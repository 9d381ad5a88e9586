"""stored webhook deliveries name their order, and settle as ignored too

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:00:00

Server records only. Deliveries already stored keep no order reference until they
are replayed; the status column already holds any of its values.
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_ref', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_webhook_delivery_received_at', ['received_at'])


def downgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_received_at')
        batch_op.drop_column('order_ref')
