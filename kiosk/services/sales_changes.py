"""What a sales-order change does to its lines and their MTO work orders (DOMAIN's table).

| WO    | status                                   | qty changed      | line gone           |
| MTS   | any                                      | nothing          | nothing             |
| MTO   | draft, ready                             | WO follows       | WO cancelled        |
| MTO   | blocked, in_progress, on_hold, completed | unlink → MTS     | unlink → MTS        |
"""

from __future__ import annotations

from decimal import Decimal

from kiosk.domain.enums import NotificationKind, WoStatus, WoType
from kiosk.domain.quantities import fmt_qty, units
from kiosk.services import stock
from kiosk.services.context import Context
from kiosk.services.orchestrator import cover_line, uncovered
from kiosk.services.planning import cancel_work_order, replan
from kiosk.store.models import SalesOrder, SalesOrderLine, WoLink, WorkOrder

ZERO = Decimal(0)
#: MTO work orders in these statuses follow their sales order; others are unlinked.
FOLLOWS = frozenset({WoStatus.DRAFT, WoStatus.READY})


def linked(ctx: Context, line: SalesOrderLine) -> list[tuple[WoLink, WorkOrder]]:
    from sqlalchemy import select

    links = ctx.session.scalars(
        select(WoLink).where(WoLink.so_line_id == line.id).order_by(WoLink.id)
    ).all()
    pairs = []
    for link in links:
        wo = ctx.lock_work_order(link.work_order_id)
        if wo.type == WoType.MTO.value and wo.status != WoStatus.CANCELLED:
            pairs.append((link, wo))
    return pairs


def change_line_qty(
    ctx: Context, so: SalesOrder, line: SalesOrderLine, new_qty: Decimal, why: str
) -> None:
    """Make the line's cover follow a new quantity (0 = the line is gone)."""
    old = line.qty
    if new_qty == old:
        return
    line.qty = new_qty
    if line.product_id is None:
        return
    if new_qty > old:
        _grow(ctx, so, line, new_qty - old, old, why)
    else:
        _shrink(ctx, so, line, old - new_qty, old, why)


def _grow(
    ctx: Context, so: SalesOrder, line: SalesOrderLine, more: Decimal, old: Decimal, why: str
) -> None:
    pairs = linked(ctx, line)
    following = [(lk, wo) for lk, wo in pairs if WoStatus(wo.status) in FOLLOWS]
    for link, wo in pairs:
        if (link, wo) not in following:
            unlink(ctx, so, line, link, wo, old, why)
    if following:
        link, wo = following[-1]
        link.qty += more
        wo.items[0].qty_planned += more
        line.qty_from_work_orders += more
        replan(ctx, wo)
    elif not pairs:
        cover_line(ctx, so, line, more)
    # Otherwise the line waits for a supervisor to accept the change or keep the WO as stock.


def _shrink(
    ctx: Context, so: SalesOrder, line: SalesOrderLine, less: Decimal, old: Decimal, why: str
) -> None:
    left = less
    cut = min(left, line.qty_backordered)
    line.qty_backordered -= cut
    left -= cut
    for link, wo in reversed(linked(ctx, line)):
        if left <= 0 and line.qty > 0:
            break
        if WoStatus(wo.status) in FOLLOWS:
            cut = min(left, link.qty) if line.qty > 0 else link.qty
            link.qty -= cut
            item = wo.items[0]
            item.qty_planned -= cut
            line.qty_from_work_orders -= cut
            left -= cut
            if item.qty_planned <= 0:
                cancel_work_order(ctx, wo, f"order {so.external_id} no longer needs it ({why})")
            else:
                replan(ctx, wo)
        else:
            left -= link.qty
            unlink(ctx, so, line, link, wo, old, why)
    # Whatever is still to shed comes off the stock reservation.
    excess = line.qty_from_stock - max(line.qty - line.qty_from_work_orders, ZERO)
    if line.qty == 0:
        excess = line.qty_from_stock
    if excess > 0:
        release_from_stock(ctx, so, line, excess)
    if line.qty == 0 and line.qty_reserved > 0:
        release_reserved(ctx, so, line, line.qty_reserved)


def release_from_stock(ctx: Context, so: SalesOrder, line: SalesOrderLine, qty: Decimal) -> None:
    line.qty_from_stock -= qty
    release_reserved(ctx, so, line, min(qty, line.qty_reserved))


def release_reserved(ctx: Context, so: SalesOrder, line: SalesOrderLine, qty: Decimal) -> None:
    if qty <= 0 or line.product_id is None:
        return
    level = stock.lock_stock(ctx.session, so.site_id, [line.product_id])[line.product_id]
    level.reserved -= qty
    line.qty_reserved -= qty


def unlink(
    ctx: Context,
    so: SalesOrder,
    line: SalesOrderLine,
    link: WoLink,
    wo: WorkOrder,
    old_qty: Decimal,
    why: str,
) -> None:
    """Cut an MTO WO from its line: it becomes MTS and keeps a message saying why."""
    undelivered = link.qty - link.qty_delivered
    line.qty_from_work_orders -= link.qty
    # Units already made for the line stay reserved for it, now as stock cover.
    line.qty_from_stock += link.qty_delivered
    wo.links.remove(link)
    # A WO extended for several lines stays MTO for the lines that did not change:
    # their links (and the cover they count) must keep working.
    if not wo.links:
        wo.type = WoType.MTS.value
    wo.unlink_pending = True
    now = "now builds for stock" if not wo.links else "keeps building for its other orders"
    text = (
        f"Order {so.external_id} line {line.line_id} ({line.sku}) changed from "
        f"{fmt_qty(old_qty)} to {fmt_qty(line.qty)}: {why}. {wo.number} was "
        f"{WoStatus(wo.status).label.lower()}, so it was unlinked and {now} "
        f"({units(undelivered)} no longer for this order)."
    )
    ctx.message(wo, "unlinked", text, so_line_id=line.id, requested_qty=line.qty)
    ctx.notify(
        NotificationKind.UNLINKED,
        text,
        site_id=wo.site_id,
        work_order_id=wo.id,
        sales_order_id=so.id,
    )


def recover_line(ctx: Context, so: SalesOrder, line: SalesOrderLine) -> None:
    """Cover what a line lacks after a supervisor kept its WO as stock."""
    missing = uncovered(line)
    if missing > 0 and line.product_id is not None:
        cover_line(ctx, so, line, missing)
