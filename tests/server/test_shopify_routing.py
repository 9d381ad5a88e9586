"""Shopify orders go to the site their shop (or Shopify location) is routed to, and an
order nobody routed waits in the inbox, named to the office, until a route is set."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select

from kiosk.store.models import AuditEntry, SalesOrder, Site, WebhookDelivery, WorkOrder
from tests.builders import simple_plant
from tests.server.conftest import (
    ADMIN,
    API,
    Server,
    make_server,
    order_payload,
    refund_payload,
    sign,
)
from tests.server.helpers import problem

SHOP = "acme-furniture.myshopify.com"
OTHER_SHOP = "acme-outlet.myshopify.com"
_ids = itertools.count(1)


def deliver(
    server: Server, topic: str, payload: dict[str, Any], *, shop: str | None = SHOP
) -> None:
    """A signed delivery as Shopify sends it, with the shop it comes from."""
    raw = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(raw),
        "X-Shopify-Webhook-Id": f"routing-{next(_ids)}",
        "X-Shopify-API-Version": "2025-10",
    }
    if shop is not None:
        headers["X-Shopify-Shop-Domain"] = shop
    answer = server.client.post(f"{API}/webhooks/shopify", content=raw, headers=headers)
    assert answer.json() == {"status": "accepted"}, answer.text


def order(order_id: int, qty: int = 2, *, location: int | None = None, **kw: Any) -> Any:
    payload = order_payload(order_id, [(order_id * 10, "WIDGET", qty)], **kw)
    payload["location_id"] = location
    return payload


def admin(server: Server, method: str, path: str, body: Any = None) -> Any:
    answer = server.client.request(method, f"{API}{path}", json=body, headers=ADMIN)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def add_site(server: Server, code: str, workstation: str) -> None:
    """A site of the plant's own, with a workstation and the stock a widget needs."""
    admin(server, "POST", "/sites", {"code": code, "name": f"Plant {code}"})
    admin(server, "POST", "/workstations", {"code": workstation, "name": "Bench", "site": code})
    for sku in ("BOLT", "PLATE"):
        admin(server, "POST", "/stock/receipts", {"sku": sku, "qty": 100, "site": code})


def sites_of_orders(server: Server) -> dict[str, str]:
    """Shopify order id -> the code of the site its sales order was taken at."""
    with server.plant.bus.read() as session:
        rows = session.execute(
            select(SalesOrder.external_id, Site.code).join(Site, Site.id == SalesOrder.site_id)
        )
        return dict(rows.tuples().all())


def statuses(server: Server) -> list[str]:
    with server.plant.bus.read() as session:
        query = select(WebhookDelivery.status).order_by(WebhookDelivery.received_at)
        return list(session.scalars(query))


def unrouted_notes(server: Server) -> list[str]:
    notes = admin(server, "GET", "/notifications")
    return [n["text"] for n in notes if n["kind"] == "unrouted_order"]


def test_an_order_from_a_routed_shop_is_built_at_its_site_and_shows_on_its_kiosk(
    server: Server,
) -> None:
    add_site(server, "PLANT1", "P1-BENCH")
    route = admin(server, "PUT", f"/shopify/shops/{SHOP}", {"site": "PLANT1"})
    assert route | {"updated_at": None} == {
        "shop_domain": SHOP,
        "routed": True,
        "site": "PLANT1",
        "locations": {},
        "waiting": 0,
        "released": 0,
        "updated_at": None,
    }
    deliver(server, "orders/create", order(5001, 3))
    assert server.drain() == 1
    assert sites_of_orders(server) == {"5001": "PLANT1"}

    kiosk = server.device("P1-BENCH")
    listed = server.client.get(f"{API}/work-orders", headers=kiosk).json()
    assert [(w["site"], w["workstation"], w["status"], w["type"]) for w in listed] == [
        ("PLANT1", "P1-BENCH", "ready", "MTO")
    ]
    assert [(i["sku"], i["qty_planned"]) for i in listed[0]["items"]] == [("WIDGET", "3")]
    pulled = server.client.get(f"{API}/sync/pull", headers=kiosk).json()
    pulled_wos = [c["id"] for c in pulled["changes"] if c["entity"] == "work_order"]
    assert pulled_wos == [listed[0]["id"]]
    main = admin(server, "GET", "/work-orders?site=MAIN")
    assert main == []  # nothing at the default site
    with server.plant.bus.read() as session:
        result = session.scalars(select(WebhookDelivery.result)).one()
    assert result.startswith(f"at PLANT1 (shop {SHOP}): created")


def test_locations_route_one_shop_to_two_sites(server: Server) -> None:
    add_site(server, "PLANT1", "P1-BENCH")
    add_site(server, "EAST", "E-BENCH")
    body = {"site": "PLANT1", "locations": {"655441491": "EAST", "655441492": "PLANT1"}}
    route = admin(server, "PUT", f"/shopify/shops/{SHOP.upper()}", body)
    assert (route["shop_domain"], route["locations"]) == (SHOP, body["locations"])
    deliver(server, "orders/create", order(6001, location=655441491))  # POS at the east shop
    deliver(server, "orders/create", order(6002, location=655441492))
    deliver(server, "orders/create", order(6003))  # online: location_id is null
    deliver(server, "orders/create", order(6004, location=999))  # a location not listed
    assert server.drain() == 4
    assert sites_of_orders(server) == {
        "6001": "EAST",
        "6002": "PLANT1",
        "6003": "PLANT1",
        "6004": "PLANT1",
    }
    with server.plant.bus.read() as session:
        built = session.execute(
            select(WorkOrder.site_id, Site.code).join(Site, Site.id == WorkOrder.site_id)
        ).all()
    assert sorted(code for _, code in built) == ["EAST", "PLANT1"]  # one MTO WO per site
    east = server.client.get(f"{API}/work-orders", headers=server.device("E-BENCH")).json()
    assert [(w["workstation"], w["items"][0]["qty_planned"]) for w in east] == [("E-BENCH", "2")]


def test_an_unrouted_shop_waits_named_to_the_office_and_is_applied_once_routed(
    server: Server,
) -> None:
    add_site(server, "PLANT1", "P1-BENCH")  # two sites now: MAIN is no longer a safe guess
    deliver(server, "orders/create", order(7001, 4))
    deliver(server, "orders/updated", order(7001, 3, updated_at="2026-11-20T11:00:00Z"))
    deliver(
        server,
        "refunds/create",
        refund_payload(71, 7001, {70010: 1}, created_at="2026-11-20T12:00:00Z"),
    )
    server.drain()
    assert sites_of_orders(server) == {}
    assert statuses(server) == ["waiting", "waiting", "pending"]  # the refund waits for its order
    (note,) = unrouted_notes(server)  # one note for the shop, not one per delivery
    assert f"shop {SHOP} has no route to a site" in note
    assert f"PUT /api/v1/shopify/shops/{SHOP}" in note
    assert admin(server, "GET", "/shopify/shops") == [
        {
            "shop_domain": SHOP,
            "routed": False,
            "site": None,
            "locations": {},
            "waiting": 2,
            "released": 0,
            "updated_at": None,
        }
    ]
    problem(server.client.get(f"{API}/shopify/shops/{SHOP}", headers=ADMIN), 404, "not_found")

    route = admin(server, "PUT", f"/shopify/shops/{SHOP}", {"site": "PLANT1"})
    assert (route["released"], route["waiting"]) == (2, 0)
    server.drain()
    assert statuses(server) == ["done", "done", "done"]
    assert sites_of_orders(server) == {"7001": "PLANT1"}
    (so_id,) = [o["id"] for o in admin(server, "GET", "/work-orders?site=PLANT1")]
    wo = admin(server, "GET", f"/work-orders/{so_id}")
    assert wo["items"][0]["qty_planned"] == "2"  # 4, edited to 3, then 1 refunded
    assert len(unrouted_notes(server)) == 1
    with server.plant.bus.read() as session:
        audited = list(session.scalars(select(AuditEntry.command_type)))
    assert audited.count("await_shopify_route") == 2
    assert audited.count("set_shopify_route") == 1


def test_an_unrouted_location_waits_while_the_shops_other_orders_are_taken(
    server: Server,
) -> None:
    add_site(server, "PLANT1", "P1-BENCH")
    add_site(server, "EAST", "E-BENCH")
    admin(server, "PUT", f"/shopify/shops/{SHOP}", {"locations": {"11": "EAST"}})
    deliver(server, "orders/create", order(8001, location=11))
    deliver(server, "orders/create", order(8002))  # online, and the shop names no site
    deliver(server, "orders/create", order(8003), shop=OTHER_SHOP)  # a second, unknown shop
    server.drain()
    assert sites_of_orders(server) == {"8001": "EAST"}
    notes = unrouted_notes(server)
    assert len(notes) == 2
    assert any(f"online orders (no location) of shop {SHOP}" in n for n in notes)
    assert any(f"shop {OTHER_SHOP} has no route" in n for n in notes)
    admin(server, "PUT", f"/shopify/shops/{SHOP}", {"site": "PLANT1", "locations": {"11": "EAST"}})
    server.drain()
    assert sites_of_orders(server) == {"8001": "EAST", "8002": "PLANT1"}
    assert statuses(server) == ["done", "done", "waiting"]  # the other shop still waits


def test_a_single_site_server_takes_every_shops_orders_at_its_site(server: Server) -> None:
    deliver(server, "orders/create", order(9001))
    deliver(server, "orders/create", order(9002), shop=None)
    assert server.drain() == 2
    assert sites_of_orders(server) == {"9001": "MAIN", "9002": "MAIN"}


def test_shop_routes_are_admin_master_data_with_plain_errors(server: Server) -> None:
    add_site(server, "PLANT1", "P1-BENCH")
    shops = f"{API}/shopify/shops"
    put = server.client.put
    problem(put(f"{shops}/{SHOP}", json={"site": "NOPE"}, headers=ADMIN), 409, "not_found")
    bad_loc = {"site": "PLANT1", "locations": {"007": "PLANT1"}}
    problem(put(f"{shops}/{SHOP}", json=bad_loc, headers=ADMIN), 422, "validation")
    problem(put(f"{shops}/not-a-domain", json={"site": "PLANT1"}, headers=ADMIN), 422, "validation")
    problem(
        put(f"{shops}/{SHOP}", json={"site": "PLANT1", "x": 1}, headers=ADMIN), 422, "validation"
    )
    kiosk = server.device("P1-BENCH")
    problem(put(f"{shops}/{SHOP}", json={"site": "PLANT1"}, headers=kiosk), 403, "forbidden")
    problem(server.client.get(shops), 401, "unauthorized")
    assert admin(server, "GET", "/shopify/shops") == []

    admin(server, "PUT", f"/shopify/shops/{SHOP}", {"site": "PLANT1", "locations": {"1": "MAIN"}})
    admin(server, "PUT", f"/shopify/shops/{SHOP}", {"site": "MAIN"})  # replaces the whole route
    got = admin(server, "GET", f"/shopify/shops/{SHOP}")
    assert (got["site"], got["locations"]) == ("MAIN", {})
    assert server.client.delete(f"{shops}/{SHOP}", headers=ADMIN).status_code == 204
    problem(server.client.delete(f"{shops}/{SHOP}", headers=ADMIN), 404, "not_found")
    deliver(server, "orders/create", order(9101))
    server.drain()
    assert statuses(server) == ["waiting"]  # the route is gone: two sites, so it waits
    known = admin(server, "PUT", f"/shopify/shops/{SHOP}", {})  # known, but routes nothing
    assert (known["routed"], known["site"], known["released"]) == (True, None, 1)
    server.drain()
    assert statuses(server) == ["waiting"]


def test_the_worker_applies_waiting_orders_as_soon_as_the_shop_is_routed(engine: Engine) -> None:
    with make_server(engine, inbox_worker=True, inbox_poll_seconds=60) as server:
        simple_plant(server.plant)
        add_site(server, "PLANT1", "P1-BENCH")
        deliver(server, "orders/create", order(9201))
        wait_for(lambda: statuses(server) == ["waiting"])
        admin(server, "PUT", f"/shopify/shops/{SHOP}", {"site": "PLANT1"})
        # Woken by the route, not by its minute-long poll.
        wait_for(lambda: sites_of_orders(server) == {"9201": "PLANT1"})


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)
