"""``INSERT ... ON CONFLICT DO NOTHING`` on either database.

SQLAlchemy spells it per dialect. The PostgreSQL dialect is imported only by a
connection to PostgreSQL: a kiosk (SQLite) never pays for importing it at start.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(dialect_name: str, table: Table | Any, rows: Any) -> Insert:
    """An INSERT of ``rows`` (a dict or a list of them) that skips rows already there."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(rows).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).values(rows).on_conflict_do_nothing()
