"""Benchmark C: the plant server over HTTP on PostgreSQL, beside its own ``/healthz`` floor.

Each benchmark makes a fresh PostgreSQL database, starts a real ``kiosk-server``
process (uvicorn, ``KIOSK_BENCH_WORKERS`` workers, default 2, and
``KIOSK_BENCH_INBOX_PROCESSES`` inbox processes, default 2) on loopback and
drives it with ``requests`` sessions in threads. Every figure is printed next to
the same server answering ``GET /healthz`` under the same load: the cost of
uvicorn, FastAPI, the middleware and the client, with no database. The clients
run on the same machine as the server and PostgreSQL, so they compete for the
same cores.

* ``server-orders``: sales orders of 3 lines (``POST /api/v1/sales-orders``) per
  second from 8 clients over a seeded catalogue; checks nothing was over-reserved.
* ``server-webhook``: the acknowledgement latency of signed Shopify deliveries
  (``POST /api/v1/webhooks/shopify``), one sender and 8; then how fast the inbox
  applied them, and one sales order per Shopify order.
* ``server-work-orders``: ``GET /api/v1/work-orders`` with 10,000 work orders, a
  page and a filtered query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import NullPool

from kiosk.demo import seed_demo_plant
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import SalesOrder, SalesOrderLine, WebhookDelivery, WorkOrder
from tests.benchmarks.core import Options, Outcome, benchmark, median, percentile
from tests.benchmarks.many_work_orders import add_work_orders
from tests.benchmarks.orchestrator import _check_reservations, _server_url
from tests.builders import Plant, simple_plant
from tests.server.process import kiosk_server

CLIENTS = 8
WORK_ORDERS = 10_000
#: Deliveries sent by the concurrent senders (the inbox applies them after).
CONCURRENT_DELIVERIES = 480
ADMIN_TOKEN = "bench-admin-token-" + "0123456789abcdef" * 2
SHOPIFY_SECRET = "bench-shopify-secret"
API = "/api/v1"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
#: ``(session, n) -> ok``: one request of a load run (``n < 0``: warm the connection).
Call = Callable[[requests.Session, int], bool]


def _workers() -> int:
    return max(1, int(os.environ.get("KIOSK_BENCH_WORKERS", "2")))


def _inbox_processes() -> int:
    return max(0, int(os.environ.get("KIOSK_BENCH_INBOX_PROCESSES", "2")))


# -- the database and the server -----------------------------------------------------------


@contextmanager
def _database(options: Options, tag: str) -> Iterator[tuple[Engine, str]]:
    """A new, migrated database on the PostgreSQL server, dropped afterwards."""
    assert options.pg_url
    server = _server_url(options.pg_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"kiosk_bench_{tag}_{os.getpid()}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine, url
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def _serving(options: Options, url: str) -> Iterator[str]:
    env = {"KIOSK_ADMIN_TOKEN": ADMIN_TOKEN, "KIOSK_SHOPIFY_SECRET": SHOPIFY_SECRET}
    log = options.workdir / "server.log"
    inbox = ("--inbox-processes", str(_inbox_processes()))
    with kiosk_server(
        url, workers=_workers(), env=env, log_file=log, start_timeout=60, extra_args=inbox
    ) as base:
        yield base


def _skip_without_pg(options: Options, outcome: Outcome) -> bool:
    if not options.pg_url:
        outcome.skipped = "no PostgreSQL: set KIOSK_TEST_PG_URL or pass --pg URL"
        return True
    return False


def _count(engine: Engine, model: type, *where: object) -> int:
    with Plant(engine).bus.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


# -- load -----------------------------------------------------------------------------------


@dataclass
class Load:
    """What one load run did: requests that succeeded, their latencies (ms), failures."""

    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


def _session(base: str) -> requests.Session:
    session = requests.Session()
    session.headers.update(ADMIN)
    session.base = base  # type: ignore[attr-defined]
    return session


def _load(
    base: str,
    call: Call,
    *,
    clients: int,
    seconds: float,
    numbers: Iterator[int],
    stop_at: int | None = None,
) -> Load:
    """``clients`` threads, each with its own keep-alive connection, calling for ``seconds``
    (or until the request numbers reach ``stop_at``)."""
    per_client: list[list[float]] = [[] for _ in range(clients)]
    load = Load()
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(k: int) -> None:
        with _session(base) as session:
            call(session, -1)  # warm the connection
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                n = next(numbers)
                if stop_at is not None and n >= stop_at:
                    break
                t0 = time.perf_counter()
                try:
                    ok = call(session, n)
                except requests.RequestException as err:
                    load.failures.append(f"{type(err).__name__}: {err}")
                    continue
                if ok:
                    per_client[k].append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + 3600  # set properly once everyone is ready
    barrier.wait(timeout=60)
    start = time.perf_counter()
    deadline[0] = start + seconds
    for t in threads:
        t.join()
    load.elapsed = time.perf_counter() - start
    load.latencies = [ms for lat in per_client for ms in lat]
    return load


def _healthz(failures: list[str]) -> Call:
    def call(session: requests.Session, _: int) -> bool:
        answer = session.get(f"{session.base}/healthz")  # type: ignore[attr-defined]
        if answer.status_code != 200:
            failures.append(f"healthz {answer.status_code}")
            return False
        return True

    return call


def _report_load(outcome: Outcome, what: str, load: Load, unit: str, floor: Load) -> None:
    outcome.add(f"{what}: throughput", load.rate, unit, f"healthz {floor.rate:,.0f} req/s")
    outcome.add(
        f"{what}: latency p50",
        median(load.latencies),
        "ms",
        f"healthz {median(floor.latencies):.1f} ms",
    )
    outcome.add(
        f"{what}: latency p99",
        percentile(load.latencies, 99),
        "ms",
        f"healthz {percentile(floor.latencies, 99):.1f} ms",
    )


def _interleaved(
    base: str, calls: dict[str, Callable[[requests.Session], None]], rounds: int, warmup: int = 10
) -> dict[str, list[float]]:
    """One client; each round makes every call once, so noise hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    with _session(base) as session:
        for i in range(rounds + warmup):
            for name, call in calls.items():
                t0 = time.perf_counter()
                call(session)
                if i >= warmup:
                    times[name].append((time.perf_counter() - t0) * 1000)
    return times


def _report_latency(outcome: Outcome, name: str, ms: list[float], floor: list[float]) -> None:
    outcome.add(f"{name}: p50", median(ms), "ms", f"healthz {median(floor):.2f} ms")
    outcome.add(f"{name}: p99", percentile(ms, 99), "ms", f"healthz {percentile(floor, 99):.2f} ms")


# -- sales orders ------------------------------------------------------------------------


def _catalogue(engine: Engine) -> None:
    plant = Plant(engine)
    simple_plant(plant)
    for k in range(4):
        plant.workstation(f"WS{k + 1}")
    # Raw material for every work order; finished goods that run out during the run, so
    # orders are covered from stock first and by MTO work orders after.
    plant.receive("BOLT", 900_000)
    plant.receive("PLATE", 900_000)
    plant.receive("WIDGET", 300)
    plant.receive("GADGET", 100)
    # A range of products with materials of their own: orders that share nothing.
    for k in range(RANGE):
        plant.product(f"PART-{k}")
        plant.product(f"ITEM-{k}")
        plant.bom(f"ITEM-{k}", {f"PART-{k}": 2})
        plant.receive(f"PART-{k}", 900_000)
        plant.receive(f"ITEM-{k}", 20)


#: Finished products in the "range" mix, each built from a part of its own.
RANGE = 48


def _order_body(n: int) -> dict[str, object]:
    """The "shared" mix: every order wants the same three products."""
    return {
        "external_id": f"BENCH-{n}",
        "lines": [
            {"line_id": "1", "sku": "WIDGET", "qty": 1 + n % 3},
            {"line_id": "2", "sku": "GADGET", "qty": 1 + n % 2},
            {"line_id": "3", "sku": "BOLT", "qty": 2 + n % 5},
        ],
    }


def _range_order_body(n: int) -> dict[str, object]:
    """The "range" mix: three different products of the range, in turn."""
    first = (3 * n) % RANGE
    return {
        "external_id": f"RANGE-{n}",
        "lines": [
            {"line_id": str(k + 1), "sku": f"ITEM-{(first + k) % RANGE}", "qty": 1 + (n + k) % 3}
            for k in range(3)
        ],
    }


def _unaccounted_lines(engine: Engine) -> int:
    """Matched lines whose quantity is not exactly stock + work orders + backorder."""
    return _count(
        engine,
        SalesOrderLine,
        SalesOrderLine.product_id.is_not(None),
        SalesOrderLine.qty
        != SalesOrderLine.qty_from_stock
        + SalesOrderLine.qty_from_work_orders
        + SalesOrderLine.qty_backordered,
    )


def _ordering(body: Callable[[int], dict[str, object]], failures: list[str]) -> Call:
    health = _healthz(failures)

    def order(session: requests.Session, n: int) -> bool:
        if n < 0:
            return health(session, n)
        answer = session.post(f"{session.base}{API}/sales-orders", json=body(n))  # type: ignore[attr-defined]
        if answer.status_code != 201:
            failures.append(f"{answer.status_code}: {answer.text[:200]}")
            return False
        return True

    return order


@benchmark(
    "server-orders",
    "HTTP on PostgreSQL: POST /sales-orders (3 lines) with 8 clients vs /healthz",
    needs_pg=True,
)
def server_orders(options: Options) -> Outcome:
    outcome = Outcome()
    if _skip_without_pg(options, outcome):
        return outcome
    failures: list[str] = []
    health = _healthz(failures)
    with _database(options, "orders") as (engine, url):
        _catalogue(engine)
        with _serving(options, url) as base:
            numbers = itertools.count()
            floor = _load(base, health, clients=CLIENTS, seconds=options.seconds, numbers=numbers)
            loads = {
                mix: _load(
                    base,
                    _ordering(body, failures),
                    clients=CLIENTS,
                    seconds=options.seconds,
                    numbers=numbers,
                )
                for mix, body in (("range", _range_order_body), ("shared", _order_body))
            }
            failures.extend(floor.failures + [f for ld in loads.values() for f in ld.failures])
        stored = _count(engine, SalesOrder)
        work_orders = _count(engine, WorkOrder)
        problems = _check_reservations(engine)
        unaccounted = _unaccounted_lines(engine)

    answered = sum(len(ld.latencies) for ld in loads.values())
    outcome.note(
        f"{CLIENTS} clients, {options.seconds:.0f} s each for /healthz, then the range mix "
        f"(3 of {RANGE} products, each with a part of its own), then the shared mix (WIDGET, "
        f"GADGET, BOLT in every order, over 300 WIDGET / 100 GADGET on hand); "
        f"kiosk-server --workers {_workers()}; {work_orders} MTO work orders made"
    )
    for mix, load in loads.items():
        _report_load(outcome, f"{mix} mix: sales orders", load, "orders/s", floor)
    outcome.check(f"no request failed ({len(failures)} failed)", not failures)
    outcome.check(
        f"every acknowledged order stored ({stored} stored, {answered} answered 201)",
        stored == answered,
    )
    outcome.check(
        "no over-reservation; reserved == WO + SO holders"
        + (f": {'; '.join(problems[:3])}" if problems else ""),
        not problems,
    )
    outcome.check(f"every line accounted for ({unaccounted} not)", unaccounted == 0)
    outcome.check(
        f"target: the range mix >= 50 orders/s ({loads['range'].rate:.1f})",
        loads["range"].rate >= 50,
    )
    if failures:
        outcome.note("first failure: " + failures[0][:300])
    return outcome


# -- Shopify webhooks --------------------------------------------------------------------


def _shopify_order(n: int) -> bytes:
    order = {
        "id": 5_000_000 + n,
        "name": f"#{1000 + n}",
        "created_at": "2026-11-20T09:59:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
        "cancelled_at": None,
        "financial_status": "paid",
        "line_items": [
            {"id": 1, "sku": "WIDGET", "quantity": 1, "current_quantity": 1 + n % 2},
            {"id": 2, "sku": "BOLT", "quantity": 4, "current_quantity": 4},
        ],
    }
    return json.dumps(order).encode()


def _post_delivery(session: requests.Session, n: int) -> requests.Response:
    """Order ``n`` as Shopify delivers it: raw JSON, signed, with a delivery id."""
    raw = _shopify_order(n)
    mac = hmac.new(SHOPIFY_SECRET.encode(), raw, hashlib.sha256).digest()
    return session.post(
        f"{session.base}{API}/webhooks/shopify",  # type: ignore[attr-defined]
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": base64.b64encode(mac).decode(),
            "X-Shopify-Webhook-Id": f"delivery-{n}",
        },
    )


def _deliver(session: requests.Session, n: int, failures: list[str]) -> bool:
    answer = _post_delivery(session, n)
    if answer.status_code != 200 or answer.json().get("status") != "accepted":
        failures.append(f"{answer.status_code}: {answer.text[:200]}")
        return False
    return True


def _pending(engine: Engine) -> int:
    return _count(engine, WebhookDelivery, WebhookDelivery.status == "pending")


def _wait_for_inbox(engine: Engine, timeout: float) -> tuple[float, int]:
    """Seconds until no delivery is pending (or the timeout), and how many are left."""
    start = time.perf_counter()
    while True:
        pending = _pending(engine)
        waited = time.perf_counter() - start
        if not pending or waited > timeout:
            return waited, pending
        time.sleep(0.1)


@benchmark(
    "server-webhook",
    "HTTP on PostgreSQL: Shopify webhook acknowledgement latency vs /healthz",
    needs_pg=True,
)
def server_webhook(options: Options) -> Outcome:
    outcome = Outcome()
    if _skip_without_pg(options, outcome):
        return outcome
    failures: list[str] = []
    health = _healthz(failures)
    numbers = itertools.count()
    duplicates: list[str] = []

    def concurrent(session: requests.Session, n: int) -> bool:
        return health(session, n) if n < 0 else _deliver(session, n, failures)

    with _database(options, "webhook") as (engine, url):
        _catalogue(engine)
        with _serving(options, url) as base:
            times = _interleaved(
                base,
                {
                    "webhook": lambda s: _deliver(s, next(numbers), failures),
                    "healthz": lambda s: health(s, 0),
                },
                options.iterations,
            )
            sequential = len(times["webhook"])
            with _session(base) as session:  # Shopify retries now and then: same id, same body
                for n in range(0, sequential, 10):
                    again = _post_delivery(session, n)
                    duplicates.append(again.json().get("status", str(again.status_code)))
            floor = _load(
                base, health, clients=CLIENTS, seconds=options.seconds, numbers=itertools.count()
            )
            # A fixed batch (not a fixed time), so the inbox's backlog stays bounded.
            first_concurrent = next(numbers)
            many = _load(
                base,
                concurrent,
                clients=CLIENTS,
                seconds=options.seconds * 10,
                numbers=itertools.chain([first_concurrent], numbers),
                stop_at=first_concurrent + CONCURRENT_DELIVERIES,
            )
            failures.extend(floor.failures + many.failures)
            backlog = _pending(engine)
            waited, pending = _wait_for_inbox(engine, timeout=300)
        delivered = first_concurrent + len(many.latencies)  # one order per number sent
        orders = _count(engine, SalesOrder)
        deliveries = _count(engine, WebhookDelivery)
        done = _count(engine, WebhookDelivery, WebhookDelivery.status == "done")
        with Plant(engine).bus.read() as s:
            first = s.scalar(select(func.min(WebhookDelivery.received_at)))
            last = s.scalar(select(func.max(WebhookDelivery.processed_at)))
        problems = _check_reservations(engine)

    span = (last - first).total_seconds() if first and last else float("nan")
    outcome.note(
        f"kiosk-server --workers {_workers()} --inbox-processes {_inbox_processes()}; "
        "orders/create deliveries of 2 lines, applied by the inbox processes while the "
        "senders go on"
    )
    floor_ms = times["healthz"]
    _report_latency(outcome, f"ack, 1 sender ({sequential} sent)", times["webhook"], floor_ms)
    _report_load(
        outcome, f"ack, {CLIENTS} senders ({len(many.latencies)} sent)", many, "acks/s", floor
    )
    outcome.add(
        "inbox: applied per second, overall",
        done / span if span else float("nan"),
        "orders/s",
        f"{done} from the first receipt to the last applied, {span:.1f} s",
    )
    outcome.add(
        "inbox: applied per second, senders stopped",
        backlog / waited if waited else float("nan"),
        "orders/s",
        f"a backlog of {backlog} drained in {waited:.1f} s",
    )
    outcome.check(f"no request failed ({len(failures)} failed)", not failures)
    outcome.check(
        f"retried deliveries answered 'duplicate' ({len(duplicates)})",
        all(d == "duplicate" for d in duplicates),
    )
    outcome.check(f"inbox drained ({pending} pending)", pending == 0)
    outcome.check(
        f"one delivery row and one sales order per Shopify order "
        f"({delivered} sent, {deliveries} deliveries, {done} done, {orders} orders)",
        deliveries == done == orders == delivered,
    )
    outcome.check(
        "no over-reservation" + (f": {'; '.join(problems[:3])}" if problems else ""), not problems
    )
    if failures:
        outcome.note("first failure: " + failures[0][:300])
    return outcome


# -- the work-order list -------------------------------------------------------------------

#: A filtered query an office makes: open work orders, by part of the name.
FILTER = {"status": ["ready", "in_progress", "blocked"], "q": "chair", "limit": 50}


@benchmark(
    "server-work-orders",
    "HTTP on PostgreSQL: GET /work-orders with 10,000 work orders vs /healthz",
    needs_pg=True,
)
def server_work_orders(options: Options) -> Outcome:
    outcome = Outcome()
    if _skip_without_pg(options, outcome):
        return outcome
    failures: list[str] = []
    health = _healthz(failures)
    totals: dict[str, set[str]] = {"page": set(), "default": set(), "filtered": set()}

    def listing(name: str, params: dict[str, object]) -> Callable[[requests.Session], None]:
        def call(session: requests.Session) -> None:
            answer = session.get(f"{session.base}{API}/work-orders", params=params)  # type: ignore[attr-defined]
            if answer.status_code != 200 or not answer.json():
                failures.append(f"{name}: {answer.status_code} {answer.text[:200]}")
            totals[name].add(answer.headers.get("x-total-count", "?"))

        return call

    with _database(options, "wos") as (engine, url):
        seed_demo_plant(engine)
        t0 = time.perf_counter()
        add_work_orders(engine, WORK_ORDERS - _count(engine, WorkOrder))
        seeded_in = time.perf_counter() - t0
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        with _serving(options, url) as base:
            times = _interleaved(
                base,
                {
                    "page": listing("page", {"limit": 50}),
                    "default": listing("default", {}),
                    "filtered": listing("filtered", FILTER),
                    "healthz": lambda s: health(s, 0),
                },
                options.iterations,
            )

    outcome.note(
        f"{WORK_ORDERS:,} work orders (the demo plant's, cloned in {seeded_in:.1f} s); one "
        f"client, the four requests interleaved for {options.iterations} rounds; "
        f"kiosk-server --workers {_workers()}"
    )
    floor = times["healthz"]
    _report_latency(outcome, "page of 50", times["page"], floor)
    _report_latency(outcome, "page of 200 (the default)", times["default"], floor)
    _report_latency(outcome, "filtered (3 statuses, q=chair), 50", times["filtered"], floor)
    outcome.add("healthz: p50", median(floor), "ms")
    outcome.add("healthz: p99", percentile(floor, 99), "ms")
    outcome.note(
        f"X-Total-Count: all {'/'.join(sorted(totals['page']))}, "
        f"filtered {'/'.join(sorted(totals['filtered']))}"
    )
    outcome.check(f"no request failed ({len(failures)} failed)", not failures)
    outcome.check("the list counts all 10,000", totals["page"] == {str(WORK_ORDERS)})
    if failures:
        outcome.note("first failure: " + failures[0][:300])
    return outcome
