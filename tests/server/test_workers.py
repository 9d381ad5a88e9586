"""Two uvicorn worker processes (``kiosk-server --workers 2``) on one PostgreSQL are safe.

A real server process, clients in threads: concurrent orders for scarce stock (each
external id sent twice at once), and Shopify deliveries sent several times at once
and racing updates of the same order, which both workers' inboxes apply.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, func, select

from kiosk.store.engine import make_engine
from kiosk.store.models import (
    Product,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    WebhookDelivery,
)
from tests.builders import Plant, simple_plant
from tests.server.conftest import ADMIN, ADMIN_TOKEN, API, SHOPIFY_SECRET, order_payload, sign
from tests.server.process import kiosk_server

ORDERS = 24  # of 2 WIDGET each, for 25 on hand
SHOPIFY_ORDERS = 6
COPIES = 3  # each Shopify delivery arrives this many times, at once
ZERO = Decimal(0)


def test_two_workers_on_one_postgres(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    try:
        plant = Plant(engine)
        simple_plant(plant)
        plant.receive("WIDGET", 25)
        plant.receive("BOLT", 10_000)
        plant.receive("PLATE", 10_000)
        env = {"KIOSK_ADMIN_TOKEN": ADMIN_TOKEN, "KIOSK_SHOPIFY_SECRET": SHOPIFY_SECRET}
        log = tmp_path / "server.log"
        with kiosk_server(pg_url, workers=2, env=env, log_file=log, log_level="INFO") as base:
            _orders_for_scarce_stock(base)
            _shopify_deliveries(base)
            _wait_for_inbox(engine)
        _check(engine)
        text = log.read_text()
        assert text.count("Application startup complete") == 2  # both workers started
        assert "Traceback" not in text, text[-3000:]
    finally:
        engine.dispose()


def _orders_for_scarce_stock(base: str) -> None:
    """Each order posted twice at once from two threads: one 201, one 200, the same order."""
    local = threading.local()

    def post(i: int) -> tuple[int, int, str]:
        if not hasattr(local, "http"):
            local.http = requests.Session()
            local.http.headers.update(ADMIN)
        body = {
            "external_id": f"SCARCE-{i // 2}",
            "lines": [{"line_id": "1", "sku": "WIDGET", "qty": 2}],
        }
        answer = local.http.post(f"{base}{API}/sales-orders", json=body, timeout=60)
        return i // 2, answer.status_code, answer.json().get("id", answer.text)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, range(2 * ORDERS)))
    by_order: dict[int, list[tuple[int, str]]] = {}
    for n, code, so_id in answers:
        by_order.setdefault(n, []).append((code, so_id))
    for n, pair in by_order.items():
        assert sorted(code for code, _ in pair) == [200, 201], (n, pair)
        assert len({so_id for _, so_id in pair}) == 1, (n, pair)


def _deliver(http: requests.Session, base: str, topic: str, payload: dict[str, Any], key: str):  # type: ignore[no-untyped-def]
    raw = json.dumps(payload).encode()
    return http.post(
        f"{base}{API}/webhooks/shopify",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(raw),
            "X-Shopify-Webhook-Id": key,
        },
        timeout=60,
    )


def _shopify_deliveries(base: str) -> None:
    """Every create arrives COPIES times at once; an update of the same order races it."""
    jobs: list[tuple[str, dict[str, Any], str]] = []
    for k in range(SHOPIFY_ORDERS):
        order_id = 7_000 + k
        create = order_payload(order_id, [(1, "WIDGET", 1), (2, "BOLT", 3)])
        update = order_payload(
            order_id, [(1, "WIDGET", 2), (2, "BOLT", 3)], updated_at="2026-11-20T11:00:00Z"
        )
        jobs += [("orders/create", create, f"create-{order_id}")] * COPIES
        jobs += [("orders/updated", update, f"update-{order_id}")] * COPIES
    local = threading.local()

    def send(job: tuple[str, dict[str, Any], str]) -> tuple[str, int, str]:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        answer = _deliver(local.http, base, *job)
        return job[2], answer.status_code, answer.json().get("status", answer.text)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send, jobs))
    assert {code for _, code, _ in results} == {200}, results
    statuses = Counter((key, status) for key, _, status in results)
    for key in {key for key, _, _ in results}:
        assert statuses[(key, "accepted")] == 1, (key, statuses)
        assert statuses[(key, "duplicate")] == COPIES - 1, (key, statuses)


def _wait_for_inbox(engine: Engine, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with Plant(engine).bus.read() as s:
            pending = s.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status == "pending")
            )
        if not pending:
            return
        assert time.monotonic() < deadline, f"{pending} deliveries still pending"
        time.sleep(0.1)


def _check(engine: Engine) -> None:
    with Plant(engine).bus.read() as s:
        per_source = Counter(s.scalars(select(SalesOrder.source)))
        assert per_source == {"api": ORDERS, "shopify": SHOPIFY_ORDERS}
        external = Counter(s.scalars(select(SalesOrder.external_id)))
        assert set(external.values()) == {1}  # one order per external id
        deliveries = list(s.execute(select(WebhookDelivery.status, WebhookDelivery.result)))
        assert len(deliveries) == 2 * SHOPIFY_ORDERS  # one row per delivery, not per copy
        # Each settled: applied, or set aside as stale when its order's newer snapshot
        # was applied first (the copies race across the workers).
        assert {status for status, _ in deliveries} <= {"done", "ignored"}, deliveries
        assert all("stale" in why for status, why in deliveries if status == "ignored")
        lines = list(
            s.execute(
                select(SalesOrder.source, SalesOrderLine).join(
                    SalesOrder, SalesOrder.id == SalesOrderLine.sales_order_id
                )
            )
        )
        # Every line is covered exactly: from stock, by work orders or backordered.
        for _, line in lines:
            covered = line.qty_from_stock + line.qty_from_work_orders + line.qty_backordered
            assert covered == line.qty, (line.sku, line.qty, covered)
        # Whichever delivery was applied first, the newer snapshot wins: WIDGET 2 everywhere.
        shopify_widgets = [
            line.qty for source, line in lines if source == "shopify" and line.sku == "WIDGET"
        ]
        assert shopify_widgets == [Decimal(2)] * SHOPIFY_ORDERS
        # Never over-reserved; scarce WIDGET all went to orders, none twice.
        levels = dict(
            s.execute(
                select(Product.sku, StockLevel).join(Product, Product.id == StockLevel.product_id)
            ).all()
        )
        for sku, level in levels.items():
            assert 0 <= level.reserved <= level.on_hand, sku
        widget_held = sum((line.qty_reserved for _, line in lines if line.sku == "WIDGET"), ZERO)
        assert levels["WIDGET"].on_hand == 25
        assert levels["WIDGET"].reserved == widget_held == 25
