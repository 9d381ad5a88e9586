"""DOMAIN.md, "When a sales order changes": every row of the table, for MTO and MTS,
and the supervisor's answer to an unlinked work order.

| WO type | WO status                       | quantity changed  | line gone *    |
| MTS     | any                             | no effect         | no effect      |
| MTO     | draft, ready                    | WO follows        | WO cancelled   |
| MTO     | blocked, in_progress, on_hold,  | unlinked: becomes | same           |
|         | completed                       | MTS, message kept |                |

(*) removed, order cancelled, refunded or deleted. A cancelled WO releases its
reservations.

The scenario: WIDGET (2 bolts + 1 plate, steps Cut and Weld) with 2 widgets in stock;
order SO-1 line "1" asks for 6, so 2 are reserved from stock and an MTO WO builds 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from kiosk.commands import (
    AcceptSalesOrderChange,
    Actor,
    CancelSalesOrder,
    ChangeSalesOrder,
    CompleteStep,
    CompleteWorkOrder,
    ConfirmWorkOrder,
    DeleteSalesOrder,
    IngestSalesOrder,
    KeepAsStock,
    LineChange,
    LineSpec,
    LogOutput,
    RaiseHold,
    StartWorkOrder,
)
from kiosk.domain.errors import Conflict, Forbidden, NotFound, ValidationError
from kiosk.queries import WorkOrderView
from kiosk.store.models import SalesOrder, SalesOrderLine, WorkOrder
from tests.builders import OFFICE, Plant, simple_plant

ORDERED = 6
IN_STOCK = 2
BUILT_BY_WO = ORDERED - IN_STOCK

FOLLOWING = ["draft", "ready"]
UNLINKING = ["blocked", "in_progress", "on_hold", "completed"]
QTY_CHANGES = {"qty_up": 8, "qty_down": 5}
GONE = ["line_removed", "cancelled", "refunded", "deleted"]
#: The reason each change names in an unlink message.
REASON = {
    "qty_up": "quantity changed",
    "qty_down": "quantity changed",
    "line_removed": "line removed",
    "cancelled": "order cancelled",
    "refunded": "order refunded",
    "deleted": "order deleted",
}
#: Units each status has already finished (and so handed to the line) in the scenario.
DELIVERED = {"draft": 0, "ready": 0, "blocked": 0, "in_progress": 1, "on_hold": 1, "completed": 4}


# -- scenario helpers --------------------------------------------------------------------------


pytestmark = pytest.mark.usefixtures("cheap_pins")


@dataclass
class Scenario:
    so_id: str
    wo_id: str
    operator: Actor | None


def widget_plant(plant: Plant) -> None:
    """simple_plant without the gadget: a widget from 2 bolts and 1 plate (Cut, Weld)."""
    for sku in ("BOLT", "PLATE", "WIDGET"):
        plant.product(sku)
    plant.bom("WIDGET", {"BOLT": 2, "PLATE": 1}, steps=("Cut", "Weld"))


def force_status(plant: Plant, work_order_id: str, status: str) -> None:
    """No command leaves an MTO WO in draft (the orchestrator allocates at once); set it
    directly for the table's draft row. Only used on a blocked WO, which holds nothing."""
    with plant.bus.engine.begin() as conn:
        conn.execute(update(WorkOrder).where(WorkOrder.id == work_order_id).values(status=status))


def bring_to(plant: Plant, wo_id: str, status: str, operator: Actor | None, built: int) -> None:
    """Move a ready (or blocked, for draft/blocked) WO to ``status`` through real commands."""
    if status == "draft":
        force_status(plant, wo_id, "draft")
    if status in ("draft", "ready", "blocked"):
        assert plant.wo(wo_id).status == status
        return
    assert operator is not None
    plant.run(StartWorkOrder(work_order_id=wo_id, actor=operator))
    if built:
        plant.run(LogOutput(work_order_id=wo_id, qty=built, actor=operator))
    if status == "on_hold":
        plant.run(RaiseHold(work_order_id=wo_id, reason="tooling", actor=operator))
    if status == "completed":
        for step in plant.wo(wo_id).steps:
            plant.run(CompleteStep(work_order_id=wo_id, step_id=step.id, actor=operator))
        plant.run(CompleteWorkOrder(work_order_id=wo_id, actor=operator))


def linked_work_order(plant: Plant, status: str) -> Scenario:
    """SO-1 line 1: 6 widgets, 2 from stock, an MTO WO for 4 in ``status``."""
    widget_plant(plant)
    plant.receive("WIDGET", IN_STOCK)
    plant.receive("BOLT", 100)
    # Draft and blocked: too few plates, so the WO is blocked (and holds nothing).
    plant.receive("PLATE", 3 if status in ("draft", "blocked") else 100)
    operator = plant.operator() if status in ("in_progress", "on_hold", "completed") else None
    result = plant.run(
        IngestSalesOrder(external_id="SO-1", lines=[LineSpec("1", "WIDGET", ORDERED)], actor=OFFICE)
    )
    so_id = str(result.data["sales_order_id"])
    (wo_id,) = plant.sales_order(so_id).lines[0].work_order_ids
    bring_to(plant, wo_id, status, operator, DELIVERED[status])
    return Scenario(so_id, wo_id, operator)


def apply_change(plant: Plant, so_id: str, change: str, line_id: str = "1") -> None:
    if change in QTY_CHANGES:
        plant.run(
            ChangeSalesOrder(
                sales_order_id=so_id,
                lines=[LineChange(line_id, QTY_CHANGES[change])],
                actor=OFFICE,
            )
        )
    elif change == "line_removed":
        plant.run(
            ChangeSalesOrder(sales_order_id=so_id, lines=[LineChange(line_id, 0)], actor=OFFICE)
        )
    elif change in ("cancelled", "refunded"):
        plant.run(
            CancelSalesOrder(sales_order_id=so_id, refunded=change == "refunded", actor=OFFICE)
        )
    elif change == "deleted":
        plant.run(DeleteSalesOrder(sales_order_id=so_id, actor=OFFICE))
    else:  # pragma: no cover - a typo in a parameter
        raise AssertionError(change)


def new_qty(change: str) -> int:
    return QTY_CHANGES.get(change, 0)


@dataclass(frozen=True)
class LineRow:
    qty: Decimal
    from_stock: Decimal
    from_work_orders: Decimal
    reserved: Decimal
    order_status: str
    deleted: bool


def line_row(plant: Plant, so_id: str, line_id: str = "1") -> LineRow:
    """The stored line, readable even after its order was deleted (a tombstone)."""
    with plant.bus.read() as session:
        so = session.get(SalesOrder, so_id)
        assert so is not None
        line = session.scalars(
            select(SalesOrderLine).where(
                SalesOrderLine.sales_order_id == so_id, SalesOrderLine.line_id == line_id
            )
        ).one()
        return LineRow(
            line.qty,
            line.qty_from_stock,
            line.qty_from_work_orders,
            line.qty_reserved,
            so.status,
            so.deleted_at is not None,
        )


def reserved_by_sku(wo: WorkOrderView) -> dict[str, Decimal]:
    return {m.sku: m.reserved for m in wo.materials}


def messages(wo: WorkOrderView, kind: str) -> list[str]:
    return [m.text for m in wo.messages if m.kind == kind]


def expected_order_status(change: str) -> str:
    return {"cancelled": "cancelled", "refunded": "refunded", "deleted": "cancelled"}.get(
        change, "open"
    )


# -- MTO, draft or ready: the WO follows the order ---------------------------------------------


@pytest.mark.parametrize("change", list(QTY_CHANGES))
@pytest.mark.parametrize("status", FOLLOWING)
def test_mto_not_started_follows_a_quantity_change(plant: Plant, status: str, change: str) -> None:
    s = linked_work_order(plant, status)

    apply_change(plant, s.so_id, change)

    wanted = new_qty(change) - IN_STOCK
    wo = plant.wo(s.wo_id)
    assert (wo.type, wo.status, wo.unlink_pending) == ("MTO", status, False)
    assert wo.qty_planned == wanted
    assert [(lk.external_id, lk.line_id, lk.qty) for lk in wo.links] == [("SO-1", "1", wanted)]
    # Materials re-spread for the new quantity ...
    assert {m.sku: m.required for m in wo.materials} == {"BOLT": 2 * wanted, "PLATE": wanted}
    # ... and re-allocated (a draft holds nothing until it is confirmed).
    held = {"BOLT": 2 * wanted, "PLATE": wanted} if status == "ready" else {"BOLT": 0, "PLATE": 0}
    assert reserved_by_sku(wo) == held
    assert plant.stock("BOLT").reserved == held["BOLT"]
    assert plant.stock("PLATE").reserved == held["PLATE"]
    line = line_row(plant, s.so_id)
    assert (line.qty, line.from_stock, line.from_work_orders) == (new_qty(change), 2, wanted)
    assert line.reserved == IN_STOCK == plant.stock("WIDGET").reserved
    assert wo.messages == ()
    assert plant.notifications("unlinked") == []


@pytest.mark.parametrize(
    ("status", "change"),
    [("ready", change) for change in GONE] + [("draft", "line_removed"), ("draft", "deleted")],
)
def test_mto_not_started_is_cancelled_when_its_line_goes(
    plant: Plant, status: str, change: str
) -> None:
    s = linked_work_order(plant, status)

    apply_change(plant, s.so_id, change)

    wo = plant.wo(s.wo_id)
    assert wo.status == "cancelled"
    assert wo.unlink_pending is False
    assert all(m.reserved == 0 for m in wo.materials)
    for sku in ("BOLT", "PLATE", "WIDGET"):
        assert plant.stock(sku).reserved == 0, sku
    line = line_row(plant, s.so_id)
    assert (line.from_stock, line.from_work_orders, line.reserved) == (0, 0, 0)
    assert line.order_status == expected_order_status(change)
    assert line.deleted is (change == "deleted")
    assert messages(wo, "unlinked") == []
    assert plant.notifications("unlinked") == []


# -- MTO, blocked or later: the WO is unlinked and becomes MTS ---------------------------------


#: Every status meets both quantity changes; every way a line goes meets a started WO,
#: and each other status meets at least one of them (they share one code path).
UNLINK_CASES = (
    [(status, change) for status in UNLINKING for change in QTY_CHANGES]
    + [("in_progress", change) for change in GONE]
    + [
        ("blocked", "cancelled"),
        ("on_hold", "refunded"),
        ("completed", "line_removed"),
        ("completed", "deleted"),
    ]
)


@pytest.mark.parametrize(("status", "change"), UNLINK_CASES)
def test_mto_blocked_or_started_is_unlinked(plant: Plant, status: str, change: str) -> None:
    s = linked_work_order(plant, status)
    before = plant.wo(s.wo_id)

    apply_change(plant, s.so_id, change)

    wo = plant.wo(s.wo_id)
    assert (wo.type, wo.status) == ("MTS", status)
    assert wo.links == ()
    assert wo.unlink_pending is True  # the amber marker, until a person acts
    assert wo.qty_planned == before.qty_planned == BUILT_BY_WO
    assert wo.qty_done == before.qty_done == DELIVERED[status]
    # It keeps building for stock: its own material reservations are untouched.
    assert reserved_by_sku(wo) == {m.sku: m.reserved for m in before.materials}
    (text,) = messages(wo, "unlinked")
    assert "SO-1" in text
    assert REASON[change] in text
    assert f"from {ORDERED} to {new_qty(change)}" in text
    (note,) = plant.notifications("unlinked")
    assert note == text

    # The line no longer counts on the WO; its stock reservation follows its quantity.
    # Units the WO already finished for it stay reserved for it, now as stock.
    line = line_row(plant, s.so_id)
    assert line.from_work_orders == 0
    held = min(IN_STOCK + DELIVERED[status], new_qty(change))
    assert line.from_stock == held
    assert line.reserved == held == plant.stock("WIDGET").reserved
    assert line.order_status == expected_order_status(change)
    assert line.deleted is (change == "deleted")


# -- MTS, any status: no effect ----------------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["draft", "ready", "blocked", "in_progress", "on_hold", "completed"]
)
def test_make_to_stock_work_order_is_never_touched(plant: Plant, status: str) -> None:
    widget_plant(plant)
    plant.receive("BOLT", 100)
    plant.receive("PLATE", 2 if status == "blocked" else 100)
    operator = plant.operator()
    mts_id = plant.work_order("WIDGET", 4)
    if status != "draft":
        plant.run(ConfirmWorkOrder(work_order_id=mts_id, actor=OFFICE))
    if status not in ("draft", "blocked"):
        bring_to(plant, mts_id, status, operator, 4 if status == "completed" else 1)
    assert plant.wo(mts_id).status == status

    def fingerprint() -> tuple[object, ...]:
        wo = plant.wo(mts_id)
        return (
            wo.type,
            wo.status,
            wo.version,
            wo.unlink_pending,
            wo.qty_planned,
            wo.links,
            wo.messages,
            tuple((m.sku, m.required, m.reserved, m.consumed) for m in wo.materials),
        )

    number = plant.wo(mts_id).number

    def notes_about_it() -> list[str]:
        return [n for n in plant.notifications() if number in n]

    before = fingerprint()
    notes_before = notes_about_it()
    result = plant.run(
        IngestSalesOrder(
            external_id="SO-1",
            lines=[LineSpec("1", "WIDGET", 3), LineSpec("2", "WIDGET", 2)],
            actor=OFFICE,
        )
    )
    so_id = str(result.data["sales_order_id"])
    assert fingerprint() == before
    for change in ("qty_up", "qty_down"):
        apply_change(plant, so_id, change)
        assert fingerprint() == before, change
    apply_change(plant, so_id, "line_removed", line_id="2")
    assert fingerprint() == before
    apply_change(plant, so_id, "cancelled")
    assert fingerprint() == before
    plant.run(DeleteSalesOrder(sales_order_id=so_id, actor=OFFICE))
    assert fingerprint() == before
    assert notes_about_it() == notes_before


def test_work_order_kept_as_stock_ignores_later_changes(plant: Plant) -> None:
    s = linked_work_order(plant, "in_progress")
    supervisor = plant.operator(supervisor=True)
    apply_change(plant, s.so_id, "qty_up")
    plant.run(KeepAsStock(work_order_id=s.wo_id, actor=supervisor))
    kept = plant.wo(s.wo_id)

    apply_change(plant, s.so_id, "qty_down")
    apply_change(plant, s.so_id, "cancelled")

    after = plant.wo(s.wo_id)
    assert (after.type, after.status, after.unlink_pending) == ("MTS", "in_progress", False)
    assert after.version == kept.version
    assert after.messages == kept.messages


# -- unlink messages are permanent -------------------------------------------------------------


def test_every_unlink_message_stays_on_the_work_order(plant: Plant) -> None:
    s = linked_work_order(plant, "in_progress")
    supervisor = plant.operator(supervisor=True)

    apply_change(plant, s.so_id, "qty_up")  # 6 → 8: unlinked
    plant.run(AcceptSalesOrderChange(work_order_id=s.wo_id, actor=supervisor))
    plant.run(
        ChangeSalesOrder(sales_order_id=s.so_id, lines=[LineChange("1", 7)], actor=OFFICE)
    )  # 8 → 7: unlinked again
    first_two = messages(plant.wo(s.wo_id), "unlinked")
    plant.run(KeepAsStock(work_order_id=s.wo_id, actor=supervisor))
    apply_change(plant, s.so_id, "cancelled")

    wo = plant.wo(s.wo_id)
    assert [m.kind for m in wo.messages] == ["unlinked", "relinked", "unlinked", "kept_as_stock"]
    unlinked = messages(wo, "unlinked")
    assert unlinked == first_two
    assert "from 6 to 8" in unlinked[0]
    assert "from 8 to 7" in unlinked[1]
    assert len(plant.notifications("unlinked")) == 2


# -- the supervisor's answer: accept the new quantity, or keep as stock ------------------------


def test_an_operator_cannot_answer_an_unlinked_work_order(plant: Plant) -> None:
    s = linked_work_order(plant, "in_progress")
    apply_change(plant, s.so_id, "qty_up")
    before = plant.wo(s.wo_id)

    for command in (AcceptSalesOrderChange, KeepAsStock):
        with pytest.raises(Forbidden) as refused:
            plant.run(command(work_order_id=s.wo_id, actor=s.operator))
        assert "supervisor" in refused.value.message

    after = plant.wo(s.wo_id)
    assert after == before
    assert (after.type, after.unlink_pending) == ("MTS", True)
    assert line_row(plant, s.so_id).from_work_orders == 0


def test_nothing_to_answer_without_an_unlink(plant: Plant) -> None:
    s = linked_work_order(plant, "ready")
    for command in (AcceptSalesOrderChange, KeepAsStock):
        with pytest.raises(Conflict):
            plant.run(command(work_order_id=s.wo_id, actor=OFFICE))
    wo = plant.wo(s.wo_id)
    assert (wo.type, wo.messages) == ("MTO", ())


@pytest.mark.parametrize("change", list(QTY_CHANGES))
def test_accepting_on_a_started_work_order_relinks_it_for_the_new_quantity(
    plant: Plant, change: str
) -> None:
    s = linked_work_order(plant, "in_progress")  # 1 of 4 already done and reserved for SO-1
    supervisor = plant.operator(supervisor=True)
    apply_change(plant, s.so_id, change)

    plant.run(AcceptSalesOrderChange(work_order_id=s.wo_id, actor=supervisor))

    ordered = new_qty(change)
    covered_by_stock = IN_STOCK + DELIVERED["in_progress"]
    wanted = ordered - covered_by_stock
    wo = plant.wo(s.wo_id)
    assert (wo.type, wo.status, wo.unlink_pending) == ("MTO", "in_progress", False)
    assert [(lk.external_id, lk.line_id, lk.qty) for lk in wo.links] == [("SO-1", "1", wanted)]
    # What is left to build is exactly what the line still lacks.
    assert wo.qty_planned - wo.qty_done == wanted
    (relinked,) = messages(wo, "relinked")
    assert supervisor.badge is not None
    assert supervisor.badge in relinked
    line = line_row(plant, s.so_id)
    assert line.from_stock + line.from_work_orders == ordered

    # Building the rest delivers the whole order.
    plant.run(LogOutput(work_order_id=s.wo_id, qty=wanted, actor=s.operator))
    assert line_row(plant, s.so_id).reserved == ordered
    assert plant.stock("WIDGET").reserved == ordered


def test_accepting_on_a_blocked_work_order_replans_it(plant: Plant) -> None:
    s = linked_work_order(plant, "blocked")  # 3 plates, the WO needs 4
    supervisor = plant.operator(supervisor=True)
    apply_change(plant, s.so_id, "qty_down")  # 6 → 5: the WO should build 3
    assert plant.wo(s.wo_id).type == "MTS"

    plant.run(AcceptSalesOrderChange(work_order_id=s.wo_id, actor=supervisor))

    wo = plant.wo(s.wo_id)
    assert (wo.type, wo.unlink_pending, wo.qty_planned) == ("MTO", False, 3)
    # Three plates are enough now: allocation was tried again and succeeded.
    assert wo.status == "ready"
    assert reserved_by_sku(wo) == {"BOLT": 6, "PLATE": 3}
    assert [(lk.line_id, lk.qty) for lk in wo.links] == [("1", 3)]
    line = line_row(plant, s.so_id)
    assert (line.from_stock, line.from_work_orders) == (2, 3)


def test_accepting_is_refused_for_a_completed_work_order(plant: Plant) -> None:
    s = linked_work_order(plant, "completed")
    apply_change(plant, s.so_id, "qty_up")
    before = plant.wo(s.wo_id)
    with pytest.raises(Conflict) as refused:
        plant.run(AcceptSalesOrderChange(work_order_id=s.wo_id, actor=OFFICE))
    assert "stock" in refused.value.message
    assert plant.wo(s.wo_id) == before


@pytest.mark.parametrize("change", ["line_removed", "refunded"])
def test_accepting_is_refused_when_the_line_is_gone(plant: Plant, change: str) -> None:
    s = linked_work_order(plant, "in_progress")
    apply_change(plant, s.so_id, change)
    before = plant.wo(s.wo_id)
    with pytest.raises(Conflict):
        plant.run(AcceptSalesOrderChange(work_order_id=s.wo_id, actor=OFFICE))
    assert plant.wo(s.wo_id) == before
    # Keeping it as stock is still possible, and builds nothing new for the gone line.
    plant.run(KeepAsStock(work_order_id=s.wo_id, actor=OFFICE))
    wo = plant.wo(s.wo_id)
    assert (wo.type, wo.unlink_pending) == ("MTS", False)
    assert plant.count(WorkOrder) == 1


@pytest.mark.parametrize("status", UNLINKING)
def test_keep_as_stock_leaves_the_wo_mts_and_covers_the_line_afresh(
    plant: Plant, status: str
) -> None:
    s = linked_work_order(plant, status)
    supervisor = plant.operator(supervisor=True)
    apply_change(plant, s.so_id, "qty_up")  # 6 → 8
    before = plant.wo(s.wo_id)

    plant.run(KeepAsStock(work_order_id=s.wo_id, actor=supervisor))

    wo = plant.wo(s.wo_id)
    assert (wo.type, wo.status, wo.unlink_pending) == ("MTS", status, False)
    assert wo.links == ()
    assert wo.qty_planned == before.qty_planned
    (kept,) = messages(wo, "kept_as_stock")
    assert supervisor.badge is not None
    assert supervisor.badge in kept
    assert len(messages(wo, "unlinked")) == 1

    # The line gets what it lacks from a new MTO work order (no widget is free).
    missing = 8 - IN_STOCK - DELIVERED[status]
    so = plant.sales_order(s.so_id)
    (line,) = so.lines
    assert line.qty_from_stock == IN_STOCK + DELIVERED[status]
    assert line.qty_from_work_orders == missing
    (new_wo_id,) = [w for w in line.work_order_ids if w != s.wo_id]
    new_wo = plant.wo(new_wo_id)
    assert (new_wo.type, new_wo.qty_planned) == ("MTO", missing)
    assert [(lk.line_id, lk.qty) for lk in new_wo.links] == [("1", missing)]


def test_keep_as_stock_on_a_cancelled_order_builds_nothing_new(plant: Plant) -> None:
    s = linked_work_order(plant, "on_hold")
    apply_change(plant, s.so_id, "cancelled")
    plant.run(KeepAsStock(work_order_id=s.wo_id, actor=plant.operator(supervisor=True)))
    assert plant.count(WorkOrder) == 1
    assert plant.wo(s.wo_id).unlink_pending is False
    assert plant.stock("WIDGET").reserved == 0


def test_supervisor_elevating_an_operator_action_may_accept(plant: Plant) -> None:
    s = linked_work_order(plant, "in_progress")
    supervisor = plant.operator(supervisor=True)
    apply_change(plant, s.so_id, "qty_down")
    assert s.operator is not None
    elevated = Actor(
        badge=s.operator.badge, supervisor_badge=supervisor.badge, device_id="test-kiosk"
    )
    plant.run(AcceptSalesOrderChange(work_order_id=s.wo_id, actor=elevated))
    assert plant.wo(s.wo_id).type == "MTO"


# -- stock reservations of a line follow its quantity ------------------------------------------


def test_a_line_covered_from_stock_only_follows_its_quantity(plant: Plant) -> None:
    widget_plant(plant)
    plant.receive("WIDGET", 10)
    plant.receive("BOLT", 100)
    plant.receive("PLATE", 100)
    result = plant.run(
        IngestSalesOrder(external_id="SO-1", lines=[LineSpec("1", "WIDGET", 6)], actor=OFFICE)
    )
    so_id = str(result.data["sales_order_id"])

    plant.run(ChangeSalesOrder(sales_order_id=so_id, lines=[LineChange("1", 4)], actor=OFFICE))
    assert plant.stock("WIDGET").reserved == 4
    # Growing past the stock builds the rest.
    plant.run(ChangeSalesOrder(sales_order_id=so_id, lines=[LineChange("1", 13)], actor=OFFICE))
    (line,) = plant.sales_order(so_id).lines
    assert (line.qty_from_stock, line.qty_from_work_orders) == (10, 3)
    assert plant.stock("WIDGET").reserved == 10
    plant.run(CancelSalesOrder(sales_order_id=so_id, actor=OFFICE))
    assert plant.stock("WIDGET").reserved == 0
    assert plant.wo(line.work_order_ids[0]).status == "cancelled"


def test_a_decrease_sheds_the_work_order_before_the_stock(plant: Plant) -> None:
    s = linked_work_order(plant, "ready")  # 2 from stock + 4 from the WO
    plant.run(ChangeSalesOrder(sales_order_id=s.so_id, lines=[LineChange("1", 1)], actor=OFFICE))
    assert plant.wo(s.wo_id).status == "cancelled"
    line = line_row(plant, s.so_id)
    assert (line.from_stock, line.from_work_orders, line.reserved) == (1, 0, 1)
    assert plant.stock("WIDGET").reserved == 1
    assert plant.stock("BOLT").reserved == 0


def test_changes_to_a_closed_or_unknown_order_are_refused(plant: Plant) -> None:
    s = linked_work_order(plant, "ready")
    with pytest.raises(NotFound):
        plant.run(
            ChangeSalesOrder(sales_order_id=s.so_id, lines=[LineChange("9", 1)], actor=OFFICE)
        )
    plant.run(CancelSalesOrder(sales_order_id=s.so_id, actor=OFFICE))
    with pytest.raises(Conflict):
        apply_change(plant, s.so_id, "qty_up")
    with pytest.raises(Conflict):
        apply_change(plant, s.so_id, "refunded")
    assert line_row(plant, s.so_id).order_status == "cancelled"


def test_a_line_added_to_an_open_order_is_covered_like_any_other(plant: Plant) -> None:
    simple_plant(plant)
    plant.receive("WIDGET", 1)
    for sku in ("BOLT", "PLATE"):
        plant.receive(sku, 100)
    result = plant.run(
        IngestSalesOrder(external_id="SO-ADD", lines=[LineSpec("1", "BOLT", 3)], actor=OFFICE)
    )
    so_id = str(result.data["sales_order_id"])
    plant.run(
        ChangeSalesOrder(sales_order_id=so_id, added=[LineSpec("2", "WIDGET", 4)], actor=OFFICE)
    )
    line = plant.sales_order(so_id).lines[1]
    assert (line.line_id, line.qty, line.qty_from_stock, line.qty_from_work_orders) == (
        "2",
        4,
        1,
        3,
    )
    assert plant.wo(line.work_order_ids[0]).type == "MTO"


def test_an_added_line_that_clashes_is_refused_and_nothing_moves(plant: Plant) -> None:
    simple_plant(plant)
    plant.receive("BOLT", 100)
    result = plant.run(
        IngestSalesOrder(external_id="SO-CLASH", lines=[LineSpec("1", "BOLT", 3)], actor=OFFICE)
    )
    so_id = str(result.data["sales_order_id"])
    before = plant.sales_order(so_id)
    refusals = [
        ChangeSalesOrder(  # its id is taken; the quantity change with it does not happen
            sales_order_id=so_id,
            lines=[LineChange("1", 1)],
            added=[LineSpec("1", "WIDGET", 1)],
            actor=OFFICE,
        ),
        ChangeSalesOrder(sales_order_id=so_id, added=[LineSpec("2", "WIDGET", 0)], actor=OFFICE),
        ChangeSalesOrder(
            sales_order_id=so_id,
            added=[LineSpec("2", "WIDGET", 1), LineSpec("2", "BOLT", 1)],
            actor=OFFICE,
        ),
    ]
    for command, error in zip(refusals, (Conflict, ValidationError, ValidationError), strict=True):
        with pytest.raises(error):
            plant.run(command)
    assert plant.sales_order(so_id) == before
    with pytest.raises(ValidationError) as empty:  # a patch that names nothing
        plant.run(ChangeSalesOrder(sales_order_id=so_id, actor=OFFICE))
    assert empty.value.reason == "nothing_to_change"
    assert plant.sales_order(so_id) == before
    assert plant.stock("BOLT").reserved == 3


def test_a_covered_line_is_fulfilled_once_its_work_order_is_completed(plant: Plant) -> None:
    from kiosk.commands import FulfilSalesLine
    from kiosk.store.models import StockMovement

    widget_plant(plant)
    plant.receive("WIDGET", 2)
    plant.receive("BOLT", 100)
    plant.receive("PLATE", 100)
    made = plant.run(
        IngestSalesOrder(
            external_id="SO-SHIP",
            lines=[LineSpec("1", "WIDGET", 5), LineSpec("2", "NOSUCH", 1)],
            actor=OFFICE,
        )
    )
    so_id = str(made.data["sales_order_id"])
    (wo_id,) = plant.sales_order(so_id).lines[0].work_order_ids
    operator = plant.operator()
    fulfil = FulfilSalesLine(sales_order_id=so_id, line_id="1", actor=OFFICE)
    before = plant.sales_order(so_id)
    with pytest.raises(Conflict) as early:
        plant.run(fulfil)
    assert early.value.reason == "line_not_ready"
    assert "2 of 5 WIDGET are ready" in early.value.message
    assert plant.wo(wo_id).number in early.value.message
    plant.run(StartWorkOrder(work_order_id=wo_id, actor=operator))
    plant.run(LogOutput(work_order_id=wo_id, qty=3, actor=operator))
    with pytest.raises(Conflict, match="still to complete"):  # all built, not completed
        plant.run(FulfilSalesLine(sales_order_id=so_id, line_id="1", actor=OFFICE))
    bring_to_completed = plant.wo(wo_id)
    for step in bring_to_completed.steps:
        plant.run(CompleteStep(work_order_id=wo_id, step_id=step.id, actor=operator))
    plant.run(CompleteWorkOrder(work_order_id=wo_id, actor=operator))
    assert plant.sales_order(so_id).lines[0].qty_reserved == 5
    stock_before = plant.stock("WIDGET")

    plant.run(FulfilSalesLine(sales_order_id=so_id, line_id="1", actor=OFFICE))
    line = plant.sales_order(so_id).lines[0]
    assert (line.qty_shipped, line.qty_reserved, line.fulfilled) == (5, 0, True)
    after = plant.stock("WIDGET")
    assert after.on_hand == stock_before.on_hand - 5
    assert after.reserved == stock_before.reserved - 5
    with plant.bus.read() as session:
        shipped = session.scalars(
            select(StockMovement.qty).where(StockMovement.kind == "shipment")
        ).all()
    assert shipped == [Decimal(-5)]
    # The unmatched line keeps the order open; shipped lines do not change any more.
    assert plant.sales_order(so_id).status == "open"
    for refused, code in (
        (FulfilSalesLine(sales_order_id=so_id, line_id="1", actor=OFFICE), "already_fulfilled"),
        (FulfilSalesLine(sales_order_id=so_id, line_id="2", actor=OFFICE), "line_unmatched"),
        (
            ChangeSalesOrder(sales_order_id=so_id, lines=[LineChange("1", 2)], actor=OFFICE),
            "line_shipped",
        ),
        (CancelSalesOrder(sales_order_id=so_id, actor=OFFICE), "order_shipped"),
    ):
        with pytest.raises(Conflict) as caught:
            plant.run(refused)
        assert caught.value.reason == code
    with pytest.raises(NotFound):
        plant.run(FulfilSalesLine(sales_order_id=so_id, line_id="9", actor=OFFICE))
    assert before.lines[1] == plant.sales_order(so_id).lines[1]


def test_the_order_is_fulfilled_when_every_line_is(plant: Plant) -> None:
    from kiosk.commands import FulfilSalesLine

    widget_plant(plant)
    plant.receive("WIDGET", 10)
    made = plant.run(
        IngestSalesOrder(
            external_id="SO-ALL",
            lines=[LineSpec("1", "WIDGET", 3), LineSpec("2", "WIDGET", 4)],
            actor=OFFICE,
        )
    )
    so_id = str(made.data["sales_order_id"])
    plant.run(FulfilSalesLine(sales_order_id=so_id, line_id="1", actor=OFFICE))
    assert plant.sales_order(so_id).status == "open"
    plant.run(FulfilSalesLine(sales_order_id=so_id, line_id="2", actor=OFFICE))
    assert plant.sales_order(so_id).status == "fulfilled"
    assert plant.stock("WIDGET").on_hand == 3
    assert plant.stock("WIDGET").reserved == 0
