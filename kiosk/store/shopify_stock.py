"""Finished stock going back to Shopify: which products do, and the queue of pushes.

Server records only (no kiosk receives them). One queue row per product: a stock
change of the product marks it due, in the transaction of the change, so nothing a
crash interrupts is lost and a burst of changes is one push (the pusher reads the
quantity when it pushes, not when the change was queued).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.base import Base
from kiosk.store.types import UtcDateTime


class ShopifyStockSetting(Base):
    """A product's own choice (sync or not); without a row the shop-wide default holds."""

    __tablename__ = "shopify_stock_setting"

    product_id: Mapped[str] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    sync: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ShopifyStockPush(Base):
    """The product's available stock, to be set in Shopify (or set, or failing)."""

    __tablename__ = "shopify_stock_push"

    product_id: Mapped[str] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    #: pending (due at ``due_at``) | done | skipped (not synced, or not in the shop) | failed
    status: Mapped[str] = mapped_column(String(10), index=True)
    #: When its stock last changed.
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    #: Tries since it last succeeded (the backoff grows with them).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: A pusher working on it until then; the others leave it.
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: What was last set, e.g. "655441491 (MAIN): 7".
    pushed: Mapped[str] = mapped_column(Text, default="")
    #: Why the last try failed or was skipped ("" after a success).
    result: Mapped[str] = mapped_column(Text, default="")
