"""Creating, planning, allocating and cancelling work orders: shared by office commands,
the orchestrator and sales-order changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from kiosk.domain.enums import NotificationKind, WoStatus, WoType
from kiosk.domain.errors import Conflict, ValidationError
from kiosk.services import stock
from kiosk.services.context import Context, set_status
from kiosk.services.labour import close_segments
from kiosk.services.materials import respread_in_place, spread_materials
from kiosk.services.routing import claim_turn
from kiosk.store.base import new_id
from kiosk.store.models import (
    Bom,
    Counter,
    Product,
    SalesOrderLine,
    Site,
    WoItem,
    WoMaterial,
    WorkOrder,
    Workstation,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class PlannedItem:
    product: Product
    qty: Decimal


@dataclass(frozen=True)
class HandMaterial:
    """A material line planned by hand: so much of ``product`` for the item at ``item``."""

    item: int
    product: Product
    qty: Decimal


#: PostgreSQL's source of work-order numbers (made by migration 0009).
NUMBER_SEQUENCE = "work_order_number"


def next_number(ctx: Context) -> str:
    """WO-000123: numbers never repeat.

    On PostgreSQL a sequence hands them out, so work orders made for different orders
    at the same moment do not queue on one counter row until each commits; a number
    taken by a transaction that then rolls back is skipped (numbers can have gaps).
    SQLite serializes writers anyway and bumps a counter in the transaction.
    """
    if ctx.session.get_bind().dialect.name == "postgresql":
        value = ctx.session.execute(select(func.nextval(NUMBER_SEQUENCE))).scalar_one()
        return number_text(value)
    value = ctx.session.execute(
        update(Counter)
        .where(Counter.name == "work_order")
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()
    return number_text(value)


def number_text(value: int) -> str:
    return f"WO-{value:06d}"


def suggested_number(session: Session) -> str:
    """The number the next work order will most likely get (a new form shows it).

    Only a suggestion: another work order made first takes it, and on PostgreSQL a
    rolled-back one skips it.
    """
    if session.get_bind().dialect.name == "postgresql":
        last, called = session.execute(
            text(f"SELECT last_value, is_called FROM {NUMBER_SEQUENCE}")
        ).one()
        return number_text(int(last) + 1 if called else int(last))
    value = session.scalar(select(Counter.value).where(Counter.name == "work_order"))
    return number_text(int(value or 0) + 1)


def new_work_order(
    ctx: Context,
    site: Site,
    items: list[PlannedItem],
    *,
    wo_type: WoType,
    name: str | None = None,
    workstation: Workstation | None = None,
    scheduled_at: datetime | None = None,
    priority: int = 3,
    notes: str = "",
    materials: Sequence[HandMaterial] | None = None,
) -> WorkOrder:
    """A draft work order with its materials spread and its routing copied.

    ``materials``: its material lines planned by hand instead of spread from BOMs (an
    item may then build a product that has no BOM; its steps still come from the BOM
    when there is one). Re-spreads keep such lines.
    """
    if not items:
        raise ValidationError("A work order needs at least one item to build.")
    by_hand = bool(materials)
    for item in items:
        if item.product.bom is None and not by_hand:
            # A fact about the plant's master data, not about the request: 409.
            raise Conflict(
                f"{item.product.sku} has no BOM: give it one, or plan the materials by hand.",
                code="no_bom",
                sku=item.product.sku,
            )
    wo = WorkOrder(
        id=new_id(),
        number=next_number(ctx),
        name=name or ", ".join(i.product.name for i in items),
        site_id=site.id,
        type=wo_type.value,
        status=WoStatus.DRAFT.value,
        workstation=workstation,
        scheduled_at=scheduled_at,
        priority=priority,
        notes=notes,
        created_at=ctx.now,
        materials_by_hand=by_hand,
    )
    for position, item in enumerate(items):
        bom = item.product.bom
        wo.items.append(
            WoItem(
                id=new_id(),
                position=position,
                product_id=item.product.id,
                product=item.product,
                bom_id=bom.id if bom is not None else None,
                qty_planned=item.qty,
            )
        )
    for position, line in enumerate(materials or ()):
        wo.materials.append(
            WoMaterial(
                id=new_id(),
                item_id=wo.items[line.item].id,
                position=position,
                product_id=line.product.id,
                product=line.product,
                qty_required=line.qty,
                qty_reserved=ZERO,
                qty_consumed=ZERO,
            )
        )
    ctx.session.add(wo)
    ctx.session.flush()
    ctx.track(wo, new=True)
    spread_materials(ctx.session, wo)  # and its routing, sub-assemblies' steps first
    return wo


def allocate_or_block(ctx: Context, wo: WorkOrder) -> list[stock.Shortage]:
    """Re-spread and reserve everything (ready) or nothing (blocked, with a notification)."""
    spread_materials(ctx.session, wo)
    shortages = stock.allocate(ctx, wo)
    if shortages:
        set_status(wo, WoStatus.BLOCKED)
        ctx.notify(
            NotificationKind.MATERIAL_SHORTAGE,
            f"{wo.number} is blocked: short of " + ", ".join(s.describe() for s in shortages) + ".",
            site_id=wo.site_id,
            work_order_id=wo.id,
        )
    else:
        set_status(wo, WoStatus.READY)
    return shortages


def replan(ctx: Context, wo: WorkOrder) -> None:
    """After items changed on a not-started WO: draft re-spreads; blocked/ready re-allocate.

    A ready WO whose lines stay the same keeps what it holds and reserves only the
    difference (all or nothing, as a full re-allocation would); otherwise, or when
    that falls short, it releases everything and allocates afresh.
    """
    if wo.status == WoStatus.DRAFT:
        spread_materials(ctx.session, wo)
        return
    if wo.status == WoStatus.READY and respread_in_place(ctx.session, wo):
        stock.release_excess(ctx, wo)
        if not stock.allocate(ctx, wo):
            return
    stock.release(ctx, wo)
    allocate_or_block(ctx, wo)


def cancel_work_order(ctx: Context, wo: WorkOrder, why: str) -> None:
    """Release every reservation; draft loses its material lines, later ones keep them.

    Built and consumed quantities stay: they are physical facts. Sales-order lines
    the WO was building for lose that cover and the office is told.
    """
    was_draft = wo.status == WoStatus.DRAFT
    stock.release(ctx, wo)
    if was_draft:
        wo.materials.clear()
    close_segments(ctx, work_order_id=wo.id)
    hold = wo.open_hold
    if hold is not None:
        hold.released_at = ctx.now
        hold.released_by = ctx.who
    for link in wo.links:
        undelivered = link.qty - link.qty_delivered
        line = ctx.session.get(SalesOrderLine, link.so_line_id)
        if line is None:
            continue
        # Units already made for the line stay reserved for it, now as stock cover
        # (as when a WO is unlinked): the cancelled WO no longer covers anything.
        line.qty_from_work_orders -= link.qty
        line.qty_from_stock += link.qty_delivered
        if undelivered > 0:
            ctx.notify(
                NotificationKind.SALES_ORDER_UNCOVERED,
                f"{wo.number} was cancelled ({why}); sales-order line {line.line_id} "
                f"now lacks {undelivered} {line.sku}.",
                site_id=wo.site_id,
                work_order_id=wo.id,
                sales_order_id=line.sales_order_id,
            )
    set_status(wo, WoStatus.CANCELLED)
    wo.finished_at = ctx.now


def pick_workstation(ctx: Context, site_id: str, bom: Bom) -> Workstation | None:
    """Round-robin among the site's active workstations that can build it."""
    types = {s.workstation_type for s in bom.steps if s.workstation_type}
    query = select(Workstation).where(Workstation.site_id == site_id, Workstation.active.is_(True))
    if types:
        query = query.where(Workstation.type.in_(types))
    return claim_turn(ctx.session, query)
