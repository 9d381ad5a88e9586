"""Applying Shopify deliveries to sales orders through the core's commands.

Each order delivery is a snapshot: applied only if it is not older than what was
applied last, and applied by converging (ingest if new, then change or cancel
what differs), so applying the same snapshot twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kiosk import queries
from kiosk.commands import (
    Actor,
    CancelSalesOrder,
    ChangeSalesOrder,
    IngestSalesOrder,
    LineChange,
    LineSpec,
)
from kiosk.domain.enums import SalesOrderSource, SalesOrderStatus
from kiosk.domain.errors import NotFound
from sync.server.shopify import OrderSnapshot, Refund
from sync.server.state import ServerState

SHOPIFY = Actor(principal="shopify")


@dataclass
class OrderState:
    """What was applied of one Shopify order so far (a copy of its ``shopify_order`` row)."""

    sales_order_id: str | None = None
    snapshot_at: datetime | None = None
    refund_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What applying a delivery did, in words; ``applied`` False: it was set aside with no
    effect (stale, a repeat, nothing to do), and the delivery is listed as ignored."""

    text: str
    applied: bool = True

    def after(self, prefix: str) -> Outcome:
        return Outcome(prefix + self.text, self.applied)


def ignored(text: str) -> Outcome:
    return Outcome(text, applied=False)


class Deferred(Exception):
    """Cannot be applied yet (a refund for an order not seen); try again later."""


def apply_order(
    state: ServerState, snap: OrderSnapshot, st: OrderState, *, site: str | None = None
) -> Outcome:
    """Converge the sales order to ``snap`` (a new one is taken at ``site``, the code of
    the site its shop or location is routed to); returns what happened, for the inbox."""
    if st.snapshot_at is not None and snap.updated_at < st.snapshot_at:
        return ignored("stale snapshot; a newer one was applied")
    st.snapshot_at = snap.updated_at
    notes = []
    if st.sales_order_id is None:
        lines = [LineSpec(x.line_id, x.sku, x.qty) for x in snap.lines if x.qty > 0]
        if not lines:
            return ignored("no quantities to order")
        result = state.run(
            IngestSalesOrder(
                external_id=snap.order_key,
                source=SalesOrderSource.SHOPIFY.value,
                lines=lines,
                site=site,
                actor=SHOPIFY,
            )
        )
        st.sales_order_id = str(result.data["sales_order_id"])
        notes.append("created" if result.data.get("created") else "found")
    view = _order(state, st.sales_order_id)
    if view is None or view.status != SalesOrderStatus.OPEN.value:
        said = " ".join([*notes, f"order is {view.status if view else 'deleted'}; nothing more"])
        return Outcome(said) if notes else ignored(said)
    if snap.cancelled:
        state.run(CancelSalesOrder(sales_order_id=view.id, refunded=snap.refunded, actor=SHOPIFY))
        return Outcome(" ".join([*notes, "cancelled"]))
    current = {line.line_id: line.qty for line in view.lines}
    in_snapshot = {x.line_id for x in snap.lines}
    changes = [
        LineChange(x.line_id, x.qty)
        for x in snap.lines
        if x.line_id in current and current[x.line_id] != x.qty
    ]
    # A line gone from the order (not just set to 0) is removed all the same.
    changes += [
        LineChange(line_id, 0)
        for line_id, qty in current.items()
        if line_id not in in_snapshot and qty > 0
    ]
    added = [
        LineSpec(x.line_id, x.sku, x.qty)
        for x in snap.lines
        if x.line_id not in current and x.qty > 0
    ]
    if changes or added:
        state.run(
            ChangeSalesOrder(sales_order_id=view.id, lines=changes, added=added, actor=SHOPIFY)
        )
    if changes:
        notes.append(f"changed {len(changes)} line(s)")
    if added:
        notes.append("added line(s) " + ", ".join(a.line_id for a in added))
    return Outcome(" ".join(notes) or "unchanged")


def apply_refund(state: ServerState, refund: Refund, st: OrderState) -> Outcome:
    """Reduce the refunded lines (0 removes one); refunding everything cancels the order."""
    if refund.refund_id in st.refund_ids:
        return ignored("refund already applied")
    if st.sales_order_id is None:
        if st.snapshot_at is not None:
            return ignored("the order was never taken; nothing to refund")
        raise Deferred("the order has not arrived yet")
    st.refund_ids = (*st.refund_ids, refund.refund_id)
    if st.snapshot_at is not None and st.snapshot_at >= refund.created_at:
        return ignored("already part of the order snapshot")
    st.snapshot_at = refund.created_at
    view = _order(state, st.sales_order_id)
    if view is None or view.status != SalesOrderStatus.OPEN.value:
        return ignored(f"order is {view.status if view else 'deleted'}; nothing to refund")
    current = {line.line_id: line.qty for line in view.lines}
    changes = [
        LineChange(line_id, max(current[line_id] - qty, Decimal(0)))
        for line_id, qty in refund.lines.items()
        if line_id in current and qty > 0
    ]
    remaining = dict(current)
    remaining.update({c.line_id: c.qty for c in changes})  # type: ignore[misc]
    if changes and all(qty == 0 for qty in remaining.values()):
        state.run(CancelSalesOrder(sales_order_id=view.id, refunded=True, actor=SHOPIFY))
        return Outcome("refunded in full; order cancelled")
    if changes:
        state.run(
            ChangeSalesOrder(
                sales_order_id=view.id, lines=changes, reason="refunded", actor=SHOPIFY
            )
        )
        return Outcome(f"refund reduced {len(changes)} line(s)")
    return Outcome("refund moved no quantities")


def _order(state: ServerState, sales_order_id: str) -> queries.SalesOrderView | None:
    with state.read() as session:
        try:
            return queries.sales_order(session, sales_order_id)
        except NotFound:
            return None
