"""The app on a real uvicorn on loopback: request ids, and many clients ordering scarce stock."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import Engine, func, select

from kiosk.store.engine import make_engine
from kiosk.store.models import SalesOrder, StockLevel
from tests.builders import Plant, simple_plant
from tests.server.conftest import ADMIN, ADMIN_TOKEN, API
from tests.server.process import serving


@pytest.fixture
def live(engine: Engine) -> Iterator[str]:
    with serving(engine, ADMIN_TOKEN) as url:
        yield url


def test_answers_carry_a_request_id(live: str) -> None:
    with httpx.Client(base_url=live) as http:
        health = http.get("/healthz")
        # API.md's {"status": "ok"}, and which checks said so (README, "Monitoring").
        assert health.json() == {"status": "ok", "checks": {"database": "ok", "schema": "ok"}}
        assert len(health.headers["x-request-id"]) == 32
        given = http.get("/healthz", headers={"X-Request-Id": "abc-123"})
        assert given.headers["x-request-id"] == "abc-123"
        bad = http.get("/healthz", headers={"X-Request-Id": "no spaces allowed"})
        assert bad.headers["x-request-id"] != "no spaces allowed"
        missing = http.get(f"{API}/nowhere", headers=ADMIN)
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


def test_many_clients_ordering_scarce_stock_never_over_reserve(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with serving(engine, ADMIN_TOKEN) as live:
            _order_scarce_stock(engine, live)
    finally:
        engine.dispose()


def _order_scarce_stock(engine: Engine, live: str) -> None:
    plant = Plant(engine)
    simple_plant(plant)
    plant.receive("WIDGET", 25)
    orders = 24

    def place(i: int) -> int:
        with httpx.Client(base_url=live, headers=ADMIN, timeout=60) as http:
            answer = http.post(
                f"{API}/sales-orders",
                json={
                    "external_id": f"C-{i}",
                    "lines": [{"line_id": "1", "sku": "WIDGET", "qty": 2}],
                },
            )
            # The same order again, at once: changes nothing.
            again = http.post(
                f"{API}/sales-orders",
                json={
                    "external_id": f"C-{i}",
                    "lines": [{"line_id": "1", "sku": "WIDGET", "qty": 2}],
                },
            )
            assert again.status_code == 200, again.text
            return answer.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(place, range(orders)))
    assert statuses == [201] * orders
    with plant.bus.read() as session:
        level = session.scalars(select(StockLevel)).all()
        assert all(row.reserved <= row.on_hand for row in level)
        assert session.scalar(select(func.count()).select_from(SalesOrder)) == orders
    widget = plant.stock("WIDGET")
    assert widget.on_hand == 25
    from_stock = Decimal(0)
    with httpx.Client(base_url=live, headers=ADMIN) as http:
        with plant.bus.read() as session:
            ids = list(session.scalars(select(SalesOrder.id)))
        for so_id in ids:
            (line,) = http.get(f"{API}/sales-orders/{so_id}").json()["lines"]
            covered = Decimal(line["qty_from_stock"]) + Decimal(line["qty_from_work_orders"])
            assert covered + Decimal(line["qty_backordered"]) == 2  # every unit accounted for
            from_stock += Decimal(line["qty_from_stock"])
    assert from_stock == widget.reserved <= 25
    assert from_stock == 25  # every unit on hand went to an order, none twice
