"""The office's filtered, paged work-order list (one query, no per-row view building)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from kiosk.domain.enums import RESERVING_STATUSES, WoStatus
from kiosk.services.lookup import sku_key
from kiosk.store.models import (
    Hold,
    Product,
    Site,
    WoItem,
    WoMaterial,
    WoMessage,
    WorkOrder,
    Workstation,
)

ZERO = Decimal(0)


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
    #: Why it is on hold ("" when it is not).
    hold_reason: str = ""
    #: Why it was unlinked from its sales order (the latest message; "" when it was not).
    unlink_reason: str = ""
    #: ``none`` (no materials), ``not_reserved`` (a draft), ``short`` (blocked: stock
    #: cannot cover it), ``reserved`` (all held or used) or ``done`` (finished or cancelled).
    materials: str = "none"

    @property
    def qty_planned(self) -> Decimal:
        return sum((i.qty_planned for i in self.items), ZERO)

    @property
    def qty_done(self) -> Decimal:
        return sum((i.qty_done for i in self.items), ZERO)


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] = ()
    q: str | None = None
    input_sku: str | None = None
    output_sku: str | None = None
    workstation: str | None = None
    site_id: str | None = None
    #: Scheduled on this day (UTC) or later / on this day or earlier.
    scheduled_from: date | None = None
    scheduled_to: date | None = None
    #: Only work orders unlinked from a changed sales order, waiting for the office.
    unlinked_only: bool = False


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
    if f.scheduled_from:
        query = query.where(
            WorkOrder.scheduled_at >= datetime.combine(f.scheduled_from, time(), UTC)
        )
    if f.scheduled_to:
        end = datetime.combine(f.scheduled_to + timedelta(days=1), time(), UTC)
        query = query.where(WorkOrder.scheduled_at < end)
    if f.unlinked_only:
        query = query.where(WorkOrder.unlink_pending.is_(True))
    return query


def _materials_state(status: WoStatus, needed: tuple[Decimal, Decimal] | None) -> str:
    """The grid's materials indicator, from the status and the page's summed lines."""
    if needed is None:
        return "none"
    if status.is_terminal:
        return "done"
    if status == WoStatus.DRAFT:
        return "not_reserved"
    if status == WoStatus.BLOCKED:
        return "short"
    required, held = needed
    if status in RESERVING_STATUSES and held < required:
        return "short"
    return "reserved"


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
    holds = dict(
        session.execute(
            select(Hold.work_order_id, Hold.reason).where(
                Hold.work_order_id.in_(ids), Hold.released_at.is_(None)
            )
        )
        .tuples()
        .all()
    )
    unlinked = [wo.id for wo in rows if wo.unlink_pending]
    unlink_reasons: dict[str, str] = {}
    if unlinked:
        for wo_id, text in session.execute(
            select(WoMessage.work_order_id, WoMessage.text)
            .where(WoMessage.work_order_id.in_(unlinked), WoMessage.kind == "unlinked")
            .order_by(WoMessage.at)
        ).tuples():
            unlink_reasons[wo_id] = text  # the latest wins
    needed = {
        wo_id: (Decimal(required or 0), Decimal(reserved or 0) + Decimal(consumed or 0))
        for wo_id, required, reserved, consumed in session.execute(
            select(
                WoMaterial.work_order_id,
                func.sum(WoMaterial.qty_required),
                func.sum(WoMaterial.qty_reserved),
                func.sum(WoMaterial.qty_consumed),
            )
            .where(WoMaterial.work_order_id.in_(ids))
            .group_by(WoMaterial.work_order_id)
        ).tuples()
    }
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
            on_hold=wo.id in holds,
            items=tuple(ItemSummary(i.product.sku, i.qty_planned, i.qty_done) for i in wo.items),
            version=wo.version,
            hold_reason=holds.get(wo.id) or "",
            unlink_reason=unlink_reasons.get(wo.id, ""),
            materials=_materials_state(WoStatus(wo.status), needed.get(wo.id)),
        )
        for wo in rows
    ], total
