"""What building does to stock: consumption per run, finished units in, their reversal."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from kiosk.domain.enums import MovementKind, NotificationKind, WoType
from kiosk.domain.quantities import fmt_qty
from kiosk.services.context import Context
from kiosk.services.materials import consumption_target
from kiosk.services.stock import lock_stock, move, require_available
from kiosk.store.models import (
    BuildRun,
    SalesOrderLine,
    StockMovement,
    WoItem,
    WoLink,
    WorkOrder,
)

ZERO = Decimal(0)


def consume_for_run(ctx: Context, wo: WorkOrder, item: WoItem, run: BuildRun) -> None:
    """Consume the item's materials up to what ``item.qty_built`` units need.

    Drawn from the WO's reservation first, then from available stock. What stock
    cannot cover is not invented: a supervisor is told the records disagree.
    """
    lines = [m for m in wo.materials if m.item_id == item.id]
    levels = lock_stock(ctx.session, wo.site_id, {m.product_id for m in lines})
    for line in lines:
        want = consumption_target(line, item) - line.qty_consumed
        if want <= 0:
            continue
        level = levels[line.product_id]
        from_reservation = min(want, line.qty_reserved)
        from_free = min(want - from_reservation, max(level.available, ZERO))
        line.qty_reserved -= from_reservation
        level.reserved -= from_reservation
        taken = from_reservation + from_free
        line.qty_consumed += taken
        move(
            ctx,
            level,
            MovementKind.CONSUMPTION,
            -taken,
            work_order_id=wo.id,
            build_run_id=run.id,
        )
        if taken < want:
            ctx.notify(
                NotificationKind.MATERIAL_SHORTAGE,
                f"{wo.number}: building used {fmt_qty(want)} {level.product.sku} but only "
                f"{fmt_qty(taken)} was in stock; count the stock.",
                site_id=wo.site_id,
                work_order_id=wo.id,
            )


def put_back_consumption(ctx: Context, wo: WorkOrder, run: BuildRun) -> None:
    """Reverse exactly what a run consumed, as new ledger rows."""
    moves = ctx.session.scalars(
        select(StockMovement).where(
            StockMovement.build_run_id == run.id,
            StockMovement.kind == MovementKind.CONSUMPTION.value,
        )
    ).all()
    levels = lock_stock(ctx.session, wo.site_id, {m.product_id for m in moves})
    lines = {(m.item_id, m.product_id): m for m in wo.materials}
    for mv in moves:
        qty = -mv.qty
        move(
            ctx,
            levels[mv.product_id],
            MovementKind.REVERSAL,
            qty,
            reason=f"reversal of run {run.id}",
            work_order_id=wo.id,
            build_run_id=run.id,
        )
        line = lines.get((run.item_id, mv.product_id))
        if line is not None:
            line.qty_consumed -= qty


def receive_done(
    ctx: Context, wo: WorkOrder, item: WoItem, qty: Decimal, run_id: str | None
) -> None:
    """Done units enter finished stock; for MTO they are reserved for the linked lines."""
    level = lock_stock(ctx.session, wo.site_id, [item.product_id])[item.product_id]
    move(ctx, level, MovementKind.PRODUCTION, qty, work_order_id=wo.id, build_run_id=run_id)
    if wo.type != WoType.MTO.value:
        return
    remaining = qty
    for link in _links_for(ctx, wo, item):
        give = min(link.qty - link.qty_delivered, remaining)
        if give <= 0:
            continue
        line = ctx.session.get(SalesOrderLine, link.so_line_id)
        assert line is not None
        link.qty_delivered += give
        line.qty_reserved += give
        level.reserved += give
        remaining -= give
        if remaining == 0:
            break


def remove_done(ctx: Context, wo: WorkOrder, item: WoItem, qty: Decimal, run_id: str) -> None:
    """Take done units back out of stock (a reversed run), releasing their reservation first."""
    level = lock_stock(ctx.session, wo.site_id, [item.product_id])[item.product_id]
    remaining = qty
    for link in reversed(_links_for(ctx, wo, item)):
        take = min(link.qty_delivered, remaining)
        if take <= 0:
            continue
        line = ctx.session.get(SalesOrderLine, link.so_line_id)
        assert line is not None
        link.qty_delivered -= take
        line.qty_reserved -= take
        level.reserved -= take
        remaining -= take
    require_available(level, qty, f"reversing {wo.number}")
    move(
        ctx,
        level,
        MovementKind.REVERSAL,
        -qty,
        reason=f"reversal of run {run_id}",
        work_order_id=wo.id,
        build_run_id=run_id,
    )


def _links_for(ctx: Context, wo: WorkOrder, item: WoItem) -> list[WoLink]:
    """Links whose line orders this item's product, oldest first."""
    links = []
    for link in sorted(wo.links, key=lambda lk: lk.id):
        line = ctx.session.get(SalesOrderLine, link.so_line_id)
        if line is not None and line.product_id == item.product_id:
            links.append(link)
    return links
