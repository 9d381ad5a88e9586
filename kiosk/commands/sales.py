"""Sales orders: ingest (the orchestrator), change, cancel, delete, and a supervisor's
answer to an unlinked work order."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from kiosk.commands.base import Command, Policy, Supervisor, Sync, handles
from kiosk.domain.enums import (
    MovementKind,
    NotificationKind,
    SalesOrderSource,
    SalesOrderStatus,
    WoStatus,
    WoType,
)
from kiosk.domain.errors import Conflict, NotFound, ValidationError
from kiosk.domain.quantities import fmt_qty, parse_qty
from kiosk.services import stock
from kiosk.services.context import Context
from kiosk.services.lookup import active_site, find_product
from kiosk.services.materials import rescale_item
from kiosk.services.orchestrator import cover_line, link_line, lock_order_stock, uncovered
from kiosk.services.planning import replan
from kiosk.services.sales_changes import change_line_qty, linked, recover_line
from kiosk.store.base import new_id
from kiosk.store.models import (
    Product,
    SalesOrder,
    SalesOrderLine,
    WoLink,
    WoMaterial,
    WoMessage,
)


@dataclass(frozen=True)
class LineSpec:
    line_id: str
    sku: str
    qty: Decimal | str | int


@dataclass(frozen=True, kw_only=True)
class IngestSalesOrder(Command):
    """A new sales order; the same external id twice changes nothing."""

    type_name = "ingest_sales_order"
    policy = Policy(sync=Sync.OFFICE)
    external_id: str
    lines: list[LineSpec]
    source: str = SalesOrderSource.API.value
    site: str | None = None


@handles(IngestSalesOrder)
def ingest(ctx: Context, cmd: IngestSalesOrder) -> dict[str, Any]:
    if not isinstance(cmd.external_id, str) or not cmd.external_id.strip():
        raise ValidationError("A sales order needs its external id.", field="external_id")
    try:
        source = SalesOrderSource(cmd.source)
    except ValueError:
        raise ValidationError("Source must be shopify, api or manual.", field="source") from None
    external_id = cmd.external_id.strip()
    existing = ctx.session.scalars(
        select(SalesOrder).where(
            SalesOrder.source == source.value, SalesOrder.external_id == external_id
        )
    ).one_or_none()
    if existing is not None:
        return {"sales_order_id": existing.id, "created": False}
    # A closed site takes no new order: it is refused (and a Shopify delivery fails
    # visibly, to be replayed once the office reopens the site or routes the shop).
    site = active_site(ctx.session, cmd.site, purpose="take new orders")
    if not cmd.lines:
        raise ValidationError("A sales order needs at least one line.")
    parsed = [
        (spec, parse_qty(spec.qty, what=f"Quantity of line {spec.line_id}", whole=True))
        for spec in cmd.lines
    ]
    ids = [str(spec.line_id) for spec, _ in parsed]
    if len(set(ids)) != len(ids):
        raise ValidationError("Line ids must be unique within the order.")
    so = SalesOrder(
        id=new_id(),
        site_id=site.id,
        source=source.value,
        external_id=external_id,
        status=SalesOrderStatus.OPEN.value,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(so)
    # A concurrent delivery of the same order waits here on the unique key and, once
    # that one commits, fails; the bus runs this again, which then finds it above.
    ctx.session.flush()
    products = [find_product(ctx.session, spec.sku) for spec, _ in parsed]
    lock_order_stock(ctx, site.id, [p.id for p in products if p is not None])
    for position, ((spec, qty), product) in enumerate(zip(parsed, products, strict=True)):
        _order_line(ctx, so, spec, qty, product, position)
    return {"sales_order_id": so.id, "created": True}


def _order_line(
    ctx: Context,
    so: SalesOrder,
    spec: LineSpec,
    qty: Decimal,
    product: Product | None,
    position: int,
) -> None:
    """Add one line to the order and cover it (stock, then work orders), or tell the
    office that no product has its SKU."""
    line = SalesOrderLine(
        id=new_id(),
        line_id=str(spec.line_id),
        position=position,
        sku=str(spec.sku).strip(),
        product_id=product.id if product else None,
        qty=qty,
        qty_from_stock=Decimal(0),
        qty_from_work_orders=Decimal(0),
        qty_backordered=Decimal(0),
        qty_reserved=Decimal(0),
    )
    so.lines.append(line)
    ctx.session.flush()
    if product is None:
        ctx.notify(
            NotificationKind.UNMATCHED_SKU,
            f"Order {so.external_id} line {spec.line_id}: no product has SKU "
            f"“{line.sku}”. Nothing was reserved or built for it.",
            site_id=so.site_id,
            sales_order_id=so.id,
        )
        return
    cover_line(ctx, so, line, qty)


def _lock_order(ctx: Context, sales_order_id: str) -> SalesOrder | None:
    """The order, row-locked, then the stock its lines and their work orders can touch
    (in the fixed order ingest takes it: stock before work orders)."""
    so = ctx.session.get(SalesOrder, sales_order_id, with_for_update=True)
    if so is None:
        return None
    products = {line.product_id for line in so.lines if line.product_id is not None}
    products.update(
        ctx.session.scalars(
            select(WoMaterial.product_id)
            .join(WoLink, WoLink.work_order_id == WoMaterial.work_order_id)
            .join(SalesOrderLine, SalesOrderLine.id == WoLink.so_line_id)
            .where(SalesOrderLine.sales_order_id == so.id)
        )
    )
    lock_order_stock(ctx, so.site_id, products)
    return so


def _open_order(ctx: Context, sales_order_id: str) -> SalesOrder:
    so = _lock_order(ctx, sales_order_id)
    if so is None or so.deleted_at is not None:
        raise NotFound("That sales order does not exist.", id=sales_order_id)
    if so.status != SalesOrderStatus.OPEN.value:
        raise Conflict(f"Order {so.external_id} is {so.status}; it cannot change any more.")
    return so


@dataclass(frozen=True)
class LineChange:
    line_id: str
    qty: Decimal | str | int


@dataclass(frozen=True, kw_only=True)
class ChangeSalesOrder(Command):
    """New quantities per line (0 removes the line, by the make-to-order rules), and
    lines added after the order was placed (ordered like any other line)."""

    type_name = "change_sales_order"
    policy = Policy(sync=Sync.OFFICE)
    sales_order_id: str
    lines: list[LineChange] = field(default_factory=list)
    reason: str = "quantity changed"
    added: list[LineSpec] = field(default_factory=list)


@handles(ChangeSalesOrder)
def change(ctx: Context, cmd: ChangeSalesOrder) -> dict[str, Any]:
    if not cmd.lines and not cmd.added:
        raise ValidationError(
            "Name at least one line to change or one line to add.",
            reason="nothing_to_change",
            field="lines",
        )
    so = _open_order(ctx, cmd.sales_order_id)
    by_id = {line.line_id: line for line in so.lines}
    # Every input is checked before anything moves: a refusal changes nothing.
    changes: list[tuple[SalesOrderLine, Decimal]] = []
    for change_ in cmd.lines:
        line = by_id.get(str(change_.line_id))
        if line is None:
            raise NotFound(f"Order {so.external_id} has no line {change_.line_id}.")
        qty = parse_qty(
            change_.qty, what=f"Quantity of line {line.line_id}", whole=True, allow_zero=True
        )
        if line.qty_shipped > 0 and qty != line.qty:
            raise Conflict(
                f"Line {line.line_id} of order {so.external_id} was shipped; its quantity "
                "cannot change any more.",
                reason="line_shipped",
                line_id=line.line_id,
            )
        changes.append((line, qty))
    added: list[tuple[LineSpec, Decimal]] = []
    for spec in cmd.added:
        line_id = str(spec.line_id).strip()
        if not line_id:
            raise ValidationError("A new line needs its line id.", field="added")
        if line_id in by_id:
            raise Conflict(
                f"Order {so.external_id} already has a line {line_id}; a new line needs an "
                "id of its own.",
                reason="line_exists",
                line_id=line_id,
            )
        if line_id in {str(a.line_id) for a, _ in added}:
            raise ValidationError(
                f"Line {line_id} is added twice; give it once.",
                reason="duplicate_line",
                field="added",
            )
        added.append((spec, parse_qty(spec.qty, what=f"Quantity of line {line_id}", whole=True)))
    products = [find_product(ctx.session, spec.sku) for spec, _ in added]
    if added:  # before any line moves, as ingest does: stock, then work orders
        lock_order_stock(ctx, so.site_id, [p.id for p in products if p is not None])
    for line, qty in changes:
        change_line_qty(ctx, so, line, qty, "line removed" if qty == 0 else cmd.reason)
    if added:
        position = max((line.position for line in so.lines), default=-1) + 1
        for n, ((spec, qty), product) in enumerate(zip(added, products, strict=True)):
            _order_line(ctx, so, spec, qty, product, position + n)
    so.updated_at = ctx.now
    return {"added": [str(spec.line_id) for spec, _ in added]}


@dataclass(frozen=True, kw_only=True)
class CancelSalesOrder(Command):
    type_name = "cancel_sales_order"
    policy = Policy(sync=Sync.OFFICE)
    sales_order_id: str
    refunded: bool = False


@handles(CancelSalesOrder)
def cancel_order(ctx: Context, cmd: CancelSalesOrder) -> dict[str, Any]:
    so = _open_order(ctx, cmd.sales_order_id)
    shipped = [line.line_id for line in so.lines if line.qty_shipped > 0]
    if shipped:
        raise Conflict(
            f"Order {so.external_id} has shipped line(s) {', '.join(shipped)}: it cannot be "
            "cancelled as a whole; change its other lines instead.",
            reason="order_shipped",
        )
    why = "order refunded" if cmd.refunded else "order cancelled"
    _drop_all_lines(ctx, so, why)
    so.status = (SalesOrderStatus.REFUNDED if cmd.refunded else SalesOrderStatus.CANCELLED).value
    so.updated_at = ctx.now
    return {}


@dataclass(frozen=True, kw_only=True)
class DeleteSalesOrder(Command):
    type_name = "delete_sales_order"
    policy = Policy(sync=Sync.OFFICE)
    sales_order_id: str


@handles(DeleteSalesOrder)
def delete_order(ctx: Context, cmd: DeleteSalesOrder) -> dict[str, Any]:
    so = _lock_order(ctx, cmd.sales_order_id)
    if so is None or so.deleted_at is not None:
        raise NotFound("That sales order does not exist.", id=cmd.sales_order_id)
    if so.status == SalesOrderStatus.OPEN.value:
        _drop_all_lines(ctx, so, "order deleted")
        so.status = SalesOrderStatus.CANCELLED.value
    # Kept as a tombstone: work orders and the audit log still point at it.
    so.deleted_at = ctx.now
    so.updated_at = ctx.now
    return {}


def _drop_all_lines(ctx: Context, so: SalesOrder, why: str) -> None:
    for line in so.lines:
        original = line.qty
        change_line_qty(ctx, so, line, Decimal(0), why)
        line.qty = original  # the order keeps what was ordered; its status says it is off


def _unlink_message(ctx: Context, work_order_id: str) -> WoMessage:
    message = ctx.session.scalars(
        select(WoMessage)
        .where(WoMessage.work_order_id == work_order_id, WoMessage.kind == "unlinked")
        .order_by(WoMessage.at.desc(), WoMessage.id.desc())
    ).first()
    if message is None or message.so_line_id is None:
        raise Conflict("This work order has no sales-order change waiting for a decision.")
    return message


@dataclass(frozen=True, kw_only=True)
class AcceptSalesOrderChange(Command):
    """Supervisor: take the sales order's new quantity; the WO is MTO and linked again."""

    type_name = "accept_sales_order_change"
    policy = Policy(
        sync=Sync.PUSHED,
        supervisor=Supervisor.ALWAYS,
        supervisor_for="accept a sales-order change",
    )
    work_order_id: str


@handles(AcceptSalesOrderChange)
def accept_change(ctx: Context, cmd: AcceptSalesOrderChange) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    if not wo.unlink_pending:
        raise Conflict(f"{wo.number} has no sales-order change waiting for a decision.")
    who = ctx.approved_by
    message = _unlink_message(ctx, wo.id)
    line = ctx.session.get(SalesOrderLine, message.so_line_id, with_for_update=True)
    so = ctx.session.get(SalesOrder, line.sales_order_id) if line else None
    if line is None or so is None or so.status != SalesOrderStatus.OPEN.value or line.qty == 0:
        raise Conflict(
            f"The sales-order line behind {wo.number} no longer exists; keep it as stock or "
            "cancel it."
        )
    status = WoStatus(wo.status)
    if status.is_terminal:
        raise Conflict(f"{wo.number} is {status.label.lower()}; keep it as stock instead.")
    wanted = uncovered(line)
    item = wo.items[0]
    # Units done before the unlink already count for the line as stock; what is left to
    # build (planned - done) must be what the line still lacks.
    new_planned = max(item.qty_done + wanted, Decimal(1))
    if status in (WoStatus.IN_PROGRESS, WoStatus.ON_HOLD):
        rescale_item(wo, item, new_planned)
        stock.release_excess(ctx, wo)
        stock.reserve_available(ctx, wo)
    else:
        item.qty_planned = new_planned
        replan(ctx, wo)
    wo.type = WoType.MTO.value
    wo.unlink_pending = False
    link_line(wo, line, wanted)
    line.qty_from_work_orders += wanted
    ctx.message(wo, "relinked", f"{who} accepted the new quantity ({wanted}); linked again.")
    return {}


@dataclass(frozen=True, kw_only=True)
class KeepAsStock(Command):
    """Supervisor: the unlinked WO stays make-to-stock; the order is covered afresh."""

    type_name = "keep_as_stock"
    policy = Policy(
        sync=Sync.PUSHED,
        supervisor=Supervisor.ALWAYS,
        supervisor_for="keep a work order as stock",
    )
    work_order_id: str


@handles(KeepAsStock)
def keep_as_stock(ctx: Context, cmd: KeepAsStock) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    if not wo.unlink_pending:
        raise Conflict(f"{wo.number} has no sales-order change waiting for a decision.")
    who = ctx.approved_by
    message = _unlink_message(ctx, wo.id)
    wo.unlink_pending = False
    ctx.message(wo, "kept_as_stock", f"{who} kept {wo.number} as make-to-stock.")
    line = ctx.session.get(SalesOrderLine, message.so_line_id)
    so = ctx.session.get(SalesOrder, line.sales_order_id) if line else None
    if line is not None and so is not None and so.status == SalesOrderStatus.OPEN.value:
        recover_line(ctx, so, line)
    return {}


@dataclass(frozen=True, kw_only=True)
class FulfilSalesLine(Command):
    """Ship a line whose units are all in stock for it (its work orders completed): its
    reserved stock leaves as a shipment. The order is fulfilled once every line is."""

    type_name = "fulfil_sales_line"
    policy = Policy(sync=Sync.OFFICE)
    sales_order_id: str
    line_id: str


@handles(FulfilSalesLine)
def fulfil_line(ctx: Context, cmd: FulfilSalesLine) -> dict[str, Any]:
    so = _open_order(ctx, cmd.sales_order_id)
    line = next((ln for ln in so.lines if ln.line_id == str(cmd.line_id)), None)
    if line is None:
        raise NotFound(f"Order {so.external_id} has no line {cmd.line_id}.", line_id=cmd.line_id)
    if line.product_id is None:
        raise Conflict(
            f"Line {line.line_id} orders {line.sku}, which no product has: nothing to ship.",
            reason="line_unmatched",
        )
    outstanding = line.qty - line.qty_shipped
    if outstanding <= 0:
        raise Conflict(f"Line {line.line_id} is fulfilled already.", reason="already_fulfilled")
    open_wos = [wo.number for _link, wo in linked(ctx, line) if not WoStatus(wo.status).is_terminal]
    if line.qty_reserved < outstanding or open_wos:
        said = [f"{fmt_qty(line.qty_reserved)} of {fmt_qty(outstanding)} {line.sku} are ready"]
        if open_wos:
            said.append(f"{', '.join(open_wos)} still to complete")
        if line.qty_backordered > 0:
            said.append(f"{fmt_qty(line.qty_backordered)} back-ordered")
        raise Conflict(
            f"Line {line.line_id} cannot be fulfilled yet: " + "; ".join(said) + ".",
            reason="line_not_ready",
        )
    level = stock.lock_stock(ctx.session, so.site_id, [line.product_id])[line.product_id]
    level.reserved -= outstanding
    line.qty_reserved -= outstanding
    stock.move(
        ctx,
        level,
        MovementKind.SHIPMENT,
        -outstanding,
        reason=f"order {so.external_id} line {line.line_id}",
        sales_order_id=so.id,
    )
    line.qty_shipped += outstanding
    if all(ln.qty_shipped >= ln.qty for ln in so.lines if ln.qty > 0):
        so.status = SalesOrderStatus.FULFILLED.value
    so.updated_at = ctx.now
    return {"shipped": fmt_qty(outstanding), "order_status": so.status}
