"""shops and locations routed to sites

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:20:00
"""

from alembic import op
import sqlalchemy as sa
import kiosk.store.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shopify_shop',
    sa.Column('shop_domain', sa.String(length=255), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=True),
    sa.Column('updated_at', kiosk.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_shopify_shop_site_id_site')),
    sa.PrimaryKeyConstraint('shop_domain', name=op.f('pk_shopify_shop'))
    )
    with op.batch_alter_table('shopify_shop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shopify_shop_site_id'), ['site_id'], unique=False)

    op.create_table('shopify_location_route',
    sa.Column('shop_domain', sa.String(length=255), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['shop_domain'], ['shopify_shop.shop_domain'], name=op.f('fk_shopify_location_route_shop_domain_shopify_shop'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_shopify_location_route_site_id_site')),
    sa.PrimaryKeyConstraint('shop_domain', 'location_id', name=op.f('pk_shopify_location_route'))
    )
    with op.batch_alter_table('shopify_location_route', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shopify_location_route_site_id'), ['site_id'], unique=False)

    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_domain', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_webhook_delivery_shop_domain'), ['shop_domain'], unique=False)

    # The row route changes and parked deliveries lock (kiosk.services.shop_routing).
    counter = sa.table("counter", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counter, [{"name": "shopify_routes", "value": 0}])


def downgrade() -> None:
    op.execute("DELETE FROM counter WHERE name = 'shopify_routes'")
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_shop_domain'))
        batch_op.drop_column('shop_domain')

    with op.batch_alter_table('shopify_location_route', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shopify_location_route_site_id'))

    op.drop_table('shopify_location_route')
    with op.batch_alter_table('shopify_shop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shopify_shop_site_id'))

    op.drop_table('shopify_shop')
