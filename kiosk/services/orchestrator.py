"""Covering sales-order lines: stock first, then MTO work orders, else back-order."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import inspect, select
from sqlalchemy.orm import object_session

from kiosk.domain.enums import NOT_STARTED, NotificationKind, WoType
from kiosk.domain.quantities import fmt_qty
from kiosk.services import stock
from kiosk.services.context import Context
from kiosk.services.materials import products_needed
from kiosk.services.planning import (
    PlannedItem,
    allocate_or_block,
    new_work_order,
    pick_workstation,
    replan,
)
from kiosk.store.base import new_id
from kiosk.store.models import (
    Product,
    SalesOrder,
    SalesOrderLine,
    Site,
    WoItem,
    WoLink,
    WorkOrder,
)

ZERO = Decimal(0)


def lock_order_stock(ctx: Context, site_id: str, product_ids: Iterable[str]) -> None:
    """Lock, first and in one fixed order, every stock row covering these lines can touch.

    Covering a line reserves its product, then extends or makes a work order that
    reserves the product's components (and theirs, for sub-assemblies); a line's
    product can be another line's component. Taking all of those rows at the start,
    sorted by product, means two orders never hold one row each while waiting for the
    other's, so orders for different products run side by side and orders that share
    one queue on it. The later locks of the same rows find them already held.
    (SQLite's BEGIN IMMEDIATE serializes every writer anyway.)
    """
    stock.lock_stock(ctx.session, site_id, products_needed(ctx.session, product_ids))


def uncovered(line: SalesOrderLine) -> Decimal:
    return line.qty - line.qty_from_stock - line.qty_from_work_orders - line.qty_backordered


def cover_line(ctx: Context, so: SalesOrder, line: SalesOrderLine, qty: Decimal) -> None:
    """Cover ``qty`` more of a matched line: reserve available stock, build the rest."""
    product = ctx.session.get(Product, line.product_id)
    assert product is not None
    level = stock.lock_stock(ctx.session, so.site_id, [product.id])[product.id]
    take = min(max(level.available, ZERO), qty)
    if take > 0:
        level.reserved += take
        line.qty_from_stock += take
        line.qty_reserved += take
    rest = qty - take
    if rest <= 0:
        return
    if product.bom is None:
        line.qty_backordered += rest
        ctx.notify(
            NotificationKind.BACK_ORDER,
            f"Order {so.external_id} line {line.line_id}: {fmt_qty(rest)} {product.sku} "
            "back-ordered (not in stock, and it has no BOM to build it).",
            site_id=so.site_id,
            sales_order_id=so.id,
        )
        return
    wo = _extendable(ctx, so.site_id, product)
    if wo is not None:
        wo.items[0].qty_planned += rest
        link_line(wo, line, rest)
        replan(ctx, wo)
    else:
        site = ctx.session.get(Site, so.site_id)
        assert site is not None
        assert product.bom is not None
        wo = new_work_order(
            ctx,
            site,
            [PlannedItem(product, rest)],
            wo_type=WoType.MTO,
            name=f"{product.name} for order {so.external_id}",
            workstation=pick_workstation(ctx, so.site_id, product.bom),
        )
        link_line(wo, line, rest)
        allocate_or_block(ctx, wo)
    line.qty_from_work_orders += rest


def link_line(wo: WorkOrder, line: SalesOrderLine, qty: Decimal) -> None:
    """Add ``qty`` to the WO's link to the line (made if new), without loading every link:
    a work order extended by many orders has many."""
    session = object_session(wo)
    assert session is not None
    link = session.scalars(
        select(WoLink).where(WoLink.work_order_id == wo.id, WoLink.so_line_id == line.id)
    ).first()
    if link is not None:
        link.qty += qty
        return
    link = WoLink(id=new_id(), work_order_id=wo.id, so_line_id=line.id, qty=qty, qty_delivered=ZERO)
    if "links" in inspect(wo).unloaded:
        session.add(link)  # the collection, when read, loads it with the rest
    else:
        wo.links.append(link)


def _extendable(ctx: Context, site_id: str, product: Product) -> WorkOrder | None:
    """The oldest not-started MTO WO building only this product at this site."""
    candidates = ctx.session.scalars(
        select(WorkOrder)
        .join(WoItem, WoItem.work_order_id == WorkOrder.id)
        .where(
            WorkOrder.site_id == site_id,
            WorkOrder.type == WoType.MTO.value,
            WorkOrder.status.in_([s.value for s in NOT_STARTED]),
            WorkOrder.unlink_pending.is_(False),
            WoItem.product_id == product.id,
        )
        .order_by(WorkOrder.created_at, WorkOrder.number)
        .with_for_update(key_share=True)
    ).all()
    for wo in candidates:
        if len(wo.items) == 1:
            ctx.track(wo)
            return wo
    return None
