"""sub-assembly steps in a work order

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:20:00
"""

from alembic import op
import sqlalchemy as sa
import kiosk.store.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A step may be done at a station other than the WO's own (a sub-assembly's step).
    with op.batch_alter_table('wo_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workstation_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_wo_step_workstation_id'), ['workstation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_wo_step_workstation_id_workstation'), 'workstation', ['workstation_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('wo_step', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_wo_step_workstation_id_workstation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_wo_step_workstation_id'))
        batch_op.drop_column('workstation_id')
