"""inbox claims: a delivery taken by one inbox process is skipped by the others

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:00:00
"""

from alembic import op
import sqlalchemy as sa
import kiosk.store.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('claimed_until', kiosk.store.types.UtcDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
