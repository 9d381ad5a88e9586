"""The orchestrator's worked example, end to end (a first check the plumbing holds)."""

from decimal import Decimal

from kiosk.commands import IngestSalesOrder, LineSpec
from tests.builders import OFFICE, Plant, simple_plant


def test_ten_ordered_six_available_reserves_six_and_builds_four(plant: Plant) -> None:
    simple_plant(plant)
    plant.receive("WIDGET", 6)
    plant.receive("BOLT", 100)
    plant.receive("PLATE", 100)
    result = plant.run(
        IngestSalesOrder(external_id="SO-1", lines=[LineSpec("1", "widget", 10)], actor=OFFICE)
    )
    so = plant.sales_order(result.data["sales_order_id"])
    line = so.lines[0]
    assert line.qty_from_stock == 6
    assert line.qty_from_work_orders == 4
    wo = plant.wo(line.work_order_ids[0])
    assert wo.type == "MTO"
    assert wo.status == "ready"
    assert wo.qty_planned == 4
    assert plant.stock("WIDGET").reserved == 6
    assert {m.sku: m.reserved for m in wo.materials} == {"BOLT": Decimal(8), "PLATE": Decimal(4)}
