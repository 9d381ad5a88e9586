"""The README's runbooks, followed step by step against a real server (SQLite and
PostgreSQL): replace a tablet, add a second site. The upgrade runbook's pieces are
tests/packaging/test_upgrade.py (every older schema migrates) and
tests/sync/test_server_restore.py (kiosks after a roll-back to a backup)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import text

from kiosk import queries
from kiosk.commands import ClockIn, LogOutput, StartWorkOrder
from sync.client import NotEnrolled
from tests.sync.conftest import ADMIN, API, Kiosk, SyncWorld


def call(world: SyncWorld, method: str, path: str, body: Any = None) -> Any:
    answer = requests.request(
        method, f"{world.url}{API}{path}", json=body, headers=ADMIN, timeout=10
    )
    assert answer.ok, (method, path, answer.status_code, answer.text)
    return answer.json() if answer.content else None


def device(world: SyncWorld, device_id: str) -> dict[str, Any]:
    return next(d for d in call(world, "GET", "/devices") if d["id"] == device_id)


def done_on(kiosk: Kiosk, work_order_id: str) -> Decimal:
    with kiosk.station.bus.read() as session:
        return queries.work_order(session, work_order_id).qty_done


def rows(kiosk: Kiosk, sql: str) -> list[Any]:
    with kiosk.engine.connect() as conn:
        return list(conn.execute(text(sql)).scalars())


def test_replace_a_tablet_revoke_wipe_and_enrol_again(world: SyncWorld) -> None:
    old = world.kiosk("W-1")
    badge = world.operator("4001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    old.sync()
    old.run(ClockIn(badge=badge, actor=old.actor(badge)))
    old.run(StartWorkOrder(work_order_id=wo, actor=old.actor(badge)))
    old.run(LogOutput(work_order_id=wo, qty=3, actor=old.actor(badge)))
    old.sync()

    # 1. Nothing waits on the old tablet (GET /devices: actions_waiting 0), so wiping it
    #    loses nothing; then revoke it.
    assert device(world, old.device_id)["actions_waiting"] == 0
    call(world, "POST", f"/devices/{old.device_id}/revoke")
    with pytest.raises(NotEnrolled):
        old.sync()  # its token is dead at once: a stolen tablet syncs nothing more
    assert device(world, old.device_id)["revoked_at"] is not None

    # 2. The new (or wiped) tablet: an empty store, a new code for the same workstation.
    new = world.kiosk("W-1")
    new.sync()
    assert new.device_id != old.device_id
    assert done_on(new, wo) == 3  # the snapshot has the old tablet's work
    # The people clocked in there are still clocked in; the next action asks who it is.
    new.run(LogOutput(work_order_id=wo, qty=2, actor=new.actor(badge)))
    new.sync()
    assert world.plant.wo(wo).qty_done == 5
    assert device(world, new.device_id)["actions_waiting"] == 0


def test_add_a_second_site_with_its_own_kiosk_people_stock_and_orders(
    world: SyncWorld,
) -> None:
    main = world.kiosk("W-1")
    call(world, "POST", "/sites", {"code": "EAST", "name": "East hall"})
    call(
        world, "POST", "/workstations", {"code": "E-ASSY", "name": "East assembly", "site": "EAST"}
    )
    call(
        world,
        "POST",
        "/operators",
        {"badge": "5001", "name": "Erin East", "pin": "2468", "role": "operator", "site": "EAST"},
    )
    for sku in ("BOLT", "PLATE"):
        call(world, "POST", "/stock/receipts", {"sku": sku, "qty": "500", "site": "EAST"})
    # Shopify orders of the east hall's shop go there (README, "Shopify").
    call(world, "PUT", "/shopify/shops/east-hall.myshopify.com", {"site": "EAST"})

    east = world.kiosk("E-ASSY")
    order = call(
        world,
        "POST",
        "/sales-orders",
        {
            "external_id": "EAST-1",
            "site": "EAST",
            "lines": [{"line_id": 1, "sku": "WIDGET", "qty": 4}],
        },
    )
    east.sync()
    main.sync()

    assert call(world, "GET", "/stock/BOLT?site=EAST")["on_hand"] == "500"
    assert rows(east, "SELECT code FROM workstation") == ["E-ASSY"]
    assert "5001" in rows(east, "SELECT badge FROM operator")
    assert "5001" not in rows(main, "SELECT badge FROM operator")
    made = [wo for line in order["lines"] for wo in line["work_order_ids"]]
    assert made, order
    assert set(made) <= set(rows(east, "SELECT id FROM work_order"))
    assert not set(made) & set(rows(main, "SELECT id FROM work_order"))
    sites = {s["code"]: s for s in call(world, "GET", "/sites")}
    assert set(sites) >= {"MAIN", "EAST"}
    assert sites["MAIN"]["is_default"] is True
