"""Turning a work order's items into material lines (and, through routing, steps)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from kiosk.domain.spread import BomDef, spread_with_routing
from kiosk.services.routing import route
from kiosk.store.base import new_id
from kiosk.store.models import Bom, BomLine, StockLevel, WoItem, WoMaterial, WorkOrder
from kiosk.store.transaction_cache import forget, transaction_cache

_PLACES = Decimal("0.0001")
ZERO = Decimal(0)


def load_bom_defs(session: Session) -> dict[str, BomDef]:
    """Every BOM of the plant (for checks that must see them all, such as cycles)."""
    boms = session.scalars(select(Bom).options(selectinload(Bom.lines))).all()
    return {b.product_id: _bom_def(b) for b in boms}


def bom_closure(session: Session, product_ids: Iterable[str]) -> dict[str, BomDef]:
    """The BOMs that building these products can need: theirs, their components', and so
    on down. A work order reads only these, not the whole plant's (one query per level),
    and each BOM once per transaction (an order spreads several work orders)."""
    known = _known_boms(session)
    found: dict[str, BomDef] = {}
    frontier = set(product_ids)
    while frontier:
        unknown = frontier - set(known)
        if unknown:
            for bom in session.scalars(
                select(Bom).where(Bom.product_id.in_(unknown)).options(selectinload(Bom.lines))
            ):
                known[bom.product_id] = _bom_def(bom)
            known.update(dict.fromkeys(unknown - set(known)))
        level = {p: d for p in frontier if (d := known[p]) is not None}
        found.update(level)
        frontier = {c for d in level.values() for c, _qty in d.lines} - set(found)
    return found


def _known_boms(session: Session) -> dict[str, BomDef | None]:
    """BOMs read in this transaction, by product (None: the product has none)."""
    return transaction_cache(session, "boms")


@event.listens_for(Session, "before_flush")
def _forget_changed_boms(session: Session, _context: object, _instances: object) -> None:
    # A BOM edited in this transaction is read afresh.
    if any(isinstance(o, (Bom, BomLine)) for o in (*session.new, *session.dirty, *session.deleted)):
        forget(session, "boms")


def products_needed(session: Session, product_ids: Iterable[str]) -> set[str]:
    """These products and every component their BOMs can draw, at any depth."""
    wanted = set(product_ids)
    return wanted | {c for bom in bom_closure(session, wanted).values() for c, _qty in bom.lines}


def _bom_def(bom: Bom) -> BomDef:
    return BomDef(
        bom.product_id, bom.output_qty, tuple((ln.product_id, ln.qty) for ln in bom.lines)
    )


def spread_materials(session: Session, wo: WorkOrder) -> None:
    """Replace the WO's material lines with a fresh spread of its items' BOMs, and make
    its routing follow what it now builds (a sub-assembly drawn from stock is not built).

    Only for a WO that holds no reservation and has consumed nothing. Pre-assembled
    sub-assemblies are counted at what is available now; allocation locks and
    re-checks them. A WO whose materials were planned by hand keeps its lines (only
    its routing follows its items' own BOMs).
    """
    if wo.materials_by_hand:
        route(session, wo, _own_builds(wo))
        return
    wanted, builds = _plan(session, wo)
    if not _requantify(wo, wanted):  # the same lines: no delete and insert
        wo.materials.clear()
        session.flush()
        for position, (item_id, product_id, qty) in enumerate(wanted):
            wo.materials.append(
                WoMaterial(
                    id=new_id(),
                    item_id=item_id,
                    position=position,
                    product_id=product_id,
                    qty_required=qty,
                    qty_reserved=ZERO,
                    qty_consumed=ZERO,
                )
            )
    route(session, wo, builds)


def respread_in_place(session: Session, wo: WorkOrder) -> bool:
    """Re-spread a WO that holds reservations, keeping them, if that changes quantities only.

    The spread counts what the WO itself holds as available (as if it had released it
    first), so the answer is the one a release, re-spread and re-allocation would give.
    False, with nothing changed, when the spread would name other lines (then the
    caller releases and re-spreads). Lines planned by hand stay as they are.
    """
    if wo.materials_by_hand:
        route(session, wo, _own_builds(wo))
        return True
    wanted, builds = _plan(session, wo, own=True)
    if not _requantify(wo, wanted):
        return False
    route(session, wo, builds)
    return True


def _own_builds(wo: WorkOrder) -> dict[str, tuple[str, ...]]:
    """Each item builds its own product only (hand-planned materials name no sub-assembly
    to build)."""
    return {item.id: (item.product_id,) for item in wo.items}


def _plan(
    session: Session, wo: WorkOrder, *, own: bool = False
) -> tuple[list[tuple[str, str, Decimal]], dict[str, tuple[str, ...]]]:
    """The material lines (item, product, qty) the WO's items need, and what each builds;
    ``own``: what the WO holds counts as available too."""
    boms = bom_closure(session, [item.product_id for item in wo.items])
    available: dict[str, Decimal] = {
        level.product_id: level.available
        for level in session.scalars(
            select(StockLevel).where(
                StockLevel.site_id == wo.site_id, StockLevel.product_id.in_(list(boms))
            )
        )
    }
    if own:
        for line in wo.materials:
            if line.product_id in available:
                available[line.product_id] += line.qty_reserved
    builds: dict[str, tuple[str, ...]] = {}
    wanted: list[tuple[str, str, Decimal]] = []
    for item in wo.items:
        spread = spread_with_routing(item.product_id, item.qty_planned, boms, available)
        builds[item.id] = spread.builds
        wanted.extend((item.id, product_id, qty) for product_id, qty in spread.needs.items())
    return wanted, builds


def _requantify(wo: WorkOrder, wanted: list[tuple[str, str, Decimal]]) -> bool:
    """Give the WO's lines the wanted quantities if they are the wanted lines (the same
    item and product, in order); False, with nothing changed, if not."""
    current = list(wo.materials)
    if [(m.item_id, m.product_id) for m in current] != [(i, p) for i, p, _ in wanted]:
        return False
    for line, (_item, _product, qty) in zip(current, wanted, strict=True):
        line.qty_required = qty
    return True


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
