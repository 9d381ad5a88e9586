"""The office's filtered, paged work-order list (one query, no per-row view building)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from kiosk.services.lookup import sku_key
from kiosk.store.models import Hold, Product, Site, WoItem, WoMaterial, WorkOrder, Workstation


@dataclass(frozen=True)
class ItemSummary:
    sku: str
    qty_planned: Decimal
    qty_done: Decimal


@dataclass(frozen=True)
class WorkOrderSummary:
    """A row of the list; the work order's own view has everything."""

    id: str
    number: str
    name: str
    status: str
    type: str
    site: str
    workstation: str | None
    scheduled_at: datetime | None
    priority: int
    unlink_pending: bool
    on_hold: bool
    items: tuple[ItemSummary, ...]
    version: int


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] = ()
    q: str | None = None
    input_sku: str | None = None
    output_sku: str | None = None
    workstation: str | None = None
    site_id: str | None = None


def _where(query: Select[tuple[WorkOrder]], f: Filters) -> Select[tuple[WorkOrder]]:
    if f.statuses:
        query = query.where(WorkOrder.status.in_(f.statuses))
    if f.site_id:
        query = query.where(WorkOrder.site_id == f.site_id)
    if f.q and f.q.strip():
        needle = f.q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{needle}%"
        query = query.where(
            or_(
                func.lower(WorkOrder.number).like(pattern, escape="\\"),
                func.lower(WorkOrder.name).like(pattern, escape="\\"),
            )
        )
    if f.output_sku:
        query = query.where(
            WorkOrder.id.in_(
                select(WoItem.work_order_id)
                .join(Product, Product.id == WoItem.product_id)
                .where(Product.sku_key == sku_key(f.output_sku))
            )
        )
    if f.input_sku:
        query = query.where(
            WorkOrder.id.in_(
                select(WoMaterial.work_order_id)
                .join(Product, Product.id == WoMaterial.product_id)
                .where(Product.sku_key == sku_key(f.input_sku))
            )
        )
    if f.workstation:
        query = query.where(
            WorkOrder.workstation_id.in_(
                select(Workstation.id).where(Workstation.code == f.workstation)
            )
        )
    return query


def list_work_orders(
    session: Session, f: Filters, *, limit: int, offset: int
) -> tuple[list[WorkOrderSummary], int]:
    """A page of work orders, most urgent first, and how many match in all."""
    total = int(session.scalar(_where(select(func.count(WorkOrder.id)), f)) or 0)  # type: ignore[arg-type]
    rows = session.scalars(
        _where(select(WorkOrder), f)
        .options(
            selectinload(WorkOrder.items).selectinload(WoItem.product),
            selectinload(WorkOrder.workstation),
        )
        .order_by(
            WorkOrder.priority,
            WorkOrder.scheduled_at.is_(None),
            WorkOrder.scheduled_at,
            WorkOrder.number,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [wo.id for wo in rows]
    on_hold = set(
        session.scalars(
            select(Hold.work_order_id).where(
                Hold.work_order_id.in_(ids), Hold.released_at.is_(None)
            )
        )
    )
    sites = dict(session.execute(select(Site.id, Site.code)).tuples().all())
    return [
        WorkOrderSummary(
            id=wo.id,
            number=wo.number,
            name=wo.name,
            status=wo.status,
            type=wo.type,
            site=sites.get(wo.site_id, ""),
            workstation=wo.workstation.code if wo.workstation else None,
            scheduled_at=wo.scheduled_at,
            priority=wo.priority,
            unlink_pending=wo.unlink_pending,
            on_hold=wo.id in on_hold,
            items=tuple(ItemSummary(i.product.sku, i.qty_planned, i.qty_done) for i in wo.items),
            version=wo.version,
        )
        for wo in rows
    ], total
