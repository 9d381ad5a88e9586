"""Turning a work order's items into material lines (and, through routing, steps)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.domain.spread import BomDef, spread_with_routing
from kiosk.services.routing import route
from kiosk.store.base import new_id
from kiosk.store.models import Bom, StockLevel, WoItem, WoMaterial, WorkOrder

_PLACES = Decimal("0.0001")
ZERO = Decimal(0)


def load_bom_defs(session: Session) -> dict[str, BomDef]:
    boms = session.scalars(select(Bom).options(selectinload(Bom.lines))).all()
    return {
        b.product_id: BomDef(
            b.product_id, b.output_qty, tuple((ln.product_id, ln.qty) for ln in b.lines)
        )
        for b in boms
    }


def spread_materials(session: Session, wo: WorkOrder) -> None:
    """Replace the WO's material lines with a fresh spread of its items' BOMs, and make
    its routing follow what it now builds (a sub-assembly drawn from stock is not built).

    Only for a WO that holds no reservation and has consumed nothing. Pre-assembled
    sub-assemblies are counted at what is available now; allocation locks and
    re-checks them.
    """
    boms = load_bom_defs(session)
    available: dict[str, Decimal] = {
        level.product_id: level.available
        for level in session.scalars(
            select(StockLevel).where(
                StockLevel.site_id == wo.site_id, StockLevel.product_id.in_(list(boms))
            )
        )
    }
    wo.materials.clear()
    session.flush()
    position = 0
    builds: dict[str, tuple[str, ...]] = {}
    for item in wo.items:
        spread = spread_with_routing(item.product_id, item.qty_planned, boms, available)
        builds[item.id] = spread.builds
        for product_id, qty in spread.needs.items():
            wo.materials.append(
                WoMaterial(
                    id=new_id(),
                    item_id=item.id,
                    position=position,
                    product_id=product_id,
                    qty_required=qty,
                    qty_reserved=ZERO,
                    qty_consumed=ZERO,
                )
            )
            position += 1
    route(session, wo, builds)


def rescale_item(wo: WorkOrder, item: WoItem, new_planned: Decimal) -> None:
    """Scale a started item's material needs to a new planned quantity (never below consumed)."""
    old = item.qty_planned
    for line in wo.materials:
        if line.item_id != item.id or old == 0:
            continue
        scaled = (line.qty_required * new_planned / old).quantize(_PLACES, rounding=ROUND_UP)
        line.qty_required = max(scaled, line.qty_consumed)
    item.qty_planned = new_planned


def consumption_target(line: WoMaterial, item: WoItem) -> Decimal:
    """What a line should have consumed once ``item.qty_built`` units are built."""
    if item.qty_planned == 0:
        return line.qty_consumed
    return (line.qty_required * item.qty_built / item.qty_planned).quantize(
        _PLACES, rounding=ROUND_DOWN
    )
