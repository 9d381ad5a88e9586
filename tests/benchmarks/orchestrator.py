"""Benchmark B: orchestrator throughput on PostgreSQL.

Several clients (threads, each with its own CommandBus on one engine, as the
server's workers would be) ingest sales orders of 3 lines for a fixed time. Each
order reserves finished stock while it lasts and then extends or creates MTO work
orders and allocates their materials. Reports orders (and lines) per second and
the per-order latency, then checks nothing was over-reserved.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import URL, Engine, create_engine, func, make_url, select
from sqlalchemy.pool import NullPool

from kiosk.commands import CommandBus, IngestSalesOrder, LineSpec
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import (
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    WoMaterial,
    WorkOrder,
)
from tests.benchmarks.core import Options, Outcome, benchmark, median, percentile
from tests.builders import OFFICE, Plant, simple_plant

LINES_PER_ORDER = 3


def _server_url(raw: str) -> URL:
    url = make_url(raw)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _plant(engine: Engine, clients: int) -> None:
    plant = Plant(engine)
    simple_plant(plant)
    for k in range(clients):
        plant.workstation(f"WS{k + 1}")
    # Plenty of raw material; finished goods that run out during the run, so both
    # paths of the orchestrator (stock, then work orders) are exercised.
    plant.receive("BOLT", 900_000)
    plant.receive("PLATE", 900_000)
    plant.receive("WIDGET", 300)
    plant.receive("GADGET", 100)


def _lines(n: int) -> list[LineSpec]:
    return [
        LineSpec("1", "WIDGET", 1 + n % 3),
        LineSpec("2", "GADGET", 1 + n % 2),
        LineSpec("3", "BOLT", 2 + n % 5),
    ]


def _check_reservations(engine: Engine) -> list[str]:
    """Every level within 0..on_hand, and reserved == what WO lines and SO lines hold."""
    problems = []
    with CommandBus(engine).read() as s:
        held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for site, product, qty in s.execute(
            select(WorkOrder.site_id, WoMaterial.product_id, func.sum(WoMaterial.qty_reserved))
            .join(WorkOrder, WorkOrder.id == WoMaterial.work_order_id)
            .group_by(WorkOrder.site_id, WoMaterial.product_id)
        ):
            held[(site, product)] += qty
        for site, product, qty in s.execute(
            select(
                SalesOrder.site_id, SalesOrderLine.product_id, func.sum(SalesOrderLine.qty_reserved)
            )
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.sales_order_id)
            .where(SalesOrderLine.product_id.is_not(None))
            .group_by(SalesOrder.site_id, SalesOrderLine.product_id)
        ):
            held[(site, product)] += qty
        for level in s.scalars(select(StockLevel)):
            key = (level.site_id, level.product_id)
            if not 0 <= level.reserved <= level.on_hand:
                problems.append(
                    f"{level.product.sku}: reserved {level.reserved} of {level.on_hand}"
                )
            if level.reserved != held.get(key, Decimal(0)):
                problems.append(
                    f"{level.product.sku}: reserved {level.reserved}, holders hold {held.get(key)}"
                )
    return problems


@benchmark(
    "orchestrator",
    "PostgreSQL: sales orders of 3 lines per second with concurrent clients",
    needs_pg=True,
)
def orchestrator_throughput(options: Options) -> Outcome:
    outcome = Outcome()
    raw = options.pg_url or os.environ.get("KIOSK_TEST_PG_URL", "").strip()
    if not raw:
        outcome.skipped = "no PostgreSQL: set KIOSK_TEST_PG_URL or pass --pg URL"
        return outcome
    server = _server_url(raw)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"kiosk_bench_{os.getpid()}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(
        server.set(database=name).render_as_string(hide_password=False),
        pool_size=options.clients + 2,
    )
    try:
        upgrade(engine)
        _plant(engine, options.clients)
        numbers = itertools.count()
        latencies: list[list[float]] = [[] for _ in range(options.clients)]
        failures: list[str] = []
        barrier = threading.Barrier(options.clients + 1)
        deadline = [0.0]

        def client(k: int) -> None:
            bus = CommandBus(engine)
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                n = next(numbers)
                command = IngestSalesOrder(external_id=f"BENCH-{n}", lines=_lines(n), actor=OFFICE)
                t0 = time.perf_counter()
                try:
                    bus.execute(command)
                except Exception as err:  # counted and reported, not hidden
                    failures.append(f"{type(err).__name__}: {err}")
                    continue
                latencies[k].append((time.perf_counter() - t0) * 1000)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(options.clients)]
        for t in threads:
            t.start()
        deadline[0] = time.perf_counter() + options.seconds
        start = time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start

        done = [ms for per_client in latencies for ms in per_client]
        with CommandBus(engine).read() as s:
            stored = s.scalar(select(func.count()).select_from(SalesOrder)) or 0
            work_orders = s.scalar(select(func.count()).select_from(WorkOrder)) or 0
        problems = _check_reservations(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    outcome.note(
        f"{options.clients} clients for {elapsed:.1f} s on {server.host}:{server.port}; "
        f"{LINES_PER_ORDER} lines per order (WIDGET, GADGET, BOLT); {work_orders} work orders "
        "created or extended along the way"
    )
    outcome.add("orders ingested", len(done), "orders")
    outcome.add("throughput", len(done) / elapsed, "orders/s")
    outcome.add("line throughput", len(done) * LINES_PER_ORDER / elapsed, "lines/s")
    outcome.add("per-order latency median", median(done), "ms")
    outcome.add("per-order latency p99", percentile(done, 99), "ms")
    outcome.check(f"no order failed ({len(failures)} failed)", not failures)
    outcome.check(f"every accepted order stored ({stored} stored)", stored == len(done))
    outcome.check(
        "no over-reservation; reserved == WO + SO holders"
        + (f": {'; '.join(problems[:3])}" if problems else ""),
        not problems,
    )
    if failures:
        outcome.note("first failure: " + failures[0][:300])
    return outcome
