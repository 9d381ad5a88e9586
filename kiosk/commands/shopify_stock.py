"""Which products' stock goes to Shopify, and pushing one again now.

The pushing itself is the server's (``sync.server.shopify_stock``); these commands
only decide and mark the product due, audited under the person who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.commands.base import Command, Policy, Sync, handles
from kiosk.services.context import Context
from kiosk.services.lookup import product_by_sku
from kiosk.store.models import Product, ShopifyStockPush, ShopifyStockSetting


@dataclass(frozen=True, kw_only=True)
class SetShopifyStockSync(Command):
    """``sync`` True or False for this product; None: follow the shop-wide default."""

    type_name = "set_shopify_stock_sync"
    policy = Policy(sync=Sync.OFFICE)
    sku: str
    sync: bool | None


@handles(SetShopifyStockSync)
def set_shopify_stock_sync(ctx: Context, cmd: SetShopifyStockSync) -> dict[str, Any]:
    product = product_by_sku(ctx.session, cmd.sku)
    setting = ctx.session.get(ShopifyStockSetting, product.id)
    if cmd.sync is None:
        if setting is not None:
            ctx.session.delete(setting)
    elif setting is None:
        ctx.session.add(
            ShopifyStockSetting(product_id=product.id, sync=bool(cmd.sync), updated_at=ctx.now)
        )
    else:
        setting.sync = bool(cmd.sync)
        setting.updated_at = ctx.now
    _due(ctx, product)
    return {"sku": product.sku, "sync": cmd.sync}


@dataclass(frozen=True, kw_only=True)
class PushShopifyStock(Command):
    """Push this product's stock to Shopify now (after fixing what made it fail)."""

    type_name = "push_shopify_stock"
    policy = Policy(sync=Sync.OFFICE)
    sku: str


@handles(PushShopifyStock)
def push_shopify_stock(ctx: Context, cmd: PushShopifyStock) -> dict[str, Any]:
    product = product_by_sku(ctx.session, cmd.sku)
    _due(ctx, product)
    return {"sku": product.sku}


def _due(ctx: Context, product: Product) -> None:
    row = ctx.session.get(ShopifyStockPush, product.id, with_for_update=True)
    if row is None:
        row = ShopifyStockPush(product_id=product.id, pushed="", result="")
        ctx.session.add(row)
    row.status = "pending"
    row.changed_at = ctx.now
    row.due_at = ctx.now
    row.attempts = 0
