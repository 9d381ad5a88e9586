"""Every Shopify delivery the server stored, listed with what became of it, and replayed.

A delivery that failed is never lost: it stays, with its reason, and the office
replays it once the cause is fixed; it is then applied once. Replaying one that was
applied changes nothing.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from kiosk.store.models import AuditEntry, SalesOrder, StockLevel
from tests.server.conftest import ADMIN, API, Server, order_payload, refund_payload
from tests.server.helpers import problem
from tests.server.test_shopify_routing import SHOP, add_site, admin, deliver

DELIVERIES = f"{API}/webhooks/shopify/deliveries"


def listed(server: Server, **params: Any) -> tuple[list[dict[str, Any]], int]:
    answer = server.client.get(DELIVERIES, params=params, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return answer.json(), int(answer.headers["X-Total-Count"])


def snapshot(server: Server) -> tuple[object, ...]:
    """Everything a replay could move: sales orders with their lines, and stock."""
    with server.plant.bus.read() as session:
        orders = session.execute(select(SalesOrder.id, SalesOrder.status)).all()
        stock = session.execute(select(StockLevel.product_id, StockLevel.reserved)).all()
    lines = [server.client.get(f"{API}/sales-orders/{o.id}", headers=ADMIN).json() for o in orders]
    return tuple(sorted(map(tuple, orders))), tuple(sorted(map(tuple, stock))), json.dumps(lines)


def test_each_delivery_is_listed_with_its_status_and_reason(server: Server) -> None:
    server.webhook("orders/create", order_payload(101, [(1, "WIDGET", 2)]), delivery_id="ev-1")
    time.sleep(0.01)
    server.webhook("orders/paid", order_payload(101, [(1, "WIDGET", 2)]), delivery_id="ev-2")
    time.sleep(0.01)
    server.webhook(  # a refund whose order has not arrived: it waits
        "refunds/create",
        refund_payload(9, 202, {1: 1}, created_at="2026-11-20T11:00:00Z"),
        delivery_id="ev-3",
    )
    time.sleep(0.01)
    server.webhook("orders/create", b"[1, 2]", delivery_id="ev-4")
    server.drain()

    rows, total = listed(server)
    assert total == 4
    assert [(r["event_id"], r["topic"], r["status"]) for r in rows] == [
        ("ev-4", "orders/create", "failed"),
        ("ev-3", "refunds/create", "deferred"),
        ("ev-2", "orders/paid", "ignored"),
        ("ev-1", "orders/create", "applied"),
    ]
    by_event = {r["event_id"]: r for r in rows}
    assert by_event["ev-1"]["order"] == "101"
    assert by_event["ev-3"]["order"] == "202"
    assert "has not arrived" in by_event["ev-3"]["reason"]
    assert "unreadable" in by_event["ev-4"]["reason"]
    assert by_event["ev-1"]["body"] is None  # payloads only in a delivery's own read
    assert listed(server, status="failed")[0] == [by_event["ev-4"]]
    assert listed(server, status=["applied", "ignored"])[1] == 2
    assert [r["event_id"] for r in listed(server, topic="orders/create")[0]] == ["ev-4", "ev-1"]
    assert [r["event_id"] for r in listed(server, order="101")[0]] == ["ev-1"]
    page, total = listed(server, limit=1, offset=1)
    assert ([r["event_id"] for r in page], total) == (["ev-3"], 4)

    one = server.client.get(f"{DELIVERIES}/{by_event['ev-1']['id']}", headers=ADMIN).json()
    assert json.loads(one["body"])["id"] == 101

    problem(
        server.client.get(DELIVERIES, params={"status": "lost"}, headers=ADMIN), 422, "validation"
    )
    problem(server.client.get(f"{DELIVERIES}/nope", headers=ADMIN), 404, "not_found")
    problem(server.client.post(f"{DELIVERIES}/nope/replay", headers=ADMIN), 404, "not_found")
    assert server.client.get(DELIVERIES).status_code == 401
    server.plant.workstation("W-1")
    kiosk = server.device("W-1")
    assert server.client.get(DELIVERIES, headers=kiosk).status_code == 403


def test_a_failed_delivery_is_replayed_after_the_fix_and_applied_once(server: Server) -> None:
    add_site(server, "EAST", "E-1")
    admin(server, "PUT", f"/shopify/shops/{SHOP}", {"site": "EAST"})
    admin(server, "POST", "/workstations/E-1/deactivate")
    admin(server, "POST", "/sites/EAST/deactivate")
    deliver(server, "orders/create", order_payload(303, [(1, "WIDGET", 2)]))
    server.drain()
    (failed,), _ = listed(server, status="failed")
    assert "EAST is deactivated" in failed["reason"]
    assert server.plant.count(SalesOrder) == 0

    admin(server, "POST", "/sites/EAST/reactivate")  # the fix
    replayed = server.client.post(f"{DELIVERIES}/{failed['id']}/replay", headers=ADMIN)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "applied"
    assert server.plant.count(SalesOrder) == 1
    after_first = snapshot(server)

    again = server.client.post(f"{DELIVERIES}/{failed['id']}/replay", headers=ADMIN).json()
    assert again["status"] == "applied"
    assert snapshot(server) == after_first  # nothing twice
    assert server.drain() == 0  # and nothing left for the inbox

    with server.plant.bus.read() as session:
        who = session.scalars(
            select(AuditEntry.principal).where(AuditEntry.command_type == "replay_webhook_delivery")
        ).all()
    assert len(who) == 2
    assert all(w == "admin" or w.startswith("admin") for w in who), who


def test_replaying_a_refund_or_an_ignored_delivery_changes_nothing(server: Server) -> None:
    server.plant.receive("BOLT", 100)
    server.plant.receive("PLATE", 100)
    server.webhook("orders/create", order_payload(404, [(1, "WIDGET", 3)]))
    server.webhook(
        "refunds/create", refund_payload(1, 404, {1: 1}, created_at="2026-11-20T11:00:00Z")
    )
    server.webhook("orders/paid", order_payload(404, [(1, "WIDGET", 3)]))
    server.drain()
    before = snapshot(server)
    rows, _ = listed(server)
    for row in rows:
        answer = server.client.post(f"{DELIVERIES}/{row['id']}/replay", headers=ADMIN)
        assert answer.status_code == 200, answer.text
    assert snapshot(server) == before
    after = {r["topic"]: (r["status"], r["reason"]) for r in listed(server)[0]}
    # The order's snapshot is older than the refund applied since: set aside as stale.
    assert after["orders/create"] == ("ignored", "stale snapshot; a newer one was applied")
    assert after["refunds/create"] == ("ignored", "refund already applied")
    assert after["orders/paid"][0] == "ignored"
