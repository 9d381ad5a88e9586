"""Test-wide setup: the Qt platform and the database fixtures.

Owns:

* ``QT_QPA_PLATFORM=offscreen`` (unless already set), before anything imports Qt,
  so a bare ``pytest`` works on a machine without a display.
* ``db_url``: parametrized ``sqlite`` / ``postgres``; a fresh database per test.
  SQLite is an empty file in ``tmp_path``; PostgreSQL is a copy of a template
  migrated once per session (``CREATE DATABASE ... TEMPLATE``), dropped after
  the test.
* ``engine``: ``make_engine(db_url)``, migrated to head, disposed after the test.
* ``sqlite_url`` / ``pg_url``: one backend only.

PostgreSQL comes from ``KIOSK_TEST_PG_URL`` (e.g.
``postgresql+psycopg://kiosk:kiosk@127.0.0.1:55432/kiosk_test``; ``.ci/run``
starts such a server). Its role needs CREATEDB; the database named in it is
only used to create and drop the per-test databases. Without the variable the
PostgreSQL variants are skipped, or fail when ``CI`` is set. They carry the
``postgres`` marker, so ``-m "not postgres"`` deselects them.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from kiosk.store.engine import make_engine

PG_URL_ENV = "KIOSK_TEST_PG_URL"
_db_numbers = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses ``pg_url`` (directly or via a fixture) as ``postgres``."""
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _pg_server_url() -> URL:
    """The URL from the environment, or skip (fail under CI) without one."""
    raw = os.environ.get(PG_URL_ENV, "").strip()
    if not raw:
        msg = f"{PG_URL_ENV} is not set; PostgreSQL tests need a server (bash .ci/run starts one)"
        if _in_ci():
            pytest.fail(f"CI must run the PostgreSQL tests: {msg}", pytrace=False)
        pytest.skip(msg)
    url = make_url(raw)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _drop_database(admin: Engine, name: str) -> None:
    """Drop ``name``, waiting out an autovacuum worker on it: WITH (FORCE) may not
    terminate that (InsufficientPrivilege for a non-superuser role), and it ends soon."""
    for attempt in range(50):
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except DBAPIError as err:
            if attempt == 49 or getattr(err.orig, "sqlstate", None) not in ("42501", "55006"):
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[tuple[Engine, URL]]:
    """A database migrated to head once per session, and an AUTOCOMMIT engine
    on the URL's own database for CREATE/DROP DATABASE."""
    from kiosk.store.migrate import upgrade

    server = _pg_server_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"kiosk_template_{os.getpid()}"
    _drop_database(admin, name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        template = server.set(database=name)
        engine = make_engine(_render(template))
        try:
            upgrade(engine)
        finally:
            engine.dispose()  # a template must have no open connections
        yield admin, template
    finally:
        _drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test only."""
    # The environment check comes first so a missing server skips (or fails)
    # this test with its own message, not as an error of the session fixture.
    _pg_server_url()
    admin, template = request.getfixturevalue("_pg_template")
    name = f"kiosk_t_{os.getpid()}_{next(_db_numbers)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"')
    try:
        yield _render(template.set(database=name))
    finally:
        _drop_database(admin, name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A new, empty (unmigrated) SQLite file for this test."""
    return f"sqlite:///{tmp_path}/plant.db"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test runs on both backends. Note: SQLite is empty, PostgreSQL is migrated;
    use ``engine`` for a migrated database on both."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """``make_engine(db_url)`` on a database migrated to head."""
    from kiosk.store.migrate import upgrade

    eng = make_engine(db_url)
    try:
        if eng.dialect.name == "sqlite":
            upgrade(eng)  # the PostgreSQL copy comes migrated from the template
        yield eng
    finally:
        eng.dispose()
