"""The wire shapes of answers, built from the core's read models (quantities as strings)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from kiosk import queries
from kiosk.domain.quantities import fmt_qty
from kiosk.queries import master_data


def q(value: Decimal) -> str:
    return fmt_qty(value)


class BomLineOut(BaseModel):
    sku: str
    qty: str


class StepOut(BaseModel):
    name: str
    instructions: str
    workstation_type: str | None
    standard_minutes: str | None


class BomOut(BaseModel):
    output_qty: str
    lines: list[BomLineOut]
    steps: list[StepOut]


class ProductOut(BaseModel):
    id: str
    sku: str
    name: str
    unit: str
    qc_required: bool
    #: False: deactivated, refused for new work orders and new BOM lines.
    active: bool
    bom: BomOut | None


def product_out(view: master_data.ProductView) -> ProductOut:
    bom = None
    if view.bom is not None:
        bom = BomOut(
            output_qty=q(view.bom.output_qty),
            lines=[BomLineOut(sku=line.sku, qty=q(line.qty)) for line in view.bom.lines],
            steps=[
                StepOut(
                    name=step.name,
                    instructions=step.instructions,
                    workstation_type=step.workstation_type,
                    standard_minutes=(
                        q(step.standard_minutes) if step.standard_minutes is not None else None
                    ),
                )
                for step in view.bom.steps
            ],
        )
    return ProductOut(
        id=view.id,
        sku=view.sku,
        name=view.name,
        unit=view.unit,
        qc_required=view.qc_required,
        active=view.active,
        bom=bom,
    )


class ProductSummary(BaseModel):
    """A row of the product list; ``GET /products/{sku}`` has the BOM."""

    id: str
    sku: str
    name: str
    unit: str
    qc_required: bool
    active: bool
    has_bom: bool


class ProductPageOut(BaseModel):
    items: list[ProductSummary]
    #: Every product the filters match, over all pages.
    total: int
    limit: int
    offset: int


def product_page_out(page: master_data.ProductPage) -> ProductPageOut:
    return ProductPageOut(
        items=[
            ProductSummary(
                id=p.id,
                sku=p.sku,
                name=p.name,
                unit=p.unit,
                qc_required=p.qc_required,
                active=p.active,
                has_bom=p.has_bom,
            )
            for p in page.items
        ],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


class SiteOut(BaseModel):
    id: str
    code: str
    name: str
    is_default: bool
    identify_by: str = "badge_scan"
    #: False: deactivated (closed down), kept for its history.
    active: bool


def site_out(row: master_data.SiteRow) -> SiteOut:
    return SiteOut(
        id=row.id,
        code=row.code,
        name=row.name,
        is_default=row.is_default,
        identify_by=row.identify_by,
        active=row.active,
    )


class WorkstationOut(BaseModel):
    id: str
    code: str
    name: str
    type: str | None
    site: str
    active: bool


class OperatorOut(BaseModel):
    """An operator as the API shows one: never the PIN or its hash."""

    id: str
    badge: str
    name: str
    role: str
    active: bool
    #: The site's code, or None: every site.
    site: str | None = None


def workstation_out(row: master_data.WorkstationRow) -> WorkstationOut:
    return WorkstationOut(
        id=row.id, code=row.code, name=row.name, type=row.type, site=row.site, active=row.active
    )


def operator_out(row: master_data.OperatorRow) -> OperatorOut:
    return OperatorOut(
        id=row.id, badge=row.badge, name=row.name, role=row.role, active=row.active, site=row.site
    )


class StockOut(BaseModel):
    sku: str
    site: str
    on_hand: str
    reserved: str
    available: str
    #: Work orders a receipt unblocked (numbers).
    unblocked: list[str] = []


def stock_out(view: queries.StockView, site: str, unblocked: list[str] | None = None) -> StockOut:
    return StockOut(
        sku=view.sku,
        site=site,
        on_hand=q(view.on_hand),
        reserved=q(view.reserved),
        available=q(view.available),
        unblocked=unblocked or [],
    )


# -- work orders --------------------------------------------------------------------------


class ItemOut(BaseModel):
    sku: str
    name: str
    qty_planned: str
    qty_built: str
    qty_done: str
    qty_awaiting_qc: str
    qty_rework_pending: str
    qty_scrapped: str
    qc_required: bool


class MaterialOut(BaseModel):
    sku: str
    name: str
    required: str
    reserved: str
    consumed: str
    short: str


class WoStepOut(BaseModel):
    id: str
    name: str
    instructions: str
    done: bool
    done_by: str | None
    skipped: bool
    #: The workstation (code) that does it: a sub-assembly's step has its own.
    workstation: str | None = None
    workstation_type: str | None = None


class LinkOut(BaseModel):
    sales_order_id: str
    external_id: str
    line_id: str
    qty: str


class HoldOut(BaseModel):
    reason: str
    note: str
    raised_by: str | None
    raised_at: datetime


class MessageOut(BaseModel):
    kind: str
    text: str
    at: datetime


class RunOut(BaseModel):
    id: str
    sku: str
    qty: str
    rework: bool
    operator_badge: str | None
    at: datetime
    reversed: bool


class WorkOrderOut(BaseModel):
    id: str
    number: str
    name: str
    status: str
    type: str
    site: str
    workstation: str | None
    scheduled_at: datetime | None
    priority: int
    notes: str
    unlink_pending: bool
    closed_short: bool
    #: Its materials were planned by hand (``materials`` on create), not spread from BOMs.
    materials_by_hand: bool = False
    items: list[ItemOut]
    materials: list[MaterialOut]
    steps: list[WoStepOut]
    links: list[LinkOut]
    hold: HoldOut | None
    messages: list[MessageOut]
    runs: list[RunOut]
    version: int


def work_order_out(wo: queries.WorkOrderView, site: str) -> WorkOrderOut:
    return WorkOrderOut(
        id=wo.id,
        number=wo.number,
        name=wo.name,
        status=wo.status.value,
        type=wo.type,
        site=site,
        workstation=wo.workstation,
        scheduled_at=wo.scheduled_at,
        priority=wo.priority,
        notes=wo.notes,
        unlink_pending=wo.unlink_pending,
        closed_short=wo.closed_short,
        materials_by_hand=wo.materials_by_hand,
        items=[
            ItemOut(
                sku=i.sku,
                name=i.name,
                qty_planned=q(i.qty_planned),
                qty_built=q(i.qty_built),
                qty_done=q(i.qty_done),
                qty_awaiting_qc=q(i.qty_awaiting_qc),
                qty_rework_pending=q(i.qty_rework_pending),
                qty_scrapped=q(i.qty_scrapped),
                qc_required=i.qc_required,
            )
            for i in wo.items
        ],
        materials=[
            MaterialOut(
                sku=m.sku,
                name=m.name,
                required=q(m.required),
                reserved=q(m.reserved),
                consumed=q(m.consumed),
                short=q(m.short),
            )
            for m in wo.materials
        ],
        steps=[
            WoStepOut(
                id=s.id,
                name=s.name,
                instructions=s.instructions,
                done=s.done,
                done_by=s.done_by,
                skipped=s.skipped,
                workstation=s.workstation,
                workstation_type=s.workstation_type,
            )
            for s in wo.steps
        ],
        links=[
            LinkOut(
                sales_order_id=link.sales_order_id,
                external_id=link.external_id,
                line_id=link.line_id,
                qty=q(link.qty),
            )
            for link in wo.links
        ],
        hold=(
            HoldOut(
                reason=wo.hold.reason,
                note=wo.hold.note,
                raised_by=wo.hold.raised_by,
                raised_at=wo.hold.raised_at,
            )
            if wo.hold
            else None
        ),
        messages=[MessageOut(kind=m.kind, text=m.text, at=m.at) for m in wo.messages],
        runs=[
            RunOut(
                id=r.id,
                sku=r.sku,
                qty=q(r.qty),
                rework=r.rework,
                operator_badge=r.operator_badge,
                at=r.at,
                reversed=r.reversed,
            )
            for r in wo.runs
        ],
        version=wo.version,
    )


class WorkOrderItemSummary(BaseModel):
    sku: str
    qty_planned: str
    qty_done: str


class WorkOrderSummary(BaseModel):
    """A row of the work-order list; ``GET /work-orders/{id}`` has everything."""

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
    items: list[WorkOrderItemSummary]
    version: int


def work_order_summary_out(row: queries.WorkOrderSummary) -> WorkOrderSummary:
    return WorkOrderSummary(
        id=row.id,
        number=row.number,
        name=row.name,
        status=row.status,
        type=row.type,
        site=row.site,
        workstation=row.workstation,
        scheduled_at=row.scheduled_at,
        priority=row.priority,
        unlink_pending=row.unlink_pending,
        on_hold=row.on_hold,
        items=[
            WorkOrderItemSummary(sku=i.sku, qty_planned=q(i.qty_planned), qty_done=q(i.qty_done))
            for i in row.items
        ],
        version=row.version,
    )


# -- sales orders ---------------------------------------------------------------------------


class SalesLineOut(BaseModel):
    line_id: str
    sku: str
    qty: str
    status: str
    qty_from_stock: str
    qty_from_work_orders: str
    qty_backordered: str
    qty_reserved: str
    work_order_ids: list[str]
    #: Shipped when the line was marked fulfilled.
    qty_shipped: str = "0"


class SalesOrderOut(BaseModel):
    id: str
    external_id: str
    source: str
    status: str
    lines: list[SalesLineOut]


def sales_order_out(so: queries.SalesOrderView) -> SalesOrderOut:
    return SalesOrderOut(
        id=so.id,
        external_id=so.external_id,
        source=so.source,
        status=so.status,
        lines=[
            SalesLineOut(
                line_id=line.line_id,
                sku=line.sku,
                qty=q(line.qty),
                status=line.status,
                qty_from_stock=q(line.qty_from_stock),
                qty_from_work_orders=q(line.qty_from_work_orders),
                qty_backordered=q(line.qty_backordered),
                qty_reserved=q(line.qty_reserved),
                work_order_ids=list(line.work_order_ids),
                qty_shipped=q(line.qty_shipped),
            )
            for line in so.lines
        ],
    )


# -- devices, notifications, audit --------------------------------------------------------------


class EnrolmentCodeOut(BaseModel):
    code: str
    expires_at: datetime
    workstation: str


class EnrolOut(BaseModel):
    device_id: str
    #: Shown once; the server keeps only its hash.
    token: str
    workstation: str
    site: str


class DeviceOut(BaseModel):
    id: str
    name: str
    workstation: str
    site: str
    enrolled_at: datetime
    revoked_at: datetime | None
    #: When the device's token was last used, and from which address (None: never).
    last_seen_at: datetime | None = None
    last_seen_address: str | None = None
    #: Commands waiting in the kiosk's outbox as it last said (``X-Kiosk-Outbox``).
    actions_waiting: int | None = None
    #: The kiosk's clock minus the server's, in seconds, as of its last push or pull.
    clock_drift_seconds: float | None = None


class NotificationOut(BaseModel):
    id: str
    kind: str
    text: str
    site: str | None
    created_at: datetime
    work_order_id: str | None
    sales_order_id: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class AuditOut(BaseModel):
    id: str
    command_id: str
    command_type: str
    result: str
    code: str | None
    detail: str
    operator_badge: str | None
    supervisor_badge: str | None
    principal: str | None
    device_id: str | None
    workstation: str | None
    device_time: datetime
    recorded_at: datetime
    work_order_id: str | None
    status_before: str | None
    status_after: str | None
    payload: dict[str, object]


class Health(BaseModel):
    #: "ok", or "failing" (with a 503) when a check failed.
    status: str
    #: Each check ("database", "schema") and "ok" or what is wrong.
    checks: dict[str, str] = {}


class PushFailureOut(BaseModel):
    """A pushed command the server failed to apply for a reason of its own."""

    command_id: str
    device_id: str
    seq: int
    type: str
    attempts: int
    last_error: str
    first_at: datetime
    last_at: datetime
    #: When it was refused as ``internal`` and the kiosk's queue moved on.
    given_up_at: datetime | None
    replayed_at: datetime | None
    replay_result: str
    command: dict[str, Any]


class DeliveryOut(BaseModel):
    """A stored Shopify delivery and what became of it."""

    id: str
    topic: str
    event_id: str
    shop_domain: str | None
    order: str | None
    received_at: datetime
    processed_at: datetime | None
    status: str
    reason: str
    attempts: int
    request_id: str
    body: str | None = None


def delivery_out(view: queries.DeliveryView) -> DeliveryOut:
    return DeliveryOut(
        id=view.id,
        topic=view.topic,
        event_id=view.event_id,
        shop_domain=view.shop_domain,
        order=view.order,
        received_at=view.received_at,
        processed_at=view.processed_at,
        status=view.status,
        reason=view.reason,
        attempts=view.attempts,
        request_id=view.request_id,
        body=view.body,
    )
