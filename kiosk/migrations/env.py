"""Alembic environment: runs against the engine handed over in ``config.attributes``.

On SQLite, batch migrations rebuild a table to alter it (drop, recreate, copy);
with foreign keys enforced, dropping a table that others point at fails. So they
are off while migrating and checked as a whole afterwards (SQLite's advice for
schema changes), then back on for the connection's next user.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from kiosk.store.models import Base

config = context.config
engine: Engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Outside any transaction (the pragma is ignored inside one): the raw connection
        # is in autocommit mode until SQLAlchemy's begin event issues BEGIN.
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
