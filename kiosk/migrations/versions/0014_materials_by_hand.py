"""work orders whose materials were planned by hand

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:40:00

A work order made with its material lines typed in (not spread from BOMs) keeps
them through re-spreads; its items may build a product that has no BOM. Both
tables replicate to the kiosks, which run this migration on their own store too.
Every existing work order was spread from BOMs.
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('materials_by_hand', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('wo_item', schema=None) as batch_op:
        batch_op.alter_column('bom_id', existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    # A hand-planned item without a BOM has none to point at: such work orders must go
    # before a downgrade can restore the rule.
    with op.batch_alter_table('wo_item', schema=None) as batch_op:
        batch_op.alter_column('bom_id', existing_type=sa.String(length=36), nullable=False)
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_column('materials_by_hand')
