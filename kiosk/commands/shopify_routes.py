"""Routing Shopify shops and locations to sites, and parking orders that have no route.

An order nobody routed is never put at some site by guess: its delivery waits in the
inbox, the office is told which shop (and location) to route, and setting the route
hands every waiting delivery of that shop back to the inbox to be applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kiosk.commands.base import Command, Policy, Sync, handles
from kiosk.domain.enums import NotificationKind
from kiosk.domain.errors import NotFound, ValidationError
from kiosk.services import shop_routing
from kiosk.services.context import Context
from kiosk.services.lookup import site_by_code
from kiosk.store.models import (
    Notification,
    ShopifyLocationRoute,
    ShopifyShop,
    WebhookDelivery,
)

#: A delivery parked for want of a route (WebhookDelivery.status).
WAITING = "waiting"


@dataclass(frozen=True)
class LocationRouteSpec:
    location_id: str
    site: str


@dataclass(frozen=True, kw_only=True)
class SetShopifyRoute(Command):
    """Route a shop's orders: those of a listed location to its site, the rest to ``site``
    (None: only listed locations are taken; the shop's other orders wait)."""

    type_name = "set_shopify_route"
    policy = Policy(sync=Sync.OFFICE)
    shop_domain: str
    site: str | None = None
    locations: list[LocationRouteSpec] = field(default_factory=list)


@handles(SetShopifyRoute)
def set_shopify_route(ctx: Context, cmd: SetShopifyRoute) -> dict[str, Any]:
    domain = shop_routing.shop_domain(cmd.shop_domain)
    site_id = site_by_code(ctx.session, cmd.site).id if cmd.site else None
    wanted: dict[str, str] = {}
    for spec in cmd.locations:
        loc = shop_routing.location_id(spec.location_id)
        if loc in wanted:
            raise ValidationError(f"Location {loc} is listed twice.", field="locations")
        wanted[loc] = site_by_code(ctx.session, spec.site).id
    shop_routing.lock_routes(ctx.session)
    shop = ctx.session.get(ShopifyShop, domain, with_for_update=True)
    if shop is None:
        shop = ShopifyShop(shop_domain=domain, updated_at=ctx.now)
        ctx.session.add(shop)
    shop.site_id = site_id
    shop.updated_at = ctx.now
    existing = {route.location_id: route for route in shop.locations}
    for loc, route in existing.items():
        if loc not in wanted:
            shop.locations.remove(route)
    for loc, loc_site in wanted.items():
        if loc in existing:
            existing[loc].site_id = loc_site
        else:
            shop.locations.append(
                ShopifyLocationRoute(shop_domain=domain, location_id=loc, site_id=loc_site)
            )
    waiting = list(
        ctx.session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.status == WAITING, WebhookDelivery.shop_domain == domain
            )
        )
    )
    for delivery in waiting:
        delivery.status = "pending"
        delivery.result = "the shop was routed; to be applied"
        delivery.claimed_until = None
    return {"shop_domain": domain, "released": len(waiting)}


@dataclass(frozen=True, kw_only=True)
class DeleteShopifyRoute(Command):
    """Forget a shop's route; its later orders wait unless the server has a single site."""

    type_name = "delete_shopify_route"
    policy = Policy(sync=Sync.OFFICE)
    shop_domain: str


@handles(DeleteShopifyRoute)
def delete_shopify_route(ctx: Context, cmd: DeleteShopifyRoute) -> dict[str, Any]:
    domain = shop_routing.shop_domain(cmd.shop_domain)
    shop_routing.lock_routes(ctx.session)
    shop = ctx.session.get(ShopifyShop, domain, with_for_update=True)
    if shop is None:
        raise NotFound(f"Shop {domain} has no route.", shop_domain=domain)
    ctx.session.delete(shop)
    return {"shop_domain": domain}


@dataclass(frozen=True, kw_only=True)
class AwaitShopifyRoute(Command):
    """Park an order's delivery until its shop (or location) is routed, and tell the office."""

    type_name = "await_shopify_route"
    policy = Policy(sync=Sync.OFFICE)
    delivery_id: str
    shop_domain: str | None = None
    location_id: str | None = None


@handles(AwaitShopifyRoute)
def await_shopify_route(ctx: Context, cmd: AwaitShopifyRoute) -> dict[str, Any]:
    shop_routing.lock_routes(ctx.session)
    delivery = ctx.session.get(WebhookDelivery, cmd.delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "pending":
        return {"waiting": False}
    # Under the lock: a route set meanwhile is seen here, and the delivery is applied.
    route = shop_routing.resolve(ctx.session, cmd.shop_domain, cmd.location_id)
    if route.site is not None:
        return {"waiting": False, "site": route.site}
    delivery.status = WAITING
    delivery.claimed_until = None  # no inbox's now: the next one to find it pending takes it
    delivery.result = f"waiting for a route: {route.why}"
    delivery.processed_at = ctx.now
    delivery.attempts += 1
    shop = cmd.shop_domain or "<shop domain>"
    text = (
        f"Shopify orders wait: {route.why}. Route it with PUT /api/v1/shopify/shops/{shop} "
        "(a site, or a site per location); the waiting orders are applied then."
    )
    seen = ctx.session.scalars(
        select(Notification.id).where(
            Notification.kind == NotificationKind.UNROUTED_ORDER.value,
            Notification.text == text,
            Notification.acknowledged_at.is_(None),
        )
    ).first()
    if seen is None:
        ctx.notify(NotificationKind.UNROUTED_ORDER, text, site_id=None)
    return {"waiting": True, "why": route.why}
