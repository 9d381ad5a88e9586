"""Stock: the movement ledger, reservations, and all-or-nothing allocation of work orders.

Stock rows are always locked in product-id order, so two transactions that
need the same materials queue up instead of deadlocking (PostgreSQL), and
SQLite's BEGIN IMMEDIATE serializes writers anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.enums import MovementKind
from kiosk.domain.errors import InsufficientStock
from kiosk.domain.quantities import fmt_qty
from kiosk.domain.rules import outstanding_need
from kiosk.services.context import Context
from kiosk.store.base import new_id
from kiosk.store.models import StockLevel, StockMovement, WoMaterial, WorkOrder
from kiosk.store.transaction_cache import transaction_cache
from kiosk.store.upsert import insert_ignoring_conflicts

ZERO = Decimal(0)


@dataclass(frozen=True)
class Shortage:
    product_id: str
    sku: str
    needed: Decimal
    available: Decimal

    @property
    def missing(self) -> Decimal:
        return self.needed - self.available

    def describe(self) -> str:
        return f"{self.sku} (short {fmt_qty(self.missing)})"


def lock_stock(session: Session, site_id: str, product_ids: Iterable[str]) -> dict[str, StockLevel]:
    """Stock rows for these products, row-locked in product order (any made now, for a
    product stocked here for the first time, after the others).

    A row this transaction already locked is not read again: while the lock is held
    nobody else can change it, so the loaded row is the row. (An orchestrated order locks
    every row it can touch first, then covers line after line.)
    """
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    held = _held(session)
    levels = {p: held[(site_id, p)] for p in ids if (site_id, p) in held}
    wanted = [p for p in ids if p not in levels]
    if wanted:
        levels.update(_locked(session, site_id, wanted))
    missing = [p for p in ids if p not in levels]
    if missing:
        # Made once per product and site; a concurrent maker's row wins (no conflict).
        rows = [
            {"site_id": site_id, "product_id": p, "on_hand": ZERO, "reserved": ZERO}
            for p in missing
        ]
        dialect = session.get_bind().dialect.name
        session.execute(insert_ignoring_conflicts(dialect, StockLevel.__table__, rows))
        levels.update(_locked(session, site_id, missing))
    held.update({(site_id, p): level for p, level in levels.items()})
    return levels


def _locked(session: Session, site_id: str, ids: list[str]) -> dict[str, StockLevel]:
    levels = session.scalars(
        select(StockLevel)
        .where(StockLevel.site_id == site_id, StockLevel.product_id.in_(ids))
        .order_by(StockLevel.product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {level.product_id: level for level in levels}


def _held(session: Session) -> dict[tuple[str, str], StockLevel]:
    """The stock rows this session's current transaction holds locked."""
    return transaction_cache(session, "held_stock")


def move(
    ctx: Context,
    level: StockLevel,
    kind: MovementKind,
    qty: Decimal,
    *,
    reason: str = "",
    work_order_id: str | None = None,
    build_run_id: str | None = None,
    sales_order_id: str | None = None,
) -> None:
    """Change on-hand stock by ``qty`` (signed) and write the ledger row that explains it."""
    if qty == 0:
        return
    level.on_hand += qty
    ctx.session.add(
        StockMovement(
            id=new_id(),
            site_id=level.site_id,
            product_id=level.product_id,
            kind=kind.value,
            qty=qty,
            at=ctx.now,
            reason=reason,
            work_order_id=work_order_id,
            build_run_id=build_run_id,
            sales_order_id=sales_order_id,
            operator_id=ctx.actor.badge,
            device_id=ctx.actor.device_id,
            command_id=ctx.command.command_id,
        )
    )


def outstanding(line: WoMaterial) -> Decimal:
    """What a material line still needs reserved: required, less consumed and reserved."""
    return outstanding_need(line.qty_required, line.qty_reserved, line.qty_consumed)


def allocate(ctx: Context, wo: WorkOrder) -> list[Shortage]:
    """Reserve every material line's outstanding need, or nothing at all.

    Returns the shortages (empty when everything was reserved).
    """
    needs: dict[str, Decimal] = {}
    for line in wo.materials:
        if outstanding(line) > 0:
            needs[line.product_id] = needs.get(line.product_id, ZERO) + outstanding(line)
    levels = lock_stock(ctx.session, wo.site_id, needs)
    shortages = [
        Shortage(pid, levels[pid].product.sku, need, max(levels[pid].available, ZERO))
        for pid, need in sorted(needs.items())
        if levels[pid].available < need
    ]
    if shortages:
        return shortages
    for line in wo.materials:
        need = outstanding(line)
        if need > 0:
            levels[line.product_id].reserved += need
            line.qty_reserved += need
    return []


def shortages(session: Session, wo: WorkOrder) -> list[Shortage]:
    """What stock cannot cover of the WO's outstanding needs right now (read only, no locks)."""
    needs: dict[str, Decimal] = {}
    skus: dict[str, str] = {}
    for line in wo.materials:
        if outstanding(line) > 0:
            needs[line.product_id] = needs.get(line.product_id, ZERO) + outstanding(line)
            skus[line.product_id] = line.product.sku
    available = {
        level.product_id: max(level.available, ZERO)
        for level in session.scalars(
            select(StockLevel).where(
                StockLevel.site_id == wo.site_id, StockLevel.product_id.in_(list(needs))
            )
        )
    }
    return [
        Shortage(pid, skus[pid], need, available.get(pid, ZERO))
        for pid, need in needs.items()
        if available.get(pid, ZERO) < need
    ]


def release(ctx: Context, wo: WorkOrder) -> None:
    """Give back every reservation the work order holds."""
    held = {line.product_id for line in wo.materials if line.qty_reserved > 0}
    levels = lock_stock(ctx.session, wo.site_id, held)
    for line in wo.materials:
        if line.qty_reserved > 0:
            levels[line.product_id].reserved -= line.qty_reserved
            line.qty_reserved = ZERO


def release_excess(ctx: Context, wo: WorkOrder) -> None:
    """Give back what a line holds beyond what it still needs (after a plan shrank)."""
    lines = [m for m in wo.materials if m.qty_reserved > m.qty_required - m.qty_consumed]
    levels = lock_stock(ctx.session, wo.site_id, {m.product_id for m in lines})
    for line in lines:
        excess = line.qty_reserved - max(line.qty_required - line.qty_consumed, ZERO)
        levels[line.product_id].reserved -= excess
        line.qty_reserved -= excess


def reserve_available(ctx: Context, wo: WorkOrder) -> None:
    """Top up lines from available stock as far as it goes (a started WO that grew)."""
    needs = {m.product_id for m in wo.materials if outstanding(m) > 0}
    levels = lock_stock(ctx.session, wo.site_id, needs)
    for line in wo.materials:
        take = (
            min(outstanding(line), max(levels[line.product_id].available, ZERO))
            if (line.product_id in levels)
            else ZERO
        )
        if take > 0:
            levels[line.product_id].reserved += take
            line.qty_reserved += take


def require_available(level: StockLevel, qty: Decimal, what: str) -> None:
    if level.available < qty:
        raise InsufficientStock(
            f"Not enough {level.product.sku} for {what}: {fmt_qty(level.available)} available, "
            f"{fmt_qty(qty)} needed.",
            sku=level.product.sku,
        )
