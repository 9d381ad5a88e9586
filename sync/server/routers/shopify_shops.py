"""Shop routes (admin): which site each Shopify shop's orders, and each location's, go to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.commands import DeleteShopifyRoute, LocationRouteSpec, SetShopifyRoute
from kiosk.commands.shopify_routes import WAITING
from kiosk.domain.errors import NotFound
from kiosk.services import shop_routing
from kiosk.store.models import ShopifyShop, Site, WebhookDelivery
from sync.server.auth import Admin
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.schemas import Body, Code
from sync.server.state import State

router = APIRouter(prefix="/shopify/shops", tags=["shopify"], responses=PROBLEM_RESPONSES)

ShopDomain = Annotated[
    str,
    Path(
        max_length=255,
        pattern=shop_routing.DOMAIN_PATTERN,
        description="The shop as Shopify names it in X-Shopify-Shop-Domain "
        "(acme.myshopify.com); any case.",
        examples=["acme.myshopify.com"],
    ),
]
LocationId = Annotated[str, StringConstraints(pattern=shop_routing.LOCATION_PATTERN)]


class ShopRouteIn(Body):
    #: The site of the shop's orders that no location below names (online orders have
    #: no location); null: those orders wait for a route.
    site: Code | None = None  # type: ignore[valid-type]
    #: Shopify location id (the order's ``location_id``, set on POS orders) -> site code.
    locations: dict[LocationId, Code] = Field(  # type: ignore[valid-type]
        default_factory=dict,
        max_length=500,
        examples=[{"655441491": "EAST"}],
        # Pydantic states the keys' pattern as patternProperties; only this makes the
        # schema refuse a key that does not match it, as the server does.
        json_schema_extra={"additionalProperties": False},
    )


class ShopRouteOut(BaseModel):
    shop_domain: str
    #: Whether the office routed this shop (false: it is only known by waiting orders).
    routed: bool
    site: str | None
    locations: dict[str, str]
    #: Deliveries of this shop waiting for a route.
    waiting: int
    #: Deliveries this change handed back to the inbox to be applied (PUT only).
    released: int = 0
    updated_at: datetime | None = None


def _waiting(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(WebhookDelivery.shop_domain, func.count())
        .where(WebhookDelivery.status == WAITING)
        .group_by(WebhookDelivery.shop_domain)
    ).tuples()
    return {shop or "": n for shop, n in rows}


def _out(session: Session, shop: ShopifyShop, waiting: dict[str, int]) -> ShopRouteOut:
    codes = dict(session.execute(select(Site.id, Site.code)).tuples().all())
    return ShopRouteOut(
        shop_domain=shop.shop_domain,
        routed=True,
        site=codes[shop.site_id] if shop.site_id else None,
        locations={r.location_id: codes[r.site_id] for r in shop.locations},
        waiting=waiting.get(shop.shop_domain, 0),
        updated_at=shop.updated_at,
    )


def _one(session: Session, domain: str) -> ShopRouteOut:
    shop = session.get(ShopifyShop, shop_routing.shop_domain(domain))
    if shop is None:
        raise NotFound(f"Shop {domain} has no route.", shop_domain=domain)
    return _out(session, shop, _waiting(session))


@router.get("")
def list_shopify_shops(_: Admin, state: State) -> list[ShopRouteOut]:
    """Every routed shop, and every shop whose orders wait for a route (``routed`` false)."""
    with state.read() as session:
        waiting = _waiting(session)
        shops = list(session.scalars(select(ShopifyShop).order_by(ShopifyShop.shop_domain)))
        out = [_out(session, shop, waiting) for shop in shops]
        known = {shop.shop_domain for shop in shops}
        out += [
            ShopRouteOut(shop_domain=domain, routed=False, site=None, locations={}, waiting=n)
            for domain, n in sorted(waiting.items())
            if domain not in known
        ]
        return out


@router.get("/{shop_domain}")
def get_shopify_shop(shop_domain: ShopDomain, _: Admin, state: State) -> ShopRouteOut:
    with state.read() as session:
        return _one(session, shop_domain)


@router.put("/{shop_domain}")
def set_shopify_shop(
    request: Request, body: ShopRouteIn, shop_domain: ShopDomain, who: Admin, state: State
) -> ShopRouteOut:
    """Route the shop's orders to a site, and its locations' to theirs (this replaces the
    shop's route). Its deliveries waiting for a route are applied right after."""
    result = state.run(
        SetShopifyRoute(
            shop_domain=shop_domain,
            site=body.site,
            locations=[LocationRouteSpec(loc, site) for loc, site in body.locations.items()],
            actor=who.actor(),
        )
    )
    released = int(result.data["released"])
    if released:
        request.app.state.inbox.wake()
    with state.read() as session:
        return _one(session, shop_domain).model_copy(update={"released": released})


@router.delete("/{shop_domain}", status_code=status.HTTP_204_NO_CONTENT)
def delete_shopify_shop(shop_domain: ShopDomain, who: Admin, state: State) -> Response:
    """Forget the shop's route: its new orders wait for one (unless there is one site)."""
    state.run(DeleteShopifyRoute(shop_domain=shop_domain, actor=who.actor()))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
