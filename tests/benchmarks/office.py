"""The office console's pages at 10,000 work orders: server time per page.

Server time is measured in-process (the ASGI app through a TestClient, no network):
what the server spends rendering each page for a signed-in person, which is what the
issue's 200 ms bound is about. ``/healthz`` is timed in the same rounds, interleaved,
as the floor that every request pays (routing, middleware, the client itself).
SQLite by default (the embedded default); ``--pg`` runs the same on PostgreSQL too.
"""

from __future__ import annotations

import gc
import json
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from kiosk.demo import seed_demo_plant
from kiosk.store.base import new_id, utcnow
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import WebhookDelivery, WorkOrder
from sync.server.app import create_app
from sync.server.settings import Settings
from tests.benchmarks.core import Options, Outcome, benchmark, median, percentile
from tests.benchmarks.many_work_orders import add_work_orders
from tests.benchmarks.server import _database
from tests.server.office_client import add_user, sign_in

WORK_ORDERS = 10_000
#: Stored Shopify deliveries (a busy shop's month), for the Shopify page.
DELIVERIES = 10_000
TARGET_MS = 200.0


def add_deliveries(engine: Engine, count: int) -> None:
    """``count`` stored deliveries, mostly applied, some ignored, deferred or failed."""
    statuses = ["done"] * 7 + ["ignored", "pending", "failed"]
    topics = ["orders/create", "orders/updated", "refunds/create", "orders/paid"]
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "source": "shopify",
            "delivery_key": f"bench-{n}",
            "topic": topics[n % 4],
            "body": json.dumps({"id": n // 3, "line_items": []}),
            "request_id": "",
            "shop_domain": "bench.myshopify.com",
            "order_ref": str(n // 3),
            "received_at": now - timedelta(seconds=count - n),
            "status": statuses[n % 10],
            "attempts": 1,
            "processed_at": now,
            "result": "bench",
            "claimed_until": None,
        }
        for n in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(insert(WebhookDelivery), rows)


def _pages(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        some = conn.execute(select(WorkOrder.id).order_by(WorkOrder.number.desc())).scalar()
    return {
        "grid": "/office/",
        "grid filtered": "/office/?status=ready&status=in_progress&q=chair&workstation=ASSY-1",
        "grid page 150": "/office/?page=150",
        "grid live rows": "/office/work-orders/rows",
        "work order": f"/office/work-orders/{some}",
        "new work order": "/office/work-orders/new",
        "materials": "/office/materials",
        "stock": "/office/stock",
        "sales orders": "/office/sales-orders",
        "products": "/office/products",
        "notifications": "/office/notifications",
        "floor": "/office/floor",
        "shopify deliveries": "/office/shopify",
        "shopify failed only": "/office/shopify?status=failed&topic=orders/create",
        "shopify page 100": "/office/shopify?page=100",
    }


def _measure(engine: Engine, outcome: Outcome, options: Options, tag: str) -> None:
    seed_demo_plant(engine)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        have = len(conn.execute(select(WorkOrder.id)).all())
    add_work_orders(engine, WORK_ORDERS - have)
    add_deliveries(engine, DELIVERIES)
    seeded = time.perf_counter() - t0
    add_user(engine, "bench")
    app = create_app(engine, Settings(admin_token="bench-" + "x" * 32, inbox_worker=False))
    pages = _pages(engine)
    times: dict[str, list[float]] = {name: [] for name in [*pages, "healthz"]}
    rounds = max(5, options.iterations // 10)
    with TestClient(app) as client:
        assert sign_in(client, "bench").status_code == 303
        for name, path in pages.items():  # warm: templates compiled, caches filled
            answer = client.get(path)
            if answer.status_code != 200:
                outcome.check(f"{tag} {name} answers 200 (got {answer.status_code})", False)
        # The seeding above left this process a heap no server process has (10,000
        # cloned rows and their ORM state): frozen, so the collector's full passes over
        # it are not counted against the pages. Garbage made by the requests is.
        gc.collect()
        gc.freeze()
        for _ in range(rounds):
            for name, path in [*pages.items(), ("healthz", "/healthz")]:
                start = time.perf_counter()
                answer = client.get(path)
                times[name].append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
    gc.unfreeze()
    outcome.note(
        f"{tag}: {WORK_ORDERS:,} work orders and {DELIVERIES:,} Shopify deliveries "
        f"(seeded in {seeded:.1f} s), "
        f"{rounds} rounds of every page, interleaved with /healthz"
    )
    floor = times.pop("healthz")
    worst = 0.0
    for name, ms in times.items():
        p99 = percentile(ms, 99)
        worst = max(worst, p99)
        outcome.add(f"{tag} {name}: p50", median(ms), "ms", f"healthz {median(floor):.2f} ms")
        outcome.add(f"{tag} {name}: p99", p99, "ms", f"healthz {percentile(floor, 99):.2f} ms")
    outcome.check(
        f"{tag}: every page's p99 ≤ {TARGET_MS:.0f} ms (worst {worst:.0f} ms)", worst <= TARGET_MS
    )


@benchmark("office", "office console pages at 10,000 work orders (server time)")
def office_pages(options: Options) -> Outcome:
    outcome = Outcome()
    path = Path(options.workdir) / "office.db"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    try:
        _measure(engine, outcome, options, "SQLite")
    finally:
        engine.dispose()
    if options.pg_url:
        with _database(options, "office") as (pg, _):
            _measure(pg, outcome, options, "PostgreSQL")
    return outcome
