"""Benchmark A: one floor command through the CommandBus vs the fsync floor.

The kiosk applies every tap as one durable transaction (SQLite, WAL,
``synchronous=FULL`` as ``make_engine`` sets). The floor under that is one
INSERT + COMMIT through bare ``sqlite3`` with the same pragmas: the fsync of the
WAL. The two are measured interleaved, one of each per round, so the machine's
background noise hits both alike. Target: the bus's median within 2× the floor.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import UTC, datetime

from kiosk.commands import LogOutput
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from tests.benchmarks.core import Options, Outcome, benchmark, median, percentile
from tests.builders import Plant

WARMUP = 20
TARGET_RATIO = 2.0


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
    plant.product("RAW")
    plant.product("PART")
    plant.bom("PART", {"RAW": 1}, steps=("Build",))
    plant.receive("RAW", 1_000_000)
    operator = plant.operator()
    total = options.iterations + WARMUP
    wo = plant.started_work_order("PART", total, operator)

    bare = _bare_connection(str(options.workdir / "floor.db"))
    bus_ms: list[float] = []
    bare_ms: list[float] = []
    try:
        for i in range(total):
            command = LogOutput(work_order_id=wo, qty=1, actor=operator)
            t0 = time.perf_counter()
            plant.bus.execute(command)
            t1 = time.perf_counter()
            _bare_insert(bare)
            t2 = time.perf_counter()
            if i >= WARMUP:
                bus_ms.append((t1 - t0) * 1000)
                bare_ms.append((t2 - t1) * 1000)
        done = plant.wo(wo).qty_done
    finally:
        bare.close()
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
    outcome.check(
        "durable settings in force (WAL, synchronous=FULL)",
        str(pragmas["journal_mode"]).lower() == "wal" and pragmas["synchronous"] == 2,
    )
    outcome.check(f"every LogOutput applied ({total} units done)", done == total)
    outcome.check(f"median bus latency ≤ {TARGET_RATIO:g}× the fsync floor", ratio <= TARGET_RATIO)
    return outcome
