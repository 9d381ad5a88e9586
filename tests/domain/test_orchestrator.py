"""The orchestrator (DOMAIN.md, "From sales order to work order"), through the real bus.

Each incoming line is matched, covered from available stock first, and the rest is
built by an MTO work order (an existing not-started one for the product is extended,
otherwise a new one is created, assigned round-robin and allocated all-or-nothing),
or back-ordered when the product has no BOM.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from kiosk.commands import (
    IngestSalesOrder,
    LineSpec,
    RaiseHold,
    StartWorkOrder,
)
from kiosk.domain.errors import ValidationError
from kiosk.queries import WorkOrderView
from kiosk.store.models import (
    AuditEntry,
    Notification,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    WoLink,
    WorkOrder,
    Workstation,
)
from tests.builders import OFFICE, Plant

D = Decimal


# -- helpers -------------------------------------------------------------------------


pytestmark = pytest.mark.usefixtures("cheap_pins")


def ingest(plant: Plant, external_id: str, *lines: tuple[str, str, int | str]) -> str:
    """Ingest an API order with (line id, sku, qty) lines; returns the sales-order id."""
    result = plant.run(
        IngestSalesOrder(
            external_id=external_id,
            lines=[LineSpec(line_id, sku, qty) for line_id, sku, qty in lines],
            actor=OFFICE,
        )
    )
    return str(result.data["sales_order_id"])


def widget_plant(plant: Plant) -> None:
    """simple_plant without the gadget: a widget from 2 bolts and 1 plate (Cut, Weld)."""
    for sku in ("BOLT", "PLATE", "WIDGET"):
        plant.product(sku)
    plant.bom("WIDGET", {"BOLT": 2, "PLATE": 1}, steps=("Cut", "Weld"))


def stocked_plant(plant: Plant, *, widgets: int = 0, bolts: int = 100, plates: int = 100) -> None:
    widget_plant(plant)
    if widgets:
        plant.receive("WIDGET", widgets)
    if bolts:
        plant.receive("BOLT", bolts)
    if plates:
        plant.receive("PLATE", plates)


def reserved_by_sku(wo: WorkOrderView) -> dict[str, Decimal]:
    return {m.sku: m.reserved for m in wo.materials}


def all_work_order_ids(plant: Plant) -> list[str]:
    with plant.bus.read() as session:
        return list(session.scalars(select(WorkOrder.id).order_by(WorkOrder.number)))


def force_status(plant: Plant, work_order_id: str, status: str) -> None:
    """Put a WO in a status no command leads to for an MTO WO (draft): test setup only.

    Only used on a blocked WO, which holds no reservation, so the draft is consistent.
    """
    with plant.bus.engine.begin() as conn:
        conn.execute(update(WorkOrder).where(WorkOrder.id == work_order_id).values(status=status))


def deactivate_workstation(plant: Plant, code: str) -> None:
    """No command switches a workstation off yet; the office would do it in admin."""
    with plant.bus.engine.begin() as conn:
        conn.execute(update(Workstation).where(Workstation.code == code).values(active=False))


def snapshot(plant: Plant) -> dict[str, object]:
    """Everything an ingest can change, as plain values."""
    with plant.bus.read() as session:
        return {
            "orders": session.scalars(select(SalesOrder.id).order_by(SalesOrder.id)).all(),
            "lines": session.execute(
                select(
                    SalesOrderLine.id,
                    SalesOrderLine.qty,
                    SalesOrderLine.qty_from_stock,
                    SalesOrderLine.qty_from_work_orders,
                    SalesOrderLine.qty_reserved,
                ).order_by(SalesOrderLine.id)
            ).all(),
            "work_orders": session.execute(
                select(WorkOrder.id, WorkOrder.status, WorkOrder.version).order_by(WorkOrder.id)
            ).all(),
            "links": session.execute(select(WoLink.id, WoLink.qty).order_by(WoLink.id)).all(),
            "stock": session.execute(
                select(StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved).order_by(
                    StockLevel.product_id
                )
            ).all(),
            "notifications": session.scalars(
                select(Notification.id).order_by(Notification.id)
            ).all(),
        }


# -- the worked example ------------------------------------------------------------------


def test_worked_example_ten_ordered_six_available(plant: Plant) -> None:
    stocked_plant(plant, widgets=6)
    so_id = ingest(plant, "SO-1", ("1", "WIDGET", 10))

    so = plant.sales_order(so_id)
    assert so.status == "open"
    (line,) = so.lines
    assert (line.qty, line.qty_from_stock, line.qty_from_work_orders) == (10, 6, 4)
    assert line.qty_backordered == 0
    assert line.qty_reserved == 6
    assert plant.stock("WIDGET").reserved == 6
    assert plant.stock("WIDGET").available == 0

    (wo_id,) = line.work_order_ids
    wo = plant.wo(wo_id)
    assert (wo.type, wo.status, wo.qty_planned) == ("MTO", "ready", 4)
    assert [(lk.external_id, lk.line_id, lk.qty) for lk in wo.links] == [("SO-1", "1", 4)]
    assert reserved_by_sku(wo) == {"BOLT": 8, "PLATE": 4}
    assert plant.stock("BOLT").reserved == 8
    assert plant.stock("PLATE").reserved == 4
    assert plant.notifications() == []


def test_line_fully_in_stock_creates_no_work_order(plant: Plant) -> None:
    stocked_plant(plant, widgets=10)
    so_id = ingest(plant, "SO-1", ("1", "WIDGET", 10))
    (line,) = plant.sales_order(so_id).lines
    assert (line.qty_from_stock, line.qty_from_work_orders, line.work_order_ids) == (10, 0, ())
    assert plant.count(WorkOrder) == 0
    assert plant.stock("WIDGET").reserved == 10


# -- contention ------------------------------------------------------------------------


def test_two_lines_of_one_order_share_the_stock_in_line_order(plant: Plant) -> None:
    stocked_plant(plant, widgets=6)
    so_id = ingest(plant, "SO-1", ("a", "WIDGET", 4), ("b", "WIDGET", 5))

    first, second = plant.sales_order(so_id).lines
    assert first.line_id == "a"
    assert (first.qty_from_stock, first.qty_from_work_orders) == (4, 0)
    # The second line only gets what the first one left.
    assert (second.qty_from_stock, second.qty_from_work_orders) == (2, 3)
    assert plant.stock("WIDGET").reserved == 6
    (wo_id,) = second.work_order_ids
    assert plant.wo(wo_id).qty_planned == 3


def test_two_lines_short_of_stock_build_in_one_work_order(plant: Plant) -> None:
    stocked_plant(plant, widgets=6)
    so_id = ingest(plant, "SO-1", ("a", "WIDGET", 8), ("b", "WIDGET", 3))

    first, second = plant.sales_order(so_id).lines
    assert (first.qty_from_stock, first.qty_from_work_orders) == (6, 2)
    assert (second.qty_from_stock, second.qty_from_work_orders) == (0, 3)
    # The second line extends the WO the first one created (it has not started).
    assert first.work_order_ids == second.work_order_ids
    wo = plant.wo(first.work_order_ids[0])
    assert wo.qty_planned == 5
    assert sorted((lk.line_id, lk.qty) for lk in wo.links) == [("a", 2), ("b", 3)]
    assert reserved_by_sku(wo) == {"BOLT": 10, "PLATE": 5}
    assert plant.count(WorkOrder) == 1


def test_second_order_gets_what_the_first_left(plant: Plant) -> None:
    stocked_plant(plant, widgets=10)
    first_id = ingest(plant, "SO-1", ("1", "WIDGET", 6))
    second_id = ingest(plant, "SO-2", ("1", "WIDGET", 7))

    (first,) = plant.sales_order(first_id).lines
    (second,) = plant.sales_order(second_id).lines
    assert (first.qty_from_stock, first.qty_from_work_orders) == (6, 0)
    assert (second.qty_from_stock, second.qty_from_work_orders) == (4, 3)
    assert plant.stock("WIDGET").reserved == 10
    (wo_id,) = second.work_order_ids
    assert [(lk.external_id, lk.qty) for lk in plant.wo(wo_id).links] == [("SO-2", 3)]


def test_reservations_of_a_work_order_count_against_a_later_order(plant: Plant) -> None:
    """Materials one MTO WO reserved are not available to the next (all-or-nothing)."""
    stocked_plant(plant, bolts=10, plates=10)
    first_id = ingest(plant, "SO-1", ("1", "WIDGET", 4))  # needs 8 bolts, 4 plates
    wo_first = plant.sales_order(first_id).lines[0].work_order_ids[0]
    plant.run(StartWorkOrder(work_order_id=wo_first, actor=plant.operator()))
    second_id = ingest(plant, "SO-2", ("1", "WIDGET", 2))  # needs 4 bolts: only 2 left

    wo_second = plant.sales_order(second_id).lines[0].work_order_ids[0]
    assert wo_second != wo_first
    assert plant.wo(wo_second).status == "blocked"
    assert reserved_by_sku(plant.wo(wo_second)) == {"BOLT": 0, "PLATE": 0}
    assert plant.stock("BOLT").reserved == 8
    assert plant.stock("PLATE").reserved == 4


# -- extending a not-started MTO work order ------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "ready", "blocked"])
def test_not_started_mto_work_order_is_extended(plant: Plant, status: str) -> None:
    stocked_plant(plant, plates=0 if status in ("draft", "blocked") else 100)
    first_id = ingest(plant, "SO-1", ("1", "WIDGET", 4))
    (wo_id,) = plant.sales_order(first_id).lines[0].work_order_ids
    if status == "draft":
        force_status(plant, wo_id, "draft")
    assert plant.wo(wo_id).status == status

    second_id = ingest(plant, "SO-2", ("x", "WIDGET", 3))

    (second,) = plant.sales_order(second_id).lines
    assert second.work_order_ids == (wo_id,)
    assert second.qty_from_work_orders == 3
    wo = plant.wo(wo_id)
    assert wo.type == "MTO"
    assert wo.qty_planned == 7
    assert sorted((lk.external_id, lk.line_id, lk.qty) for lk in wo.links) == [
        ("SO-1", "1", 4),
        ("SO-2", "x", 3),
    ]
    assert plant.count(WorkOrder) == 1
    # Materials are spread again for the new quantity.
    assert {m.sku: m.required for m in wo.materials} == {"BOLT": 14, "PLATE": 7}
    if status == "ready":
        assert wo.status == "ready"
        assert reserved_by_sku(wo) == {"BOLT": 14, "PLATE": 7}
        assert plant.stock("BOLT").reserved == 14
    elif status == "blocked":
        assert wo.status == "blocked"
        assert reserved_by_sku(wo) == {"BOLT": 0, "PLATE": 0}
        assert plant.stock("BOLT").reserved == 0
    else:
        assert wo.status == "draft"
        assert plant.stock("BOLT").reserved == 0


@pytest.mark.parametrize("status", ["in_progress", "on_hold"])
def test_started_work_order_is_not_extended(plant: Plant, status: str) -> None:
    stocked_plant(plant)
    operator = plant.operator()
    first_id = ingest(plant, "SO-1", ("1", "WIDGET", 4))
    (wo_id,) = plant.sales_order(first_id).lines[0].work_order_ids
    plant.run(StartWorkOrder(work_order_id=wo_id, actor=operator))
    if status == "on_hold":
        plant.run(RaiseHold(work_order_id=wo_id, reason="machine_down", actor=operator))
    before = plant.wo(wo_id)
    assert before.status == status

    second_id = ingest(plant, "SO-2", ("1", "WIDGET", 3))

    (second,) = plant.sales_order(second_id).lines
    (new_wo_id,) = second.work_order_ids
    assert new_wo_id != wo_id
    new_wo = plant.wo(new_wo_id)
    assert (new_wo.type, new_wo.status, new_wo.qty_planned) == ("MTO", "ready", 3)
    after = plant.wo(wo_id)
    assert after.qty_planned == 4
    assert after.version == before.version
    assert [lk.external_id for lk in after.links] == ["SO-1"]


def test_make_to_stock_work_order_is_not_extended(plant: Plant) -> None:
    """DOMAIN: the orchestrator extends an existing *MTO* work order; an office MTS one
    builds for stock and stays as planned."""
    stocked_plant(plant)
    mts_id = plant.ready_work_order("WIDGET", 5)

    so_id = ingest(plant, "SO-1", ("1", "WIDGET", 3))

    (line,) = plant.sales_order(so_id).lines
    (wo_id,) = line.work_order_ids
    assert wo_id != mts_id
    assert plant.wo(wo_id).type == "MTO"
    mts = plant.wo(mts_id)
    assert (mts.type, mts.qty_planned, mts.links) == ("MTS", 5, ())


def test_work_order_for_another_product_is_not_extended(plant: Plant) -> None:
    stocked_plant(plant)
    plant.product("GADGET")
    plant.bom("GADGET", {"WIDGET": 1, "BOLT": 1}, steps=("Assemble",))
    gadget_order = ingest(plant, "SO-1", ("1", "GADGET", 2))
    (gadget_wo,) = plant.sales_order(gadget_order).lines[0].work_order_ids
    widget_order = ingest(plant, "SO-2", ("1", "WIDGET", 2))
    (widget_wo,) = plant.sales_order(widget_order).lines[0].work_order_ids
    assert widget_wo != gadget_wo
    assert plant.wo(gadget_wo).qty_planned == 2
    assert [i.sku for i in plant.wo(widget_wo).items] == ["WIDGET"]


# -- workstation assignment -----------------------------------------------------------------


def test_new_work_orders_go_round_robin_to_active_stations_of_the_right_type(
    plant: Plant,
) -> None:
    stocked_plant(plant)
    plant.bom("WIDGET", {"BOLT": 2, "PLATE": 1}, steps=("Weld",), workstation_type="weld")
    plant.workstation("W1", type="weld")
    plant.workstation("W2", type="weld")
    plant.workstation("W3", type="weld")
    plant.workstation("P1", type="paint")
    deactivate_workstation(plant, "W2")

    operator = plant.operator()

    stations = []
    for n in range(5):
        so_id = ingest(plant, f"SO-{n}", ("1", "WIDGET", 1))
        (wo_id,) = plant.sales_order(so_id).lines[0].work_order_ids
        stations.append(plant.wo(wo_id).workstation)
        # Start it, so the next order gets a new WO instead of extending this one.
        plant.run(StartWorkOrder(work_order_id=wo_id, actor=operator))

    assert stations == ["W1", "W3", "W1", "W3", "W1"]


def test_untyped_routing_rotates_over_every_active_station(plant: Plant) -> None:
    stocked_plant(plant)
    plant.workstation("A")
    plant.workstation("B", type="paint")
    operator = plant.operator()

    stations = []
    for n in range(4):
        so_id = ingest(plant, f"SO-{n}", ("1", "WIDGET", 1))
        (wo_id,) = plant.sales_order(so_id).lines[0].work_order_ids
        stations.append(plant.wo(wo_id).workstation)
        plant.run(StartWorkOrder(work_order_id=wo_id, actor=operator))

    assert stations == ["A", "B", "A", "B"]


def test_no_station_of_the_right_type_leaves_the_work_order_unassigned(plant: Plant) -> None:
    stocked_plant(plant)
    plant.bom("WIDGET", {"BOLT": 2, "PLATE": 1}, steps=("Weld",), workstation_type="weld")
    plant.workstation("P1", type="paint")
    so_id = ingest(plant, "SO-1", ("1", "WIDGET", 1))
    (wo_id,) = plant.sales_order(so_id).lines[0].work_order_ids
    assert plant.wo(wo_id).workstation is None


def test_extending_keeps_the_assigned_station(plant: Plant) -> None:
    stocked_plant(plant)
    plant.workstation("A")
    plant.workstation("B")
    first = ingest(plant, "SO-1", ("1", "WIDGET", 1))
    (wo_id,) = plant.sales_order(first).lines[0].work_order_ids
    ingest(plant, "SO-2", ("1", "WIDGET", 1))
    assert plant.wo(wo_id).workstation == "A"
    assert plant.count(WorkOrder) == 1
    # The turn was not used up by the extension: the next new WO goes to B.
    plant.run(StartWorkOrder(work_order_id=wo_id, actor=plant.operator()))
    third = ingest(plant, "SO-3", ("1", "WIDGET", 1))
    (third_wo,) = plant.sales_order(third).lines[0].work_order_ids
    assert plant.wo(third_wo).workstation == "B"


# -- shortages, unmatched SKUs, back-orders ---------------------------------------------------


def test_short_materials_block_the_work_order_reserving_nothing(plant: Plant) -> None:
    stocked_plant(plant, bolts=100, plates=3)
    so_id = ingest(plant, "SO-1", ("1", "WIDGET", 5))

    (line,) = plant.sales_order(so_id).lines
    assert line.qty_from_work_orders == 5
    (wo_id,) = line.work_order_ids
    wo = plant.wo(wo_id)
    assert (wo.type, wo.status) == ("MTO", "blocked")
    # All or nothing: the bolts that were there are not held either.
    assert reserved_by_sku(wo) == {"BOLT": 0, "PLATE": 0}
    assert plant.stock("BOLT").reserved == 0
    assert plant.stock("PLATE").reserved == 0
    assert [(m.sku, m.short) for m in wo.short] == [("PLATE", 2)]
    (shortage,) = plant.notifications("material_shortage")
    assert wo.number in shortage
    assert "PLATE" in shortage
    assert "BOLT" not in shortage


def test_unmatched_sku_is_recorded_and_notified_without_a_work_order(plant: Plant) -> None:
    stocked_plant(plant, widgets=1)
    so_id = ingest(plant, "SO-1", ("1", "NO-SUCH-THING", 3), ("2", "WIDGET", 1))

    unmatched, matched = plant.sales_order(so_id).lines
    assert (unmatched.line_id, unmatched.sku, unmatched.qty) == ("1", "NO-SUCH-THING", 3)
    assert unmatched.status == "unmatched"
    assert (unmatched.qty_from_stock, unmatched.qty_from_work_orders) == (0, 0)
    assert unmatched.work_order_ids == ()
    (note,) = plant.notifications("unmatched_sku")
    assert "NO-SUCH-THING" in note
    assert "SO-1" in note
    # The other line is covered as usual.
    assert matched.status == "matched"
    assert matched.qty_from_stock == 1
    assert plant.count(WorkOrder) == 0


def test_product_without_bom_is_back_ordered_and_notified(plant: Plant) -> None:
    stocked_plant(plant, bolts=30)
    so_id = ingest(plant, "SO-1", ("1", "BOLT", 50))

    (line,) = plant.sales_order(so_id).lines
    assert (line.qty_from_stock, line.qty_from_work_orders, line.qty_backordered) == (30, 0, 20)
    assert line.work_order_ids == ()
    assert plant.count(WorkOrder) == 0
    assert plant.stock("BOLT").reserved == 30
    (note,) = plant.notifications("back_order")
    assert "BOLT" in note
    assert "20" in note


def test_product_without_bom_fully_in_stock_is_not_back_ordered(plant: Plant) -> None:
    stocked_plant(plant, bolts=30)
    so_id = ingest(plant, "SO-1", ("1", "BOLT", 30))
    (line,) = plant.sales_order(so_id).lines
    assert (line.qty_from_stock, line.qty_backordered) == (30, 0)
    assert plant.notifications() == []


def test_sku_matches_case_insensitively_after_trimming(plant: Plant) -> None:
    stocked_plant(plant, widgets=2)
    plant.product("Bracket-a")
    so_id = ingest(
        plant, "SO-1", ("1", "  widget ", 3), ("2", "wIdGeT\t", 1), ("3", " BRACKET-A", 2)
    )
    first, second, third = plant.sales_order(so_id).lines
    assert [line.status for line in (first, second, third)] == ["matched"] * 3
    assert (first.qty_from_stock, first.qty_from_work_orders) == (2, 1)
    assert (second.qty_from_stock, second.qty_from_work_orders) == (0, 1)
    assert first.work_order_ids == second.work_order_ids
    assert plant.wo(first.work_order_ids[0]).items[0].sku == "WIDGET"
    # No BOM for the bracket: matched, then back-ordered (not unmatched).
    assert third.qty_backordered == 2
    assert plant.notifications("unmatched_sku") == []
    assert plant.stock("bracket-A").sku == "Bracket-a"


# -- idempotency -----------------------------------------------------------------------------


def test_same_external_order_twice_changes_nothing(plant: Plant) -> None:
    stocked_plant(plant, widgets=6)
    first = plant.run(
        IngestSalesOrder(external_id="SO-1", lines=[LineSpec("1", "WIDGET", 10)], actor=OFFICE)
    )
    before = snapshot(plant)

    again = plant.run(
        IngestSalesOrder(external_id="SO-1", lines=[LineSpec("1", "WIDGET", 10)], actor=OFFICE)
    )

    assert first.data["created"] is True
    assert again.data == {"sales_order_id": first.data["sales_order_id"], "created": False}
    assert snapshot(plant) == before
    assert plant.count(SalesOrder) == 1
    assert plant.count(WorkOrder) == 1
    assert plant.stock("WIDGET").reserved == 6
    assert plant.stock("BOLT").reserved == 8


def test_retry_with_padded_external_id_is_the_same_order(plant: Plant) -> None:
    stocked_plant(plant, widgets=6)
    ingest(plant, "SO-1", ("1", "WIDGET", 10))
    before = snapshot(plant)
    ingest(plant, "  SO-1 ", ("1", "WIDGET", 10))
    assert snapshot(plant) == before


def test_same_external_id_from_another_source_is_another_order(plant: Plant) -> None:
    stocked_plant(plant, widgets=6)
    ingest(plant, "1001", ("1", "WIDGET", 4))
    plant.run(
        IngestSalesOrder(
            external_id="1001",
            source="shopify",
            lines=[LineSpec("1", "WIDGET", 4)],
            actor=OFFICE,
        )
    )
    assert plant.count(SalesOrder) == 2
    assert plant.stock("WIDGET").reserved == 6


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        pytest.param([("1", "WIDGET", 0)], "more than zero", id="zero"),
        pytest.param([("1", "WIDGET", -3)], "negative", id="negative"),
        pytest.param([("1", "WIDGET", "1.5")], "whole", id="fraction"),
        pytest.param([("1", "WIDGET", 2), ("2", "WIDGET", 0)], "line 2", id="second-line-zero"),
        pytest.param([], "at least one line", id="no-lines"),
        pytest.param([("1", "WIDGET", 2), ("1", "BOLT", 1)], "unique", id="duplicate-line-id"),
        pytest.param([("1", "NOPE", 0)], "more than zero", id="zero-on-unmatched-line"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    plant: Plant, lines: list[tuple[str, str, object]], words: str
) -> None:
    stocked_plant(plant, widgets=6)
    before = snapshot(plant)

    with pytest.raises(ValidationError) as refused:
        plant.run(
            IngestSalesOrder(
                external_id="SO-BAD",
                lines=[LineSpec(line_id, sku, qty) for line_id, sku, qty in lines],  # type: ignore[arg-type]
                actor=OFFICE,
            )
        )

    assert words in refused.value.message
    assert snapshot(plant) == before
    assert plant.count(SalesOrder) == 0
    with plant.bus.read() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.command_type == "ingest_sales_order")
        ).all()
    assert [(a.result, a.code) for a in audit] == [("refused", "validation")]
    # A corrected retry of the same order goes through.
    ingest(plant, "SO-BAD", ("1", "WIDGET", 2))
    assert plant.stock("WIDGET").reserved == 2


def test_missing_external_id_is_refused(plant: Plant) -> None:
    stocked_plant(plant)
    with pytest.raises(ValidationError):
        plant.run(
            IngestSalesOrder(external_id="  ", lines=[LineSpec("1", "WIDGET", 1)], actor=OFFICE)
        )
    assert plant.count(SalesOrder) == 0


def test_a_refused_line_rolls_back_the_lines_before_it(plant: Plant) -> None:
    """One transaction: a bad later line leaves no trace of the earlier good ones."""
    stocked_plant(plant, widgets=6)
    with pytest.raises(ValidationError):
        ingest(plant, "SO-1", ("1", "WIDGET", 10), ("2", "BOLT", "-1"))
    assert plant.count(SalesOrderLine) == 0
    assert plant.count(WorkOrder) == 0
    assert plant.stock("WIDGET").reserved == 0
    assert plant.notifications() == []
