"""Stored Shopify deliveries, newest first: what the shop sent and what became of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.enums import DeliveryStatus
from kiosk.store.models import WebhookDelivery


@dataclass(frozen=True)
class DeliveryView:
    id: str
    topic: str
    #: The shop's event (or webhook) id: a retried delivery carries the same one.
    event_id: str
    shop_domain: str | None
    #: The Shopify order it is about (None until the inbox has read it).
    order: str | None
    received_at: datetime
    processed_at: datetime | None
    #: applied, deferred, ignored or failed.
    status: str
    reason: str
    attempts: int
    request_id: str
    #: The payload as it arrived (only when one delivery is read).
    body: str | None = None


@dataclass(frozen=True)
class DeliveryFilters:
    #: Public statuses (applied, deferred, ignored, failed); empty: all.
    statuses: Sequence[str] = ()
    topic: str | None = None
    order: str | None = None


def list_deliveries(
    session: Session, filters: DeliveryFilters, *, limit: int = 50, offset: int = 0
) -> tuple[list[DeliveryView], int]:
    """One page of deliveries, newest first, and how many match in all."""
    query = select(WebhookDelivery).where(WebhookDelivery.source == "shopify")
    if filters.statuses:
        stored = [s.value for p in filters.statuses for s in DeliveryStatus.stored_as(p)]
        query = query.where(WebhookDelivery.status.in_(stored))
    if filters.topic:
        query = query.where(WebhookDelivery.topic == filters.topic)
    if filters.order:
        query = query.where(WebhookDelivery.order_ref == filters.order)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(WebhookDelivery.received_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_view(row) for row in rows], int(total)


def delivery(session: Session, delivery_id: str) -> DeliveryView | None:
    row = session.get(WebhookDelivery, delivery_id[:36])
    return _view(row, body=True) if row is not None else None


def delivery_topics(session: Session) -> list[str]:
    """The topics deliveries have come with (for the console's filter)."""
    return list(
        session.scalars(select(WebhookDelivery.topic).distinct().order_by(WebhookDelivery.topic))
    )


def _view(row: WebhookDelivery, *, body: bool = False) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        topic=row.topic,
        event_id=row.delivery_key,
        shop_domain=row.shop_domain,
        order=row.order_ref,
        received_at=row.received_at,
        processed_at=row.processed_at,
        status=DeliveryStatus(row.status).public,
        reason=row.result,
        attempts=row.attempts,
        request_id=row.request_id,
        body=row.body if body else None,
    )
