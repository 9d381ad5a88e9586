"""Stock going to Shopify: each product's setting and its last push, failures first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from kiosk.store.models import Product, ShopifyStockPush, ShopifyStockSetting


@dataclass(frozen=True)
class StockPushView:
    sku: str
    name: str
    #: The product's own choice; None: the shop-wide default.
    sync: bool | None
    #: pending, done, skipped or failed.
    status: str
    changed_at: datetime
    due_at: datetime
    attempts: int
    pushed: str
    pushed_at: datetime | None
    reason: str


_ORDER = case(
    (ShopifyStockPush.status == "failed", 0),
    (ShopifyStockPush.status == "pending", 1),
    else_=2,
)


def stock_pushes(
    session: Session, *, status: str | None = None, limit: int = 200, offset: int = 0
) -> list[StockPushView]:
    query = (
        select(ShopifyStockPush, Product.sku, Product.name, ShopifyStockSetting.sync)
        .join(Product, Product.id == ShopifyStockPush.product_id)
        .outerjoin(ShopifyStockSetting, ShopifyStockSetting.product_id == Product.id)
        .order_by(_ORDER, ShopifyStockPush.changed_at.desc(), Product.sku)
        .limit(limit)
        .offset(offset)
    )
    if status:
        query = query.where(ShopifyStockPush.status == status)
    return [
        StockPushView(
            sku=sku,
            name=name,
            sync=sync,
            status=row.status,
            changed_at=row.changed_at,
            due_at=row.due_at,
            attempts=row.attempts,
            pushed=row.pushed,
            pushed_at=row.pushed_at,
            reason=row.result,
        )
        for row, sku, name, sync in session.execute(query)
    ]
