"""Scratch PostgreSQL databases for a benchmark: made fresh, dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url
from sqlalchemy.pool import NullPool

from tests.benchmarks.core import Options


def server_url(options: Options) -> str:
    """The PostgreSQL server to measure on ("" when there is none)."""
    return options.pg_url or os.environ.get("KIOSK_TEST_PG_URL", "").strip()


@contextmanager
def scratch_databases(options: Options) -> Iterator[Callable[[str], str]]:
    """``make(name)`` creates an empty database (dropped first if a killed run left it)
    and returns its URL; every one made is dropped when the block ends."""
    url = make_url(server_url(options)).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    made: list[str] = []

    def make(name: str) -> str:
        name = f"{name}_{os.getpid()}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
