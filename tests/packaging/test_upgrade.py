"""A new version opens a store made by an older schema and migrates it, losing nothing.

The old store is made in the test, for every revision before the newest: a
SQLite file migrated only that far, filled with the demo plant (and pending
outbox commands, where that revision has an outbox) projected onto that
revision's tables and columns. ``open_store`` -- what the kiosk does at
start-up -- must bring it to the newest revision with every row still there,
pending commands still pending, and the board readable.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert

from kiosk.app import board_lines, open_store
from kiosk.config import sqlite_url
from kiosk.demo import seed_demo_plant
from kiosk.store.engine import make_engine
from kiosk.store.migrate import alembic_config, current_revisions, head_revisions, upgrade
from kiosk.store.models import Base

REVISIONS = [
    s.revision
    for s in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
]
PENDING = 3


def _pending_outbox_rows() -> list[dict[str, object]]:
    outbox = Base.metadata.tables["outbox"]
    rows = [
        {
            "seq": n,
            "command_id": f"00000000-0000-4000-8000-00000000000{n}",
            "type": "log_output",
            "at": datetime(2026, 1, 5, 8, n, tzinfo=UTC),
            "actor": {"operator": "op-1", "device": "kiosk-1", "workstation": "ASSY-1"},
            "payload": {"work_order": "wo-1", "qty": str(n)},
            "status": "pending",
            "detail": "",
            "message": "",
        }
        for n in range(1, PENDING + 1)
    ]
    return [{k: v for k, v in r.items() if k in outbox.c} for r in rows]


@pytest.fixture(scope="module")
def newest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a demo plant at the newest schema, an empty store at the newest schema)."""
    root = tmp_path_factory.mktemp("upgrade")
    full, bare = root / "full.db", root / "bare.db"
    for path in (full, bare):
        engine = make_engine(sqlite_url(path))
        upgrade(engine)
        if path == full:
            seed_demo_plant(engine)
            if "outbox" in Base.metadata.tables:
                with engine.begin() as conn:
                    conn.execute(insert(Base.metadata.tables["outbox"]), _pending_outbox_rows())
        engine.dispose()
    return full, bare


def _tables(con: sqlite3.Connection, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
        )
    ]


def _columns(con: sqlite3.Connection, schema: str, table: str) -> list[tuple[str, int]]:
    """(name, primary-key position) of each column."""
    return [(r[1], r[5]) for r in con.execute(f'PRAGMA {schema}.table_info("{table}")')]


Rows = dict[str, tuple[str, set[tuple[object, ...]]]]


def snapshot(path: Path) -> Rows:
    """Every row of every table, with the column list it was read by."""
    con = sqlite3.connect(path)
    try:
        out: Rows = {}
        for table in _tables(con, "main"):
            cols = ", ".join(f'"{c}"' for c, _ in _columns(con, "main", table))
            out[table] = (cols, set(con.execute(f'SELECT {cols} FROM "{table}"')))
        return out
    finally:
        con.close()


def make_old_store(path: Path, revision: str, full: Path, bare: Path) -> Rows:
    """A store at ``revision`` holding the demo plant's rows that fit it; its rows."""
    engine = make_engine(sqlite_url(path))
    upgrade(engine, revision)
    engine.dispose()
    con = sqlite3.connect(path)
    try:
        con.execute("ATTACH DATABASE ? AS src", (str(full),))
        con.execute("ATTACH DATABASE ? AS bare", (str(bare),))
        for table in _tables(con, "main"):
            old = _columns(con, "main", table)
            new = {name for name, _ in _columns(con, "src", table)}
            cols = ", ".join(f'"{c}"' for c, _ in old if c in new)
            pk = [c for c, pos in old if pos]
            # Rows a later migration writes itself (e.g. a counter) are left to it.
            made_later = " AND ".join(f'b."{c}" = s."{c}"' for c in pk)
            con.execute(
                f'INSERT OR IGNORE INTO main."{table}" ({cols}) SELECT {cols} FROM src."{table}" s '
                f'WHERE NOT EXISTS (SELECT 1 FROM bare."{table}" b WHERE {made_later})'
            )
        con.commit()
    finally:
        con.close()
    return snapshot(path)


@pytest.mark.parametrize("revision", REVISIONS)
def test_old_store_opens_and_migrates_without_losing_rows(
    tmp_path: Path, newest: tuple[Path, Path], revision: str
) -> None:
    path = tmp_path / "kiosk.db"
    before = make_old_store(path, revision, *newest)
    assert len(before["work_order"][1]) > 0, "the old store must hold real data"
    engine = make_engine(sqlite_url(path))
    assert current_revisions(engine) == {revision}
    engine.dispose()

    engine = open_store(sqlite_url(path))  # what the kiosk does at start-up
    try:
        assert current_revisions(engine) == head_revisions()
        # Old columns only: a migration may add columns, and rows of its own (counters).
        con = sqlite3.connect(path)
        after = {
            table: set(con.execute(f'SELECT {cols} FROM "{table}"'))
            for table, (cols, _) in before.items()
        }
        pending = (
            con.execute("SELECT seq, status FROM outbox ORDER BY seq").fetchall()
            if "outbox" in before
            else None
        )
        con.close()
        for table, (_, rows) in before.items():
            lost = rows - after[table]
            assert not lost, f"{table}: {len(lost)} of {len(rows)} rows lost or changed"
        if pending is not None:
            assert pending == [(n, "pending") for n in range(1, PENDING + 1)]
        lines = board_lines(engine)
        assert len(lines) == 1 + len(before["work_order"][1])
    finally:
        engine.dispose()


def test_the_newest_schema_has_a_previous_one_to_test() -> None:
    assert len(REVISIONS) >= 2
    assert REVISIONS[-1] in head_revisions()


def test_the_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    """A model column without a migration (or the reverse) would exist in tests, which
    create nothing by hand, but not in a store an older kiosk upgrades."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(sqlite_url(tmp_path / "head.db"))
    try:
        upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
