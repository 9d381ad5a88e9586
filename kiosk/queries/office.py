"""The office console's overviews: materials with their reservations, stock with its
ledger, sales orders, notifications. Plain frozen values, one query per kind of row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kiosk.domain.enums import RESERVING_STATUSES, WoStatus
from kiosk.services.lookup import product_by_sku
from kiosk.store.models import (
    Operator,
    Product,
    SalesOrder,
    SalesOrderLine,
    Site,
    StockLevel,
    StockMovement,
    WoMaterial,
    WorkOrder,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class Reservation:
    """Stock held for one work order (``kind="work_order"``) or sales order."""

    kind: str
    id: str
    label: str
    qty: Decimal


@dataclass(frozen=True)
class MaterialRow:
    sku: str
    name: str
    unit: str
    on_hand: Decimal
    reserved: Decimal
    #: What blocked or draft work orders still need beyond what is free now.
    short: Decimal
    reservations: tuple[Reservation, ...]

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def materials(session: Session, site_id: str) -> list[MaterialRow]:
    """Every product with stock or demand at the site; shortages first, then by SKU."""
    levels = {
        pid: (on_hand, reserved)
        for pid, on_hand, reserved in session.execute(
            select(StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved).where(
                StockLevel.site_id == site_id
            )
        ).tuples()
    }
    held: dict[str, list[Reservation]] = {}
    # Only the lines holding stock: at 10,000 work orders most hold none (done, drafts).
    for pid, wo_id, number, reserved in session.execute(
        select(
            WoMaterial.product_id,
            WorkOrder.id,
            WorkOrder.number,
            func.sum(WoMaterial.qty_reserved),
        )
        .join(WorkOrder, WorkOrder.id == WoMaterial.work_order_id)
        .where(
            WorkOrder.site_id == site_id,
            WoMaterial.qty_reserved > 0,
            WorkOrder.status.in_([s.value for s in RESERVING_STATUSES]),
        )
        .group_by(WoMaterial.product_id, WorkOrder.id, WorkOrder.number)
        .order_by(WorkOrder.number)
    ).tuples():
        held.setdefault(pid, []).append(Reservation("work_order", wo_id, number, reserved))
    # What blocked work orders still wait for, per material, summed in the database.
    left = WoMaterial.qty_required - WoMaterial.qty_reserved - WoMaterial.qty_consumed
    waiting: dict[str, Decimal] = {
        pid: max(qty or ZERO, ZERO)
        for pid, qty in session.execute(
            select(
                WoMaterial.product_id,
                func.sum(case((left > 0, left), else_=0), type_=WoMaterial.qty_required.type),
            )
            .join(WorkOrder, WorkOrder.id == WoMaterial.work_order_id)
            .where(WorkOrder.site_id == site_id, WorkOrder.status == WoStatus.BLOCKED.value)
            .group_by(WoMaterial.product_id)
        ).tuples()
    }
    for line_pid, so_id, external, qty in session.execute(
        select(
            SalesOrderLine.product_id,
            SalesOrder.id,
            SalesOrder.external_id,
            SalesOrderLine.qty_reserved,
        )
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.sales_order_id)
        .where(
            SalesOrder.site_id == site_id,
            SalesOrder.deleted_at.is_(None),
            SalesOrderLine.qty_reserved > 0,
        )
        .order_by(SalesOrder.external_id)
    ).tuples():
        if line_pid is not None:
            held.setdefault(line_pid, []).append(Reservation("sales_order", so_id, external, qty))
    wanted = set(levels) | set(held) | set(waiting)
    if not wanted:
        return []
    rows = []
    for product in session.scalars(select(Product).where(Product.id.in_(wanted))):
        on_hand, reserved = levels.get(product.id, (ZERO, ZERO))
        short = max(waiting.get(product.id, ZERO) - (on_hand - reserved), ZERO)
        rows.append(
            MaterialRow(
                product.sku,
                product.name,
                product.unit,
                on_hand,
                reserved,
                short,
                tuple(held.get(product.id, ())),
            )
        )
    rows.sort(key=lambda r: (r.short <= 0, r.sku.lower()))
    return rows


@dataclass(frozen=True)
class MovementRow:
    at: datetime
    kind: str
    qty: Decimal
    reason: str
    who: str
    work_order_id: str | None
    work_order_number: str | None
    sales_order_id: str | None


def ledger(session: Session, sku: str, site_id: str, *, limit: int = 200) -> list[MovementRow]:
    """The product's stock movements at the site, newest first: what, who, why."""
    product = product_by_sku(session, sku)
    return [
        MovementRow(
            m.at,
            m.kind,
            m.qty,
            m.reason,
            operator or (m.device_id and f"device {m.device_id}") or "office",
            m.work_order_id,
            number,
            m.sales_order_id,
        )
        for m, number, operator in session.execute(
            select(StockMovement, WorkOrder.number, Operator.name)
            .outerjoin(WorkOrder, WorkOrder.id == StockMovement.work_order_id)
            .outerjoin(Operator, Operator.id == StockMovement.operator_id)
            .where(StockMovement.product_id == product.id, StockMovement.site_id == site_id)
            .order_by(StockMovement.at.desc(), StockMovement.id.desc())
            .limit(limit)
        ).tuples()
    ]


@dataclass(frozen=True)
class SalesOrderRow:
    id: str
    external_id: str
    source: str
    status: str
    site: str
    created_at: datetime
    lines: int


def sales_orders(
    session: Session, *, q: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[SalesOrderRow], int]:
    """Sales orders, newest first, and how many there are."""
    where = [SalesOrder.deleted_at.is_(None)]
    if q and q.strip():
        needle = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(SalesOrder.external_id).like(f"%{needle}%", escape="\\"))
    total = int(session.scalar(select(func.count(SalesOrder.id)).where(*where)) or 0)
    counts = (
        select(
            SalesOrderLine.sales_order_id.label("so_id"),
            func.count(SalesOrderLine.id).label("lines"),
        )
        .group_by(SalesOrderLine.sales_order_id)
        .subquery()
    )
    rows = session.execute(
        select(SalesOrder, Site.code, counts.c.lines)
        .join(Site, Site.id == SalesOrder.site_id)
        .outerjoin(counts, counts.c.so_id == SalesOrder.id)
        .where(*where)
        .order_by(SalesOrder.created_at.desc(), SalesOrder.id)
        .limit(limit)
        .offset(offset)
    ).tuples()
    return [
        SalesOrderRow(
            so.id,
            so.external_id,
            so.source,
            so.status,
            site,
            so.created_at,
            int(lines or 0),
        )
        for so, site, lines in rows
    ], total
