"""Frozen views of one work order, a stock level and a sales order, for screens and the API.

Never ORM objects: the UI and the API get plain values that cannot lazy-load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.domain.enums import WoStatus
from kiosk.domain.errors import NotFound
from kiosk.domain.rules import material_short
from kiosk.services.lookup import product_by_sku, site_by_code
from kiosk.store.models import (
    Operator,
    Product,
    QcDisposition,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    WoItem,
    WoLink,
    WoMaterial,
    WorkOrder,
    WoStep,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class ItemView:
    sku: str
    name: str
    qty_planned: Decimal
    qty_built: Decimal
    qty_done: Decimal
    qty_awaiting_qc: Decimal
    qty_rework_pending: Decimal
    qty_scrapped: Decimal
    qc_required: bool
    unit: str = "pcs"


@dataclass(frozen=True)
class MaterialView:
    sku: str
    name: str
    required: Decimal
    reserved: Decimal
    consumed: Decimal
    short: Decimal
    unit: str = "pcs"


@dataclass(frozen=True)
class StepView:
    id: str
    name: str
    instructions: str
    done: bool
    done_by: str | None
    skipped: bool
    #: The person's name for ``done_by`` (a badge), or ``done_by`` itself (the office).
    done_by_name: str | None = None
    #: The workstation (code) that does it: its own one, or the WO's.
    workstation: str | None = None
    #: The kind of workstation the routing asks for (None: any).
    workstation_type: str | None = None


@dataclass(frozen=True)
class HoldView:
    reason: str
    note: str
    raised_by: str | None
    raised_at: datetime
    released_by: str | None
    released_at: datetime | None
    raised_by_name: str | None = None
    released_by_name: str | None = None


@dataclass(frozen=True)
class LinkView:
    sales_order_id: str
    external_id: str
    line_id: str
    qty: Decimal
    #: What the line orders.
    sku: str = ""


@dataclass(frozen=True)
class MessageView:
    kind: str
    text: str
    at: datetime


@dataclass(frozen=True)
class RunView:
    id: str
    sku: str
    qty: Decimal
    rework: bool
    operator_badge: str | None
    at: datetime
    reversed: bool
    operator_name: str | None = None


@dataclass(frozen=True)
class WorkOrderView:
    id: str
    number: str
    name: str
    status: WoStatus
    type: str
    workstation: str | None
    scheduled_at: datetime | None
    priority: int
    notes: str
    unlink_pending: bool
    closed_short: bool
    version: int
    items: tuple[ItemView, ...]
    materials: tuple[MaterialView, ...]
    steps: tuple[StepView, ...]
    links: tuple[LinkView, ...]
    hold: HoldView | None
    holds: tuple[HoldView, ...]
    messages: tuple[MessageView, ...]
    runs: tuple[RunView, ...]
    #: Why a supervisor closed it short ("" otherwise).
    close_reason: str = ""
    #: Its materials were planned by hand, not spread from BOMs.
    materials_by_hand: bool = False

    @property
    def qty_planned(self) -> Decimal:
        return sum((i.qty_planned for i in self.items), ZERO)

    @property
    def qty_done(self) -> Decimal:
        return sum((i.qty_done for i in self.items), ZERO)

    @property
    def short(self) -> tuple[MaterialView, ...]:
        return tuple(m for m in self.materials if m.short > 0)


def work_order(session: Session, work_order_id: str) -> WorkOrderView:
    wo = session.scalars(
        select(WorkOrder)
        .where(WorkOrder.id == work_order_id)
        .options(
            selectinload(WorkOrder.items).selectinload(WoItem.product),
            selectinload(WorkOrder.materials).selectinload(WoMaterial.product),
            selectinload(WorkOrder.steps).selectinload(WoStep.workstation),
            selectinload(WorkOrder.holds),
            selectinload(WorkOrder.messages),
            selectinload(WorkOrder.links),
            selectinload(WorkOrder.runs),
            selectinload(WorkOrder.workstation),
        )
    ).one_or_none()
    if wo is None:
        raise NotFound(f"Work order {work_order_id} does not exist.", id=work_order_id)
    return _view(session, wo)


def work_order_by_number(session: Session, number: str) -> WorkOrderView:
    wo_id = session.scalar(select(WorkOrder.id).where(WorkOrder.number == number.strip().upper()))
    if wo_id is None:
        raise NotFound(f"No work order {number}.", number=number)
    return work_order(session, wo_id)


def names_of(session: Session, badges: set[str | None]) -> dict[str, str]:
    """Badge → name for the people a record names (what a screen shows, not a number)."""
    wanted = {b for b in badges if b}
    if not wanted:
        return {}
    return dict(
        session.execute(select(Operator.badge, Operator.name).where(Operator.badge.in_(wanted)))
        .tuples()
        .all()
    )


def _view(session: Session, wo: WorkOrder) -> WorkOrderView:
    status = WoStatus(wo.status)
    items = {i.id: i for i in wo.items}
    names = names_of(
        session,
        {h.raised_by for h in wo.holds}
        | {h.released_by for h in wo.holds}
        | {st.done_by for st in wo.steps}
        | {r.operator_badge for r in wo.runs},
    )

    def name(who: str | None) -> str | None:
        return names.get(who, who) if who else None

    holds = tuple(
        HoldView(
            h.reason,
            h.note,
            h.raised_by,
            h.raised_at,
            h.released_by,
            h.released_at,
            name(h.raised_by),
            name(h.released_by),
        )
        for h in wo.holds
    )
    return WorkOrderView(
        id=wo.id,
        number=wo.number,
        name=wo.name,
        status=status,
        type=wo.type,
        workstation=wo.workstation.code if wo.workstation else None,
        scheduled_at=wo.scheduled_at,
        priority=wo.priority,
        notes=wo.notes,
        unlink_pending=wo.unlink_pending,
        closed_short=wo.closed_short,
        materials_by_hand=wo.materials_by_hand,
        version=wo.version,
        items=tuple(
            ItemView(
                i.product.sku,
                i.product.name,
                i.qty_planned,
                i.qty_built,
                i.qty_done,
                i.qty_awaiting_qc,
                i.qty_rework_pending,
                i.qty_scrapped,
                i.product.qc_required,
                i.product.unit,
            )
            for i in wo.items
        ),
        materials=_materials(session, wo, status),
        steps=tuple(
            StepView(
                s.id,
                s.name,
                s.instructions,
                s.done_at is not None,
                s.done_by,
                s.skipped,
                name(s.done_by),
                _station_of(s, wo),
                s.workstation_type,
            )
            for s in wo.steps
        ),
        links=_links(session, wo.links),
        hold=next((h for h in holds if h.released_at is None), None),
        holds=holds,
        messages=tuple(MessageView(m.kind, m.text, m.at) for m in wo.messages),
        runs=tuple(
            RunView(
                r.id,
                items[r.item_id].product.sku,
                r.qty,
                r.rework,
                r.operator_badge,
                r.at,
                r.reversed_at is not None,
                name(r.operator_badge),
            )
            for r in wo.runs
        ),
        close_reason=wo.close_reason,
    )


@dataclass(frozen=True)
class QcView:
    """One QC verdict as it was recorded: what passed, what failed, why, and what
    became of the failed units (rework or scrap)."""

    sku: str
    approved: Decimal
    failed: Decimal
    reason: str
    category: str
    failed_action: str | None
    by_badge: str | None
    at: datetime
    by_name: str | None = None


def qc_dispositions(session: Session, work_order_id: str) -> list[QcView]:
    """The work order's QC verdicts, oldest first, each with the inspector's name."""
    rows = session.execute(
        select(QcDisposition, Product.sku)
        .join(WoItem, QcDisposition.item_id == WoItem.id)
        .join(Product, WoItem.product_id == Product.id)
        .where(QcDisposition.work_order_id == work_order_id)
        .order_by(QcDisposition.at, QcDisposition.id)
    ).all()
    names = names_of(session, {qc.by_badge for qc, _ in rows})
    return [
        QcView(
            sku,
            qc.approved,
            qc.failed,
            qc.reason,
            qc.category,
            qc.failed_action,
            qc.by_badge,
            qc.at,
            names.get(qc.by_badge, qc.by_badge) if qc.by_badge else None,
        )
        for qc, sku in rows
    ]


def _station_of(step: WoStep, wo: WorkOrder) -> str | None:
    """A sub-assembly's step names its own station; the others are done at the WO's."""
    station = step.workstation or wo.workstation
    return station.code if station is not None else None


def _materials(session: Session, wo: WorkOrder, status: WoStatus) -> tuple[MaterialView, ...]:
    """Material lines merged by product; ``short`` is what stock cannot cover now."""
    merged: dict[str, list[Decimal]] = {}
    products: dict[str, Product] = {}
    for line in wo.materials:
        acc = merged.setdefault(line.product_id, [ZERO, ZERO, ZERO])
        acc[0] += line.qty_required
        acc[1] += line.qty_reserved
        acc[2] += line.qty_consumed
        products[line.product_id] = line.product
    available: dict[str, Decimal] = {}
    if status in (WoStatus.DRAFT, WoStatus.BLOCKED) and merged:
        available = {
            level.product_id: level.available
            for level in session.scalars(
                select(StockLevel).where(
                    StockLevel.site_id == wo.site_id, StockLevel.product_id.in_(list(merged))
                )
            )
        }
    views = []
    for product_id, (required, reserved, consumed) in merged.items():
        free = available.get(product_id, ZERO)
        short = material_short(status, required, reserved, consumed, free)
        product = products[product_id]
        views.append(
            MaterialView(
                product.sku, product.name, required, reserved, consumed, short, product.unit
            )
        )
    return tuple(views)


def _links(session: Session, links: list[WoLink]) -> tuple[LinkView, ...]:
    views = []
    for link in links:
        line = session.get(SalesOrderLine, link.so_line_id)
        if line is None:
            continue
        so = session.get(SalesOrder, line.sales_order_id)
        assert so is not None
        product = session.get(Product, line.product_id) if line.product_id else None
        sku = product.sku if product is not None else line.sku  # as the plant writes it
        views.append(LinkView(so.id, so.external_id, line.line_id, link.qty, sku))
    return tuple(views)


@dataclass(frozen=True)
class StockView:
    sku: str
    on_hand: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def stock_level(session: Session, sku: str, site: str | None = None) -> StockView:
    product = product_by_sku(session, sku)
    site_row = site_by_code(session, site)
    level = session.get(StockLevel, (site_row.id, product.id))
    if level is None:
        return StockView(product.sku, ZERO, ZERO)
    return StockView(product.sku, level.on_hand, level.reserved)


@dataclass(frozen=True)
class SalesLineView:
    line_id: str
    sku: str
    qty: Decimal
    status: str  # matched | unmatched
    qty_from_stock: Decimal
    qty_from_work_orders: Decimal
    qty_backordered: Decimal
    qty_reserved: Decimal
    work_order_ids: tuple[str, ...]
    #: Shipped when the line was marked fulfilled.
    qty_shipped: Decimal = ZERO

    @property
    def fulfilled(self) -> bool:
        return self.qty > 0 and self.qty_shipped >= self.qty

    @property
    def ready_to_ship(self) -> bool:
        """All of what is still to ship is in stock for the line (its work orders may
        still have to be completed: the fulfil command says so)."""
        left = self.qty - self.qty_shipped
        return self.status == "matched" and left > 0 and self.qty_reserved >= left


@dataclass(frozen=True)
class SalesOrderView:
    id: str
    external_id: str
    source: str
    status: str
    lines: tuple[SalesLineView, ...]


def sales_order(session: Session, sales_order_id: str) -> SalesOrderView:
    so = session.get(SalesOrder, sales_order_id)
    if so is None or so.deleted_at is not None:
        raise NotFound("That sales order does not exist.", id=sales_order_id)
    lines = []
    for line in so.lines:
        wo_ids = tuple(
            session.scalars(
                select(WoLink.work_order_id).where(WoLink.so_line_id == line.id).order_by(WoLink.id)
            )
        )
        lines.append(
            SalesLineView(
                line.line_id,
                line.sku,
                line.qty,
                "matched" if line.product_id else "unmatched",
                line.qty_from_stock,
                line.qty_from_work_orders,
                line.qty_backordered,
                line.qty_reserved,
                wo_ids,
                line.qty_shipped,
            )
        )
    return SalesOrderView(so.id, so.external_id, so.source, so.status, tuple(lines))
