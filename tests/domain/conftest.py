"""Domain tests run on SQLite and PostgreSQL alike, through the real command bus."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url

from kiosk.domain import pins
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from tests.builders import Plant


@pytest.fixture
def cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """For modules where PINs are not under test: a cheap scrypt keeps clock-ins fast."""
    monkeypatch.setattr(pins, "_N", 2**4)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("migrated") / "plant.db"
    eng = make_engine(f"sqlite:///{path}")
    try:
        upgrade(eng)
    finally:
        eng.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """As the shared ``engine`` fixture, but SQLite is a copy of a migrated file instead of
    a fresh migration per test (PostgreSQL already comes from a migrated template)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), url.database)
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def plant(engine: Engine) -> Plant:
    return Plant(engine)
