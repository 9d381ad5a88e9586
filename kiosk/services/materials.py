"""Turning a work order's items into material lines and routing steps."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.domain.spread import BomDef, spread
from kiosk.store.base import new_id
from kiosk.store.models import Bom, StockLevel, WoItem, WoMaterial, WorkOrder, WoStep

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
    """Replace the WO's material lines with a fresh spread of its items' BOMs.

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
    for item in wo.items:
        for product_id, qty in spread(item.product_id, item.qty_planned, boms, available).items():
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


def rescale_item(wo: WorkOrder, item: WoItem, new_planned: Decimal) -> None:
    """Scale a started item's material needs to a new planned quantity (never below consumed)."""
    old = item.qty_planned
    for line in wo.materials:
        if line.item_id != item.id or old == 0:
            continue
        scaled = (line.qty_required * new_planned / old).quantize(_PLACES, rounding=ROUND_UP)
        line.qty_required = max(scaled, line.qty_consumed)
    item.qty_planned = new_planned


def copy_routing(session: Session, wo: WorkOrder) -> None:
    """Copy each item's routing steps onto the WO (product name first when there are several)."""
    wo.steps.clear()
    position = 0
    for item in wo.items:
        bom = session.get(Bom, item.bom_id)
        assert bom is not None
        for step in bom.steps:
            name = step.name if len(wo.items) == 1 else f"{item.product.name}: {step.name}"
            wo.steps.append(
                WoStep(
                    id=new_id(),
                    position=position,
                    name=name,
                    instructions=step.instructions,
                    workstation_type=step.workstation_type,
                    standard_minutes=step.standard_minutes,
                )
            )
            position += 1


def consumption_target(line: WoMaterial, item: WoItem) -> Decimal:
    """What a line should have consumed once ``item.qty_built`` units are built."""
    if item.qty_planned == 0:
        return line.qty_consumed
    return (line.qty_required * item.qty_built / item.qty_planned).quantize(
        _PLACES, rounding=ROUND_DOWN
    )
