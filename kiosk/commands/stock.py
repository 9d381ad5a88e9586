"""Stock commands: receipts (which retry blocked work orders) and adjustments."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from kiosk.commands.base import Command, Policy, Sync, handles
from kiosk.domain.enums import MovementKind, WoStatus
from kiosk.domain.errors import InsufficientStock, ValidationError
from kiosk.domain.quantities import fmt_qty, parse_qty
from kiosk.services import stock
from kiosk.services.context import Context
from kiosk.services.lookup import product_by_sku, site_by_code
from kiosk.services.materials import spread_materials
from kiosk.store.models import WorkOrder


@dataclass(frozen=True, kw_only=True)
class ReceiveStock(Command):
    type_name = "receive_stock"
    policy = Policy(sync=Sync.OFFICE)
    sku: str
    qty: Decimal | str | int
    site: str | None = None
    reason: str = ""


@handles(ReceiveStock)
def receive_stock(ctx: Context, cmd: ReceiveStock) -> dict[str, Any]:
    product = product_by_sku(ctx.session, cmd.sku)
    qty = parse_qty(cmd.qty, what="Received quantity")
    site = site_by_code(ctx.session, cmd.site)
    level = stock.lock_stock(ctx.session, site.id, [product.id])[product.id]
    stock.move(ctx, level, MovementKind.RECEIPT, qty, reason=cmd.reason)
    released = retry_blocked(ctx, site.id)
    return {"on_hand": level.on_hand, "reserved": level.reserved, "unblocked": released}


def retry_blocked(ctx: Context, site_id: str) -> list[str]:
    """Retry allocation of the site's blocked WOs, most urgent and oldest first."""
    blocked = ctx.session.scalars(
        select(WorkOrder)
        .where(WorkOrder.site_id == site_id, WorkOrder.status == WoStatus.BLOCKED.value)
        .order_by(WorkOrder.priority, WorkOrder.created_at, WorkOrder.number)
        .with_for_update()
    ).all()
    unblocked = []
    for wo in blocked:
        if not _quietly_allocates(ctx, wo):
            continue
        unblocked.append(wo.number)
    return unblocked


def _quietly_allocates(ctx: Context, wo: WorkOrder) -> bool:
    """Try one blocked WO; a WO that is still short stays blocked without a new notification."""
    spread_materials(ctx.session, wo)
    if stock.allocate(ctx, wo):
        return False
    wo.status = WoStatus.READY.value
    return True


@dataclass(frozen=True, kw_only=True)
class AdjustStock(Command):
    type_name = "adjust_stock"
    policy = Policy(sync=Sync.OFFICE)
    sku: str
    qty_delta: Decimal | str | int
    reason: str
    site: str | None = None


@handles(AdjustStock)
def adjust_stock(ctx: Context, cmd: AdjustStock) -> dict[str, Any]:
    product = product_by_sku(ctx.session, cmd.sku)
    delta = parse_qty(cmd.qty_delta, what="Adjustment", allow_negative=True)
    if not isinstance(cmd.reason, str) or not cmd.reason.strip():
        raise ValidationError("Say why the stock is adjusted.", field="reason")
    site = site_by_code(ctx.session, cmd.site)
    level = stock.lock_stock(ctx.session, site.id, [product.id])[product.id]
    if delta < 0 and level.available < -delta:
        raise InsufficientStock(
            f"Cannot remove {fmt_qty(-delta)} {product.sku}: only {fmt_qty(level.available)} "
            f"is not reserved ({fmt_qty(level.on_hand)} on hand, {fmt_qty(level.reserved)} "
            "reserved).",
            sku=product.sku,
        )
    stock.move(ctx, level, MovementKind.ADJUSTMENT, delta, reason=cmd.reason.strip())
    unblocked = retry_blocked(ctx, site.id) if delta > 0 else []
    return {"on_hand": level.on_hand, "reserved": level.reserved, "unblocked": unblocked}
