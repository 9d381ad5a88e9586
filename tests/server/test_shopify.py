"""Shopify webhooks: signatures over the raw body, the inbox, snapshots, refunds."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from kiosk.commands import StartWorkOrder
from kiosk.store.models import SalesOrder, WebhookDelivery
from sync.server.inbox import Inbox
from tests.server.conftest import (
    ADMIN,
    API,
    SHOPIFY_SECRET,
    Server,
    make_server,
    order_payload,
    refund_payload,
)
from tests.server.helpers import problem

HOOK = f"{API}/webhooks/shopify"
RECORDED = (Path(__file__).parent / "data" / "orders_create.json").read_bytes()
#: HMAC-SHA256 of RECORDED with SHOPIFY_SECRET, base64 (computed with openssl, not our code).
RECORDED_HMAC = "A2f+2dw0KE6BODEnBbQ/EorlCSQslCE1pzVPdLpaAxc="


def post_raw(server: Server, raw: bytes, signature: str | None, **headers: str) -> object:
    sent = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create"}
    sent |= {"X-Shopify-Webhook-Id": "recorded-1", **headers}
    if signature is not None:
        sent["X-Shopify-Hmac-Sha256"] = signature
    return server.client.post(HOOK, content=raw, headers=sent)


def count(server: Server, model: type) -> int:
    return server.plant.count(model)


def orders(server: Server) -> list[dict]:  # type: ignore[type-arg]
    with server.plant.bus.read() as session:
        ids = list(session.scalars(select(SalesOrder.id).order_by(SalesOrder.created_at)))
    return [server.client.get(f"{API}/sales-orders/{i}", headers=ADMIN).json() for i in ids]


def test_the_recorded_delivery_verifies_and_becomes_a_sales_order(server: Server) -> None:
    assert SHOPIFY_SECRET == "hush-hush-shopify"
    answer = post_raw(server, RECORDED, RECORDED_HMAC)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert answer.json() == {"status": "accepted"}  # type: ignore[attr-defined]
    assert server.drain() == 1
    (order,) = orders(server)
    assert order["external_id"] == "820982911946154508"
    assert order["source"] == "shopify"
    assert [(x["line_id"], x["sku"], x["qty"], x["status"]) for x in order["lines"]] == [
        ("866550311766439020", "WIDGET", "3", "matched"),
        ("141249953214522974", "bolt", "2", "matched"),
    ]


def test_a_flipped_byte_or_reserialized_json_is_refused_before_parsing(server: Server) -> None:
    flipped = bytearray(RECORDED)
    flipped[40] ^= 0x01
    reserialized = json.dumps(json.loads(RECORDED)).encode()
    assert reserialized != RECORDED
    for raw, signature in (
        (bytes(flipped), RECORDED_HMAC),
        (reserialized, RECORDED_HMAC),
        (RECORDED, None),
        (RECORDED, ""),
        (RECORDED, "not base64 at all"),
        (RECORDED, RECORDED_HMAC[:-4] + "AAA="),
        (b"{not json", RECORDED_HMAC),
    ):
        problem(post_raw(server, raw, signature), 401, "unauthorized")
    assert count(server, WebhookDelivery) == 0


def test_no_secret_configured_verifies_nothing(engine: object) -> None:
    with make_server(engine, shopify_secret=None) as server:  # type: ignore[arg-type]
        problem(post_raw(server, RECORDED, RECORDED_HMAC), 401, "unauthorized")


def test_duplicate_deliveries_make_one_order(server: Server) -> None:
    create = order_payload(1001, [(1, "WIDGET", 2)])
    assert server.webhook("orders/create", create, delivery_id="d-1").json()["status"] == "accepted"
    assert (
        server.webhook("orders/create", create, delivery_id="d-1").json()["status"] == "duplicate"
    )
    assert server.webhook("orders/create", create, delivery_id="d-2").json()["status"] == "accepted"
    assert server.webhook("orders/paid", create).json()["status"] == "ignored"
    server.drain()
    server.drain()
    assert count(server, WebhookDelivery) == 3  # the other topic is kept, as ignored
    assert count(server, SalesOrder) == 1


def test_concurrent_deliveries_of_one_order_make_one_order_at_the_newest_state(
    server: Server,
) -> None:
    stamps = [f"2026-11-20T10:00:{s:02d}Z" for s in range(8)]
    payloads = [
        (
            "orders/create" if i == 0 else "orders/updated",
            order_payload(2002, [(1, "WIDGET", i + 1)], updated_at=stamp),
        )
        for i, stamp in enumerate(stamps)
    ]
    answers: list[int] = []

    def send(i: int) -> None:
        topic, payload = payloads[i]
        for copy in range(2):  # every delivery twice, as Shopify retries do
            answers.append(
                server.webhook(topic, payload, delivery_id=f"c-{i}").status_code + copy * 0
            )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200] * 16
    # Two inboxes drain at once, as two server processes would.
    second = Inbox(server.app.state.server)
    drainers = [threading.Thread(target=inbox.drain) for inbox in (server.app.state.inbox, second)]
    for t in drainers:
        t.start()
    for t in drainers:
        t.join()
    server.drain()
    (order,) = orders(server)
    assert order["lines"][0]["qty"] == "8"
    with server.plant.bus.read() as session:
        statuses = list(session.scalars(select(WebhookDelivery.status)))
    # Each settled: applied, or set aside when a newer snapshot was applied first.
    assert len(statuses) == 8
    assert set(statuses) <= {"done", "ignored"}


def test_update_before_create_converges(server: Server) -> None:
    created = order_payload(
        3003, [(1, "WIDGET", 2), (2, "BOLT", 1)], updated_at="2026-11-20T10:00:00Z"
    )
    updated = order_payload(
        3003, [(1, "WIDGET", 4), (2, "BOLT", 0)], updated_at="2026-11-20T11:00:00Z"
    )
    server.webhook("orders/updated", updated)
    server.webhook("orders/create", created)
    server.drain()
    (order,) = orders(server)
    # Only the lines with a quantity in the newest snapshot were taken.
    assert [(x["line_id"], x["qty"]) for x in order["lines"]] == [("1", "4")]
    with server.plant.bus.read() as session:
        results = list(
            session.scalars(select(WebhookDelivery.result).order_by(WebhookDelivery.received_at))
        )
    assert "stale" in results[1]


def test_cancel_before_create_converges_to_a_cancelled_order(server: Server) -> None:
    server.plant.receive("BOLT", 10)
    created = order_payload(
        4004, [(1, "WIDGET", 2), (2, "BOLT", 3)], updated_at="2026-11-20T10:00:00Z"
    )
    cancelled = order_payload(
        4004, [(1, "WIDGET", 2), (2, "BOLT", 3)], updated_at="2026-11-20T12:00:00Z", cancelled=True
    )
    server.webhook("orders/cancelled", cancelled)
    server.webhook("orders/create", created)
    server.webhook("orders/updated", created)
    server.drain()
    (order,) = orders(server)
    assert order["status"] == "cancelled"
    assert server.plant.stock("BOLT").reserved == 0
    for line in order["lines"]:
        for wo_id in line["work_order_ids"]:
            assert server.plant.wo(wo_id).status == "cancelled"


def test_refunds_reduce_lines_and_follow_the_mto_table(server: Server) -> None:
    for sku in ("BOLT", "PLATE"):
        server.plant.receive(sku, 100)
    create = order_payload(
        5005, [(1, "WIDGET", 2), (2, "GADGET", 1)], updated_at="2026-11-20T10:00:00Z"
    )
    server.webhook("orders/create", create)
    server.drain()
    (order,) = orders(server)
    widget_wo, gadget_wo = (line["work_order_ids"][0] for line in order["lines"])
    assert server.plant.wo(widget_wo).status == "ready"
    operator = server.plant.operator()
    server.plant.run(StartWorkOrder(work_order_id=gadget_wo, actor=operator))

    refund = refund_payload(1, 5005, {1: 2}, created_at="2026-11-20T11:00:00Z")
    server.webhook("refunds/create", refund)
    server.webhook("refunds/create", refund, delivery_id="again")  # same refund, new delivery
    server.drain()
    (order,) = orders(server)
    assert [x["qty"] for x in order["lines"]] == ["0", "1"]
    assert order["status"] == "open"
    assert server.plant.wo(widget_wo).status == "cancelled"  # not started: cancelled

    server.webhook(
        "refunds/create", refund_payload(2, 5005, {2: 1}, created_at="2026-11-20T12:00:00Z")
    )
    server.drain()
    (order,) = orders(server)
    assert order["status"] == "refunded"
    gadget = server.plant.wo(gadget_wo)
    assert gadget.status == "in_progress"
    assert gadget.type == "MTS"
    assert any(m.kind == "unlinked" for m in gadget.messages)


def test_a_refund_already_in_a_newer_snapshot_is_not_applied_twice(server: Server) -> None:
    server.webhook(
        "orders/create", order_payload(6006, [(1, "WIDGET", 5)], updated_at="2026-11-20T10:00:00Z")
    )
    server.webhook(
        "orders/updated", order_payload(6006, [(1, "WIDGET", 3)], updated_at="2026-11-20T11:00:01Z")
    )
    server.webhook(
        "refunds/create", refund_payload(7, 6006, {1: 2}, created_at="2026-11-20T11:00:00Z")
    )
    server.drain()
    (order,) = orders(server)
    assert order["lines"][0]["qty"] == "3"


def test_a_refund_waits_for_its_order(server: Server) -> None:
    server.webhook(
        "refunds/create", refund_payload(8, 7007, {1: 1}, created_at="2026-11-20T11:00:00Z")
    )
    server.drain()
    assert count(server, SalesOrder) == 0
    server.webhook(
        "orders/create", order_payload(7007, [(1, "WIDGET", 3)], updated_at="2026-11-20T10:00:00Z")
    )
    server.drain()
    server.drain()
    (order,) = orders(server)
    assert order["lines"][0]["qty"] == "2"


def test_unreadable_payloads_fail_without_harm(server: Server) -> None:
    server.webhook("orders/create", b"[1, 2]")
    server.webhook("orders/create", {"id": 1, "line_items": "none", "updated_at": "x"})
    server.webhook("orders/create", order_payload(9, [(1, "WIDGET", 5_000_000)]))
    server.drain()
    with server.plant.bus.read() as session:
        statuses = list(session.scalars(select(WebhookDelivery.status)))
        assert session.scalar(select(func.count()).select_from(SalesOrder)) == 0
    assert statuses == ["failed"] * 3


def test_the_background_worker_applies_deliveries_soon(engine: object) -> None:
    with make_server(engine, inbox_worker=True) as server:  # type: ignore[arg-type]
        server.plant.product("WIDGET")
        started = time.monotonic()
        answer = server.webhook("orders/create", order_payload(8008, [(1, "WIDGET", 1)]))
        assert answer.status_code == 200
        while count(server, SalesOrder) == 0:
            assert time.monotonic() - started < 10, "the worker did not apply the delivery"
            time.sleep(0.05)


def test_a_line_added_after_the_order_is_ordered_and_a_removed_one_follows_the_mto_table(
    server: Server,
) -> None:
    for sku in ("BOLT", "PLATE"):
        server.plant.receive(sku, 100)
    server.webhook(
        "orders/create", order_payload(8008, [(1, "WIDGET", 2)], updated_at="2026-11-20T10:00:00Z")
    )
    server.webhook(  # the shop edits the order: a gadget is added
        "orders/updated",
        order_payload(
            8008, [(1, "WIDGET", 2), (2, "GADGET", 1)], updated_at="2026-11-20T11:00:00Z"
        ),
    )
    server.drain()
    (order,) = orders(server)
    assert [(x["line_id"], x["sku"], x["qty"]) for x in order["lines"]] == [
        ("1", "WIDGET", "2"),
        ("2", "GADGET", "1"),
    ]
    (gadget_wo,) = order["lines"][1]["work_order_ids"]
    assert server.plant.wo(gadget_wo).type == "MTO"
    assert server.plant.wo(gadget_wo).qty_planned == 1

    # The same snapshot again (a replayed delivery) adds nothing twice.
    server.webhook(
        "orders/updated",
        order_payload(
            8008, [(1, "WIDGET", 2), (2, "GADGET", 1)], updated_at="2026-11-20T11:00:00Z"
        ),
        delivery_id="again",
    )
    server.drain()
    (order,) = orders(server)
    assert len(order["lines"]) == 2

    # Removed again (current_quantity 0): a work order not started is cancelled.
    server.webhook(
        "orders/updated",
        order_payload(
            8008, [(1, "WIDGET", 2), (2, "GADGET", 0)], updated_at="2026-11-20T12:00:00Z"
        ),
    )
    server.drain()
    (order,) = orders(server)
    assert [x["qty"] for x in order["lines"]] == ["2", "0"]
    assert server.plant.wo(gadget_wo).status == "cancelled"
