"""Shopify: webhook signatures over the raw body, and reading orders and refunds from payloads."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.domain.errors import DomainError
from kiosk.services import shop_routing

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
REFUND_TOPIC = "refunds/create"
TOPICS = ORDER_TOPICS | {REFUND_TOPIC}


def signature(secret: str, raw: bytes) -> str:
    """What Shopify puts in ``X-Shopify-Hmac-Sha256``: base64 of HMAC-SHA256 of the raw body."""
    mac = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def verify(secret: str | None, raw: bytes, header: str | None) -> bool:
    """Constant-time check of the signature; no secret configured means nothing verifies."""
    if not secret or not header:
        return False
    return hmac.compare_digest(signature(secret, raw).encode(), header.strip().encode("utf-8"))


class PayloadError(ValueError):
    """A verified payload that does not hold what its topic promises."""


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    sku: str
    qty: int


@dataclass(frozen=True)
class OrderSnapshot:
    order_key: str
    updated_at: datetime
    cancelled: bool
    refunded: bool
    lines: tuple[OrderLine, ...]
    #: The order's ``location_id``: the physical (POS) location that took it; Shopify
    #: sends null for online orders (their fulfilment location is not in the order).
    location_id: str | None = None


@dataclass(frozen=True)
class Refund:
    refund_id: str
    order_key: str
    created_at: datetime
    #: Refunded quantity per line id.
    lines: dict[str, int]


def _id(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise PayloadError(f"{what} is missing")
    text = str(value).strip()
    if len(text) > 64:
        raise PayloadError(f"{what} is too long")
    return text


def _time(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise PayloadError(f"{what} is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{what} is not a time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError(f"{what} is not a whole number")
    return value


def order_key(topic: str, data: dict[str, Any]) -> str:
    return _id(data.get("order_id") if topic == REFUND_TOPIC else data.get("id"), "order id")


def parse_order(data: dict[str, Any]) -> OrderSnapshot:
    """The order as it stands; quantities are ``current_quantity`` (after edits and refunds)."""
    key = _id(data.get("id"), "order id")
    stamp = data.get("updated_at") or data.get("created_at")
    items = data.get("line_items")
    if not isinstance(items, list):
        raise PayloadError("line_items is missing")
    lines = []
    for item in items:
        if not isinstance(item, dict):
            raise PayloadError("a line item is not an object")
        qty = item.get("current_quantity", item.get("quantity"))
        sku = item.get("sku")
        lines.append(
            OrderLine(
                line_id=_id(item.get("id"), "line item id"),
                sku=sku.strip()[:100] if isinstance(sku, str) else "",
                qty=_count(qty, "line item quantity"),
            )
        )
    return OrderSnapshot(
        order_key=key,
        updated_at=_time(stamp, "updated_at"),
        cancelled=data.get("cancelled_at") is not None,
        refunded=data.get("financial_status") == "refunded",
        lines=tuple(lines),
        location_id=_location(data.get("location_id")),
    )


def _location(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return shop_routing.location_id(value)
    except DomainError:
        raise PayloadError(f"location_id is not a Shopify location id: {value!r}") from None


def parse_refund(data: dict[str, Any]) -> Refund:
    lines: dict[str, int] = {}
    items = data.get("refund_line_items") or []
    if not isinstance(items, list):
        raise PayloadError("refund_line_items is not a list")
    for item in items:
        if not isinstance(item, dict):
            raise PayloadError("a refund line is not an object")
        line_id = _id(item.get("line_item_id"), "refunded line item id")
        lines[line_id] = lines.get(line_id, 0) + _count(item.get("quantity"), "refunded quantity")
    return Refund(
        refund_id=_id(data.get("id"), "refund id"),
        order_key=_id(data.get("order_id"), "order id"),
        created_at=_time(data.get("created_at") or data.get("processed_at"), "created_at"),
        lines=lines,
    )
