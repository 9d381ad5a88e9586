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
    pass


def downgrade() -> None:
    pass
