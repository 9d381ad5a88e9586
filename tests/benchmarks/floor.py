"""Benchmark A: one floor command through the CommandBus vs the fsync floor.

The kiosk applies every tap as one durable transaction (SQLite, WAL,
``synchronous=FULL`` as ``make_engine`` sets). The floor under that is one
INSERT + COMMIT through bare ``sqlite3`` with the same pragmas: the fsync of the
WAL. The two are measured interleaved, one of each per round, so the machine's
background noise hits both alike. The bus runs with the kiosk's outbox hook, as a
Station does, so the outbox and the shadow rows are in the figure. Target: the bus's
median within 3× the floor.

A third side, in the same rounds, shows the bound the ORM-free minimum sets: one
transaction of as many SQLAlchemy Core statements as one LogOutput issues (counted in
this run), each a primary-key UPDATE on a small table.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event

from kiosk.commands import LogOutput
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from sync.outbox import OutboxHook
from tests.benchmarks.core import Options, Outcome, benchmark, median, percentile
from tests.builders import Plant

WARMUP = 20
#: LogOutputs before the timed rounds; the statements of the last of them are counted.
COUNTED = 5
TARGET_RATIO = 3.0


def _bare_connection(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("CREATE TABLE IF NOT EXISTS tap (id TEXT PRIMARY KEY, at TEXT, payload TEXT)")
    return conn


def _bare_insert(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO tap (id, at, payload) VALUES (?, ?, ?)",
        (str(uuid.uuid4()), datetime.now(UTC).isoformat(), '{"qty": "1"}'),
    )
    conn.execute("COMMIT")


def _statements_per_command(engine: Engine, run: Callable[[], object]) -> int:
    """How many statements one command sends to SQLite (COMMIT not counted)."""
    sent: list[str] = []

    def count(*_args: object) -> None:
        sent.append("")

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


def _core_floor(path: str) -> tuple[Engine, Table]:
    engine = make_engine(f"sqlite:///{path}")
    tap = Table("tap", MetaData(), Column("id", String, primary_key=True), Column("n", Integer))
    tap.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(tap.insert(), [{"id": f"k{i}", "n": 0} for i in range(50)])
    return engine, tap


def _core_transaction(engine: Engine, tap: Table, statements: int) -> None:
    with engine.begin() as conn:
        for i in range(statements):
            conn.execute(tap.update().where(tap.c.id == f"k{i % 50}").values(n=tap.c.n + 1))


@benchmark("log-output", "LogOutput through the CommandBus vs bare sqlite3 INSERT+COMMIT")
def log_output_latency(options: Options) -> Outcome:
    store = options.workdir / "kiosk.db"
    engine = make_engine(f"sqlite:///{store}")
    upgrade(engine)
    with engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous")
        }
    plant = Plant(engine)
    plant.bus.hook = OutboxHook()  # as a kiosk's Station runs it
    plant.product("RAW")
    plant.product("PART")
    plant.bom("PART", {"RAW": 1}, steps=("Build",))
    plant.receive("RAW", 1_000_000)
    operator = plant.operator()
    total = options.iterations + WARMUP
    wo = plant.started_work_order("PART", total + COUNTED, operator)

    def log_one() -> None:
        plant.bus.execute(LogOutput(work_order_id=wo, qty=1, actor=operator))

    for _ in range(COUNTED - 1):
        log_one()  # the first runs shadow rows a later run finds shadowed already
    statements = _statements_per_command(engine, log_one)

    bare = _bare_connection(str(options.workdir / "floor.db"))
    core, tap = _core_floor(str(options.workdir / "core.db"))
    bus_ms: list[float] = []
    bare_ms: list[float] = []
    core_ms: list[float] = []
    try:
        for i in range(total):
            command = LogOutput(work_order_id=wo, qty=1, actor=operator)
            t0 = time.perf_counter()
            plant.bus.execute(command)
            t1 = time.perf_counter()
            _bare_insert(bare)
            t2 = time.perf_counter()
            _core_transaction(core, tap, statements)
            t3 = time.perf_counter()
            if i >= WARMUP:
                bus_ms.append((t1 - t0) * 1000)
                bare_ms.append((t2 - t1) * 1000)
                core_ms.append((t3 - t2) * 1000)
        done = plant.wo(wo).qty_done
        with engine.connect() as conn:
            queued = conn.exec_driver_sql(
                "SELECT count(*) FROM outbox WHERE type = 'log_output'"
            ).scalar()
    finally:
        bare.close()
        core.dispose()
        engine.dispose()

    outcome = Outcome()
    outcome.note(
        f"{len(bus_ms)} interleaved rounds after {WARMUP} warm-up; file store in "
        f"{options.workdir}; journal_mode={pragmas['journal_mode']}, "
        f"synchronous={pragmas['synchronous']} (2 = FULL) on both sides"
    )
    outcome.add("bus LogOutput median", median(bus_ms), "ms")
    outcome.add("bus LogOutput p99", percentile(bus_ms, 99), "ms")
    outcome.add("bare INSERT+COMMIT median", median(bare_ms), "ms")
    outcome.add("bare INSERT+COMMIT p99", percentile(bare_ms, 99), "ms")
    ratio = median(bus_ms) / median(bare_ms)
    outcome.add("ratio of medians", ratio, "×", f"target ≤ {TARGET_RATIO:g}×")
    outcome.add("ratio of p99s", percentile(bus_ms, 99) / percentile(bare_ms, 99), "×")
    outcome.add("statements per LogOutput (outbox included)", statements, "")
    outcome.add(f"SQLAlchemy Core, {statements} UPDATEs + COMMIT, median", median(core_ms), "ms")
    outcome.add("Core floor / fsync floor", median(core_ms) / median(bare_ms), "×")
    outcome.check(
        "durable settings in force (WAL, synchronous=FULL)",
        str(pragmas["journal_mode"]).lower() == "wal" and pragmas["synchronous"] == 2,
    )
    outcome.check(
        f"every LogOutput applied ({total + COUNTED} units done)", done == total + COUNTED
    )
    outcome.check(
        f"every LogOutput queued in the outbox ({total + COUNTED})", queued == total + COUNTED
    )
    outcome.check(f"median bus latency ≤ {TARGET_RATIO:g}× the fsync floor", ratio <= TARGET_RATIO)
    return outcome
