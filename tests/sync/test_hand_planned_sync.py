"""A work order whose materials the office planned by hand, for a product without a
BOM, reaches the kiosk as planned, and what the operator builds there consumes those
lines on the server (a real server on loopback)."""

from __future__ import annotations

from decimal import Decimal

from kiosk.commands import (
    ConfirmWorkOrder,
    CreateWorkOrder,
    ItemSpec,
    LogOutput,
    MaterialSpec,
    StartWorkOrder,
)
from tests.builders import OFFICE
from tests.sync.conftest import SyncWorld


def test_the_kiosk_builds_a_hand_planned_work_order(world: SyncWorld) -> None:
    world.plant.product("BRACKET")  # no BOM
    result = world.plant.run(
        CreateWorkOrder(
            items=[ItemSpec("BRACKET", 4)],
            materials=[MaterialSpec("BOLT", 10), MaterialSpec("PLATE", 2)],
            workstation="W-1",
            actor=OFFICE,
        )
    )
    wo_id = str(result.data["work_order_id"])
    world.plant.run(ConfirmWorkOrder(work_order_id=wo_id, actor=OFFICE))
    badge = world.operator("H001")

    kiosk = world.kiosk("W-1")
    kiosk.sync()
    local = kiosk.station.work_order(wo_id)
    assert local.materials_by_hand
    assert {(m.sku, m.required) for m in local.materials} == {("BOLT", 10), ("PLATE", 2)}

    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo_id, actor=kiosk.actor(badge)))
    kiosk.run(LogOutput(work_order_id=wo_id, qty=2, actor=kiosk.actor(badge)))
    kiosk.sync()

    on_server = world.plant.wo(wo_id)
    assert on_server.items[0].qty_done == 2
    assert {m.sku: m.consumed for m in on_server.materials} == {
        "BOLT": Decimal(5),
        "PLATE": Decimal(1),
    }
    assert [r.operator_badge for r in on_server.runs] == [badge]
