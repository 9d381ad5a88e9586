"""Finished stock flows back to the shop: a stub Shopify Admin API on loopback, strict
about each request, sees the plant's available stock after any sequence of builds,
reversals, adjustments, receipts and orders, through its faults and throttling."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from kiosk.commands import (
    Actor,
    AdjustStock,
    CancelSalesOrder,
    IngestSalesOrder,
    LineSpec,
    LogOutput,
    ReverseRun,
    StartWorkOrder,
)
from kiosk.domain import pins
from kiosk.domain.errors import DomainError
from kiosk.store.base import utcnow
from kiosk.store.models import AuditEntry, ShopifyStockPush
from sync.server.shopify_stock import StockPusher
from tests.builders import OFFICE, simple_plant
from tests.server.conftest import ADMIN, API, Server, make_server
from tests.server.shopify_admin_stub import TOKEN, ShopifyStub, serving

SHOP = "plant-test.myshopify.com"
LOCATION = "gid://shopify/Location/1001"
WIDGET_ITEM = "gid://shopify/InventoryItem/501"


@pytest.fixture(autouse=True)
def _fast_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pins, "_N", 2**4)


class Clock:
    """Now, moved on by hand: backoff waits pass at once, and the shop's cost bucket
    refills as time passes (as the pusher waits for it, or as the test moves on)."""

    def __init__(self, stub: ShopifyStub) -> None:
        self.stub = stub
        self._offset = timedelta(0)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return utcnow() + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    @offset.setter
    def offset(self, value: timedelta) -> None:
        self.stub.refill((value - self._offset).total_seconds())
        self._offset = value

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.stub.refill(seconds)


@dataclass
class Shop:
    server: Server
    stub: ShopifyStub
    pusher: StockPusher
    clock: Clock

    def settle(self, rounds: int = 60) -> None:
        """Push until nothing is due (moving time on past every backoff)."""
        for _ in range(rounds):
            self.pusher.drain()
            with self.server.plant.bus.read() as session:
                due = session.scalars(
                    select(ShopifyStockPush.product_id).where(ShopifyStockPush.status == "pending")
                ).all()
            if not due:
                return
            self.clock.offset += timedelta(minutes=20)
        raise AssertionError(f"still due after {rounds} rounds: {due}")

    def available(self, sku: str) -> int:
        level = self.server.plant.stock(sku)
        return max(int(level.on_hand - level.reserved), 0)

    def push_row(self, sku: str) -> dict[str, object]:
        rows = self.server.client.get(f"{API}/shopify/stock", headers=ADMIN).json()
        return next(r for r in rows if r["sku"] == sku)


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    stub = ShopifyStub(items={"WIDGET": WIDGET_ITEM}, available={(WIDGET_ITEM, LOCATION): 3})
    with (
        serving(stub) as url,
        make_server(
            engine,
            shopify_shop=SHOP,
            shopify_admin_token=TOKEN,
            shopify_api_url=url,
            shopify_stock_default=True,
            stock_pusher=False,
        ) as server,
    ):
        simple_plant(server.plant)
        answer = server.client.put(
            f"{API}/shopify/shops/{SHOP}",
            json={"site": "MAIN", "locations": {"1001": "MAIN"}},
            headers=ADMIN,
        )
        assert answer.status_code == 200, answer.text
        pusher = server.app.state.stock_pusher
        clock = Clock(stub)
        pusher.clock, pusher.sleep = clock, clock.sleep
        yield Shop(server, stub, pusher, clock)
        assert stub.refused == [], stub.refused


def test_a_receipt_is_queued_with_it_and_sets_the_shops_quantity(shop: Shop) -> None:
    shop.server.plant.receive("BOLT", 50)
    shop.server.plant.receive("WIDGET", 7)
    row = shop.push_row("WIDGET")
    assert row["status"] == "pending"  # in the receipt's own transaction
    shop.settle()
    assert shop.stub.quantity("WIDGET") == 7
    row = shop.push_row("WIDGET")
    assert (row["status"], row["pushed"]) == ("done", "1001 (MAIN): 7")
    (mutation,) = [r for r in shop.stub.requests if "inventorySetQuantities" in r["body"]["query"]]
    assert mutation["headers"]["X-Shopify-Access-Token"] == TOKEN
    (change,) = mutation["body"]["variables"]["input"]["quantities"]
    assert change == {
        "inventoryItemId": WIDGET_ITEM,
        "locationId": LOCATION,
        "quantity": 7,
        "changeFromQuantity": 3,  # what the shop held, as read just before
    }
    # BOLT changed too, but the shop sells no such SKU.
    assert shop.push_row("BOLT")["status"] == "skipped"
    assert "no variant" in str(shop.push_row("BOLT")["reason"])


def test_a_quantity_moved_in_the_shop_meanwhile_is_read_again(shop: Shop) -> None:
    shop.server.plant.receive("WIDGET", 5)
    shop.stub.interfere["WIDGET"] = -1  # an order in the shop, between read and set
    shop.settle()
    assert shop.stub.stale == 1
    assert shop.stub.sets == 1
    assert shop.stub.quantity("WIDGET") == 5


def test_a_burst_of_changes_is_one_push(shop: Shop) -> None:
    for _ in range(10):
        shop.server.plant.receive("WIDGET", 1)
    shop.settle()
    assert shop.stub.sets == 1
    assert shop.stub.quantity("WIDGET") == 10


def test_a_product_opted_out_is_not_pushed_and_opting_in_pushes_it(shop: Shop) -> None:
    client = shop.server.client
    off = client.put(f"{API}/shopify/stock/products/WIDGET", json={"sync": False}, headers=ADMIN)
    assert off.status_code == 200, off.text
    shop.server.plant.receive("WIDGET", 4)
    shop.settle()
    assert shop.stub.sets == 0
    assert shop.push_row("WIDGET")["status"] == "skipped"
    on = client.put(f"{API}/shopify/stock/products/WIDGET", json={"sync": None}, headers=ADMIN)
    assert on.status_code == 200
    shop.settle()
    assert shop.stub.quantity("WIDGET") == 4
    with shop.server.plant.bus.read() as session:
        who = session.scalars(
            select(AuditEntry.principal).where(AuditEntry.command_type == "set_shopify_stock_sync")
        ).all()
    assert len(who) == 2
    missing = client.put(f"{API}/shopify/stock/products/NOPE", json={"sync": True}, headers=ADMIN)
    assert missing.status_code in (404, 409)


def test_a_refused_token_fails_visibly_and_a_push_after_the_fix_succeeds(shop: Shop) -> None:
    shop.server.plant.receive("WIDGET", 2)
    real = shop.pusher.sync.admin._http.headers["X-Shopify-Access-Token"]
    shop.pusher.sync.admin._http.headers["X-Shopify-Access-Token"] = "wrong"
    shop.pusher.drain()
    row = shop.push_row("WIDGET")
    assert row["status"] == "failed"  # waiting would not help: shown at once
    assert "access token" in str(row["reason"])
    shop.pusher.sync.admin._http.headers["X-Shopify-Access-Token"] = real
    again = shop.server.client.post(f"{API}/shopify/stock/products/WIDGET/push", headers=ADMIN)
    assert again.status_code == 200
    shop.settle()
    assert shop.push_row("WIDGET")["status"] == "done"
    assert shop.stub.quantity("WIDGET") == 2


def test_a_throttled_push_waits_as_long_as_the_bucket_needs(shop: Shop) -> None:
    shop.stub.bucket, shop.stub.restore_per_request, shop.stub.restore_rate = 0.0, 0.0, 20.0
    shop.server.plant.receive("WIDGET", 6)
    before = shop.clock()
    shop.pusher.drain()
    assert shop.stub.throttled == 1
    with shop.server.plant.bus.read() as session:
        row = session.scalars(
            select(ShopifyStockPush).where(ShopifyStockPush.status == "pending")
        ).one()
    # The bucket is empty and refills 20 a second: not before (50 - 0) / 20 = 2.5 s.
    assert row.due_at >= before + timedelta(seconds=2.5)
    assert row.attempts == 0  # being paced is not a failure
    shop.settle()
    assert shop.stub.quantity("WIDGET") == 6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_shop_shows_the_plants_available_stock_after_any_sequence(
    shop: Shop, seed: int
) -> None:
    """Random builds, reversals, adjustments, receipts and orders, with the shop failing
    now and then (503, 429) and throttling; after the pushes settle, the shop's quantity
    is the plant's available stock."""
    rng = random.Random(seed)
    plant = shop.server.plant
    shop.stub.fail_every, shop.stub.limit_every = 7, 11
    plant.receive("BOLT", 10_000)
    plant.receive("PLATE", 10_000)
    operator = plant.operator()
    supervisor = plant.operator(supervisor=True)
    runs: list[tuple[str, str]] = []
    orders: list[str] = []
    for step in range(40):
        action = rng.choice(["build", "build", "reverse", "adjust", "receive", "order", "cancel"])
        try:
            if action == "build":
                wo = plant.ready_work_order("WIDGET", rng.randint(1, 5))
                plant.run(StartWorkOrder(work_order_id=wo, actor=operator))
                run = plant.run(LogOutput(work_order_id=wo, qty=rng.randint(1, 3), actor=operator))
                runs.append((wo, str(run.data["run_id"])))
            elif action == "reverse" and runs:
                wo, run_id = runs.pop(rng.randrange(len(runs)))
                elevated = Actor(badge=operator.badge, supervisor_badge=supervisor.badge)
                plant.run(ReverseRun(work_order_id=wo, run_id=run_id, actor=elevated))
            elif action == "adjust":
                delta = rng.randint(-3, 4) or 1
                plant.run(AdjustStock(sku="WIDGET", qty_delta=delta, reason="count", actor=OFFICE))
            elif action == "receive":
                plant.receive("WIDGET", rng.randint(1, 6))
            elif action == "order":
                made = plant.run(
                    IngestSalesOrder(
                        external_id=f"SO-{seed}-{step}",
                        lines=[LineSpec("1", "WIDGET", rng.randint(1, 4))],
                        actor=OFFICE,
                    )
                )
                orders.append(str(made.data["sales_order_id"]))
            elif action == "cancel" and orders:
                so = orders.pop(rng.randrange(len(orders)))
                plant.run(CancelSalesOrder(sales_order_id=so, actor=OFFICE))
        except DomainError:
            pass  # refused (not enough stock to adjust down, say): nothing changed
        if rng.random() < 0.4:  # time passes, and pushes interleave with the changes
            shop.clock.offset += timedelta(seconds=rng.choice([0, 3, 30, 600]))
            shop.pusher.drain()
    shop.settle()
    level = plant.stock("WIDGET")
    assert shop.stub.quantity("WIDGET") == max(int(level.on_hand - level.reserved), 0)
    assert shop.push_row("WIDGET")["status"] == "done"
    assert shop.stub.faults > 0  # the shop did misbehave (503, 429)
    assert level.on_hand >= Decimal(0)


def test_without_a_shop_and_token_nothing_is_queued(engine: Engine) -> None:
    with make_server(engine) as server:
        simple_plant(server.plant)
        server.plant.receive("WIDGET", 3)
        assert server.app.state.stock_pusher is None
        assert server.plant.count(ShopifyStockPush) == 0


def test_the_console_shows_failures_and_sets_and_pushes(shop: Shop) -> None:
    from tests.server.office_client import OFFICE, post, signed_in

    client = shop.server.client
    csrf = signed_in(client, shop.server.engine)
    shop.server.plant.receive("WIDGET", 2)
    shop.pusher.sync.admin._http.headers["X-Shopify-Access-Token"] = "wrong"
    shop.pusher.drain()
    page = client.get(f"{OFFICE}/shopify").text
    assert f"Stock to {SHOP}" in page
    assert page.count('id="stock-h"') == 1  # once, in the page, not in its <title>
    assert "<title>Shopify deliveries · Plant office</title>" in page
    assert ">Failed</span>" in page
    assert "access token" in page
    off = post(client, "/shopify/stock/WIDGET/sync", csrf, sync="off")
    assert off.status_code == 303
    assert shop.push_row("WIDGET")["sync"] is False
    bad = post(client, "/shopify/stock/WIDGET/sync", csrf, sync="sideways")
    assert bad.status_code == 422
    assert "Traceback" not in bad.text
    pushed = post(client, "/shopify/stock/WIDGET/push", csrf)
    assert pushed.status_code == 303
    assert shop.push_row("WIDGET")["status"] == "pending"
    missing = post(client, "/shopify/stock/NOPE/push", csrf)
    assert missing.status_code in (404, 409)


def test_an_order_from_the_shop_reserves_and_the_shop_is_told(shop: Shop) -> None:
    """The full loop: a Shopify order arrives by webhook, reserves finished stock, and the
    available quantity the shop shows drops with it."""
    from tests.server.conftest import order_payload

    shop.server.plant.receive("WIDGET", 9)
    shop.settle()
    assert shop.stub.quantity("WIDGET") == 9
    shop.server.webhook("orders/create", order_payload(4242, [(1, "WIDGET", 4)]))
    assert shop.server.drain() == 1
    shop.settle()
    assert shop.server.plant.stock("WIDGET").reserved == 4
    assert shop.stub.quantity("WIDGET") == 5


def test_every_process_that_changes_stock_queues_it(engine: Engine) -> None:
    """An inbox process or an admin command builds its own state: the queue is on there too."""
    from sync.server.settings import Settings
    from sync.server.state import ServerState
    from tests.builders import Plant

    plant = Plant(engine)
    simple_plant(plant)
    ServerState.build(engine, Settings(shopify_shop=SHOP, shopify_admin_token=TOKEN))
    plant.receive("WIDGET", 1)
    assert plant.count(ShopifyStockPush) == 1
