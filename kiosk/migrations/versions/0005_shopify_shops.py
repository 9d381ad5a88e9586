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
    pass


def downgrade() -> None:
    pass
