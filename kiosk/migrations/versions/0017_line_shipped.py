"""sales-order lines remember what was shipped when they were marked fulfilled

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 18:40:00

Nothing was shipped before. The table replicates to the kiosks, which run this
migration on their own store too.
"""

from alembic import op
import sqlalchemy as sa

import kiosk.store.types


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sales_order_line', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'qty_shipped', kiosk.store.types.Quantity(), server_default='0', nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('sales_order_line', schema=None) as batch_op:
        batch_op.drop_column('qty_shipped')
