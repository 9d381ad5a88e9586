"""Sync benchmarks against a real kiosk-server on loopback (uvicorn in a thread, SQLite).

* push 1,000 queued commands after an outage (the whole queue, batches of 200);
* pull 10,000 changes into a fresh kiosk (through the change feed, and as a snapshot);
* an empty pull on a feed of 1,000 vs 1,000,000 change rows: the ratio should be
  near 1 (the cost grows with the changes to send, not with history).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import requests
from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.engine import Connection

from kiosk.commands import ClockIn, ConfirmWorkOrder, CreateWorkOrder, ItemSpec, LogOutput
from kiosk.station import Station
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import ChangeLog, FeedCounter, SyncState
from sync.client import SyncClient
from sync.outbox import OutboxHook
from sync.server import pull
from tests.benchmarks import pg
from tests.benchmarks.core import Options, Outcome, benchmark, median
from tests.builders import OFFICE, Plant, simple_plant
from tests.server.process import serving
from tests.sync.conftest import ADMIN_TOKEN, API, enrol

SITE = "00000000-0000-0000-0000-000000000001"


def _server(options: Options, name: str) -> tuple[Engine, Plant]:
    engine = make_engine(f"sqlite:///{options.workdir / name}")
    upgrade(engine)
    plant = Plant(engine)
    simple_plant(plant)
    plant.workstation("W-1")
    for sku in ("BOLT", "PLATE"):
        plant.receive(sku, 1_000_000)
    return engine, plant


def _kiosk(options: Options, url: str, name: str) -> tuple[Engine, Station, SyncClient]:
    device_id, token = enrol(url, "W-1")
    path = options.workdir / name
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    station = Station(engine, "W-1", device_id)
    station.use_outbox(OutboxHook())
    return engine, station, SyncClient(engine, url, token, device_id)


@benchmark("sync-push", "push 1,000 commands queued during an outage")
def push_after_outage(options: Options) -> Outcome:
    server, plant = _server(options, "push-server.db")
    outcome = _push_after_outage(options, server, plant)
    outcome.note("kiosk and server on SQLite files (WAL, synchronous=FULL), server in-process")
    return outcome


@benchmark(
    "sync-push-pg",
    "PostgreSQL server: push 1,000 commands queued during an outage",
    needs_pg=True,
)
def push_after_outage_pg(options: Options) -> Outcome:
    if not pg.server_url(options):
        outcome = Outcome()
        outcome.skipped = "no PostgreSQL: set KIOSK_TEST_PG_URL or pass --pg URL"
        return outcome
    with pg.scratch_databases(options) as make:
        server = make_engine(make("kiosk_bench_push"))
        upgrade(server)
        plant = Plant(server)
        simple_plant(plant)
        plant.workstation("W-1")
        for sku in ("BOLT", "PLATE"):
            plant.receive(sku, 1_000_000)
        outcome = _push_after_outage(options, server, plant)
    outcome.note("server on PostgreSQL (in-process), kiosk on SQLite (WAL, synchronous=FULL)")
    return outcome


def _push_after_outage(options: Options, server: Engine, plant: Plant) -> Outcome:
    plant.run(
        __import__("kiosk.commands", fromlist=["CreateOperator"]).CreateOperator(
            badge="B1", name="Op", pin="1234", role="operator", actor=OFFICE
        )
    )
    wo = plant.ready_work_order("WIDGET", 5_000)
    outcome = Outcome()
    with serving(server, ADMIN_TOKEN) as url:
        engine, station, client = _kiosk(options, url, "push-kiosk.db")
        client.sync_once()
        station.execute(ClockIn(badge="B1", actor=station.actor("B1")))
        station.execute(
            __import__("kiosk.commands", fromlist=["StartWorkOrder"]).StartWorkOrder(
                work_order_id=wo, actor=station.actor("B1")
            )
        )
        t0 = time.perf_counter()
        for _ in range(998):
            station.execute(LogOutput(work_order_id=wo, qty=1, actor=station.actor("B1")))
        queued = time.perf_counter() - t0
        t1 = time.perf_counter()
        pushed = client.push()
        t2 = time.perf_counter()
        client.pull()
        t3 = time.perf_counter()
        done = plant.wo(wo).qty_done
        client.close()
        station.close()
        engine.dispose()
    server.dispose()
    outcome.add(
        "queue 998 LogOutput offline (local)", queued, "s", f"{queued / 998 * 1000:.1f} ms each"
    )
    outcome.add(
        "push 1,000 queued commands", t2 - t1, "s", f"{(t2 - t1) / 1000 * 1000:.1f} ms each"
    )
    outcome.add("pull + rebase afterwards", t3 - t2, "s")
    outcome.check("all 1,000 commands answered", pushed == 1000)
    outcome.check("every unit on the server", done == 998)
    return outcome


def _make_changes(plant: Plant, wanted: int, engine: Engine) -> int:
    """Office work until the feed holds at least ``wanted`` change rows."""
    while True:
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(ChangeLog)).scalar_one()
        if count >= wanted:
            return int(count)
        for _ in range(100):
            wo = plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 2)], actor=OFFICE))
            plant.run(ConfirmWorkOrder(work_order_id=wo.data["work_order_id"], actor=OFFICE))


@benchmark("sync-pull", "pull 10,000 changes into a fresh kiosk")
def pull_fresh(options: Options) -> Outcome:
    server, plant = _server(options, "pull-server.db")
    outcome = Outcome()
    with serving(server, ADMIN_TOKEN) as url:
        t0 = time.perf_counter()
        feed_rows = _make_changes(plant, 10_000, server)
        outcome.add("office commands to build the feed", time.perf_counter() - t0, "s")
        engine, _station, client = _kiosk(options, url, "pull-feed.db")
        with engine.begin() as conn:  # start from the beginning of the feed, not a snapshot
            conn.execute(
                SyncState.__table__.insert().values(
                    id=1, cursor="f.0.0", acked_seq=0, last_error="", clock_offset=0.0
                )
            )
        t1 = time.perf_counter()
        applied = client.pull()
        t2 = time.perf_counter()
        outcome.add(
            f"pull {feed_rows:,} feed rows ({applied:,} row changes)",
            t2 - t1,
            "s",
            f"{applied / (t2 - t1):,.0f} rows/s",
        )
        client.close()
        engine.dispose()
        engine, _station, client = _kiosk(options, url, "pull-snapshot.db")
        t3 = time.perf_counter()
        snap = client.pull()
        t4 = time.perf_counter()
        outcome.add(
            f"snapshot of the site ({snap:,} rows)", t4 - t3, "s", f"{snap / (t4 - t3):,.0f} rows/s"
        )
        client.close()
        engine.dispose()
    server.dispose()
    outcome.check("at least 10,000 changes pulled", applied >= 10_000 or feed_rows >= 10_000)
    return outcome


def _fill_feed(engine: Engine, rows: int) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
            "INSERT INTO change_log (txn, site_id, entity, key) "
            "SELECT x, CASE WHEN x % 2 = 0 THEN ? ELSE 'other-site' END, 'product', 'k' || x "
            "FROM n",
            (rows, SITE),
        )
        _feed_at(conn, rows)


def _feed_at(conn: Connection, txn: int) -> None:
    """Both sites' feeds stand at ``txn`` (the rows were written around the counters)."""
    conn.execute(delete(FeedCounter))
    conn.execute(
        insert(FeedCounter),
        [{"site_id": site, "txn": txn, "pruned": 0} for site in (SITE, "other-site")],
    )


def _empty_pull_ms(url: str, token: str, cursor: str, rounds: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    with requests.Session() as http:
        for _ in range(rounds + 5):
            t0 = time.perf_counter()
            answer = http.get(
                f"{url}{API}/sync/pull", params={"cursor": cursor}, headers=headers, timeout=30
            )
            times.append((time.perf_counter() - t0) * 1000)
            if answer.status_code != 200 or answer.json()["changes"]:
                raise RuntimeError(f"an empty pull was expected: {answer.text[:200]}")
    return median(times[5:])


def _measure_empty_pulls(
    options: Options,
    outcome: Outcome,
    server_for: Callable[[int], Engine],
    fill: Callable[[Engine, int], None],
) -> None:
    """For a feed of 1,000 and of 1,000,000 rows: the feed query alone and an empty pull
    through the server, both sides of the ratio from this one run."""
    results: dict[int, float] = {}
    queries: dict[int, float] = {}
    for rows in (1_000, 1_000_000):
        server = server_for(rows)
        try:
            t0 = time.perf_counter()
            fill(server, rows)
            filled = time.perf_counter() - t0
            with server.connect() as conn:
                last_id = conn.execute(select(func.max(ChangeLog.id))).scalar_one()
            cursor = f"f.{rows}.{last_id}"
            with server.connect() as conn:
                query_ms = []
                for _ in range(205):
                    t = time.perf_counter()
                    pull.page(conn, SITE, cursor, 500)
                    query_ms.append((time.perf_counter() - t) * 1000)
                queries[rows] = median(query_ms[5:])
            with serving(server, ADMIN_TOKEN) as url:
                _device, token = enrol(url, "W-1")
                results[rows] = _empty_pull_ms(url, token, cursor, min(options.iterations, 200))
        finally:
            server.dispose()
        outcome.add(
            f"empty pull, {rows:,} change rows",
            results[rows],
            "ms",
            f"feed filled in {filled:.1f} s",
        )
    for rows, ms in queries.items():
        outcome.add(f"feed query alone, {rows:,} change rows", ms, "ms")
    ratio = results[1_000_000] / results[1_000]
    outcome.add("ratio of the feed query alone", queries[1_000_000] / queries[1_000], "×")
    outcome.add("ratio 1,000,000 / 1,000", ratio, "×", "target ≈ 1")
    outcome.check("empty pull does not grow with history (ratio ≤ 1.5)", ratio <= 1.5)


@benchmark("sync-empty-pull", "empty pull on 1,000 vs 1,000,000 change rows")
def empty_pull(options: Options) -> Outcome:
    outcome = Outcome()
    template = options.workdir / "empty-template.db"
    engine = make_engine(f"sqlite:///{template}")
    upgrade(engine)
    Plant(engine).workstation("W-1")
    engine.dispose()

    def server_for(rows: int) -> Engine:
        path: Path = options.workdir / f"empty-{rows}.db"
        shutil.copy(template, path)
        return make_engine(f"sqlite:///{path}")

    _measure_empty_pulls(options, outcome, server_for, _fill_feed)
    return outcome


@benchmark(
    "sync-empty-pull-pg",
    "PostgreSQL: empty pull on 1,000 vs 1,000,000 change rows",
    needs_pg=True,
)
def empty_pull_pg(options: Options) -> Outcome:
    outcome = Outcome()
    if not pg.server_url(options):
        outcome.skipped = "no PostgreSQL: set KIOSK_TEST_PG_URL or pass --pg URL"
        return outcome
    with pg.scratch_databases(options) as make:

        def server_for(rows: int) -> Engine:
            engine = make_engine(make(f"kiosk_bench_pull_{rows}"))
            upgrade(engine)
            Plant(engine).workstation("W-1")
            return engine

        _measure_empty_pulls(options, outcome, server_for, _fill_feed_pg)
    return outcome


def _fill_feed_pg(engine: Engine, rows: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO change_log (txn, site_id, entity, key) "
                "SELECT x, CASE WHEN x % 2 = 0 THEN :site ELSE 'other-site' END, 'product', "
                "'k' || x FROM generate_series(1, :n) AS x"
            ),
            {"site": SITE, "n": rows},
        )
        _feed_at(conn, rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE change_log")
