"""sites and products can be deactivated (workstations and operators already could)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:00:00

Every existing site and product stays active. Both tables replicate to the kiosks,
which run this migration on their own store too.
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name in ('site', 'product'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False)
            )


def downgrade() -> None:
    for name in ('product', 'site'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column('active')
