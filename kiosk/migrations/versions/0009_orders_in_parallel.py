"""orders in parallel: work-order numbers from a sequence (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

#: PostgreSQL hands out numbers without holding a lock to the commit (see planning.py).
SEQUENCE = "work_order_number"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Numbering goes on from the counter's value.
        op.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START WITH 1")
        op.execute(
            f"SELECT setval('{SEQUENCE}', GREATEST(COALESCE((SELECT value FROM counter "
            "WHERE name = 'work_order'), 0), 0) + 1, false)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            # The last number handed out (none yet: the one before the first).
            "UPDATE counter SET value = (SELECT CASE WHEN is_called THEN last_value "
            f"ELSE last_value - 1 END FROM {SEQUENCE}) WHERE name = 'work_order'"
        )
        op.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
