"""finished stock back to Shopify: per-product choice and the queue of pushes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 18:20:00

Server records only: no kiosk receives these tables.
"""

from alembic import op
import sqlalchemy as sa

from kiosk.store.types import UtcDateTime


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shopify_stock_setting',
        sa.Column('product_id', sa.String(length=36), nullable=False),
        sa.Column('sync', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['product_id'], ['product.id'],
            name=op.f('fk_shopify_stock_setting_product_id_product'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('product_id', name=op.f('pk_shopify_stock_setting')),
    )
    op.create_table(
        'shopify_stock_push',
        sa.Column('product_id', sa.String(length=36), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('changed_at', UtcDateTime(), nullable=False),
        sa.Column('due_at', UtcDateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claimed_until', UtcDateTime(), nullable=True),
        sa.Column('pushed_at', UtcDateTime(), nullable=True),
        sa.Column('pushed', sa.Text(), nullable=False),
        sa.Column('result', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['product_id'], ['product.id'],
            name=op.f('fk_shopify_stock_push_product_id_product'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('product_id', name=op.f('pk_shopify_stock_push')),
    )
    with op.batch_alter_table('shopify_stock_push', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shopify_stock_push_status'), ['status'])
        batch_op.create_index(batch_op.f('ix_shopify_stock_push_due_at'), ['due_at'])


def downgrade() -> None:
    op.drop_table('shopify_stock_push')
    op.drop_table('shopify_stock_setting')
