"""Which site a Shopify order goes to: its location's route, else its shop's, else none.

A server with a single site takes every shop's orders there without a route (a
single-site install never asks about sites); with several sites an order from a
shop or location nobody routed has no site, and waits for the office to name one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.errors import ValidationError
from kiosk.store.models import Counter, ShopifyShop, Site

#: A Counter row every route change and every parked delivery locks first, so a
#: delivery parked while a route is being set is either seen by it or sees it.
ROUTES_LOCK = "shopify_routes"

_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#: A shop's domain in any case (``X-Shopify-Shop-Domain``); the API's schema says the same.
DOMAIN_PATTERN = rf"^{_LABEL}(?:\.{_LABEL})+$"
#: A Shopify location id as the REST payloads carry it: a number, no leading zero.
LOCATION_PATTERN = "^(?:0|[1-9][0-9]{0,19})$"
_DOMAIN = re.compile(DOMAIN_PATTERN)
_LOCATION = re.compile(LOCATION_PATTERN)


@dataclass(frozen=True)
class Route:
    #: The site's code, or None: no route (the order waits).
    site: str | None
    #: How the site was chosen, or why there is none, in words for the inbox and the office.
    why: str


def shop_domain(value: object) -> str:
    """``acme.myshopify.com`` as Shopify names it in ``X-Shopify-Shop-Domain``, lower-cased."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > 255 or not _DOMAIN.match(text) or "\n" in text:
        raise ValidationError(
            "A shop is named by its domain, e.g. acme.myshopify.com.", field="shop_domain"
        )
    return text.lower()


def location_id(value: object) -> str:
    """A Shopify location id (the number an order's ``location_id`` carries), as text."""
    ok = isinstance(value, int | str) and not isinstance(value, bool)
    text = str(value).strip() if ok else ""
    if not _LOCATION.match(text) or "\n" in text:
        raise ValidationError(
            f"A Shopify location id is a number, not {text!r}.", field="location_id"
        )
    return text


def lock_routes(session: Session) -> None:
    """Serialize route changes with deliveries being parked (see ROUTES_LOCK)."""
    session.execute(select(Counter.name).where(Counter.name == ROUTES_LOCK).with_for_update())


def resolve(session: Session, shop: str | None, location: str | None) -> Route:
    """The site for an order of ``shop`` taken at ``location`` (None: an online order)."""
    where = f"location {location}" if location else "online orders (no location)"
    row = session.get(ShopifyShop, shop) if shop else None
    if row is not None:
        for route in row.locations:
            if route.location_id == location:
                return Route(_code(session, route.site_id), f"{where} of {shop}")
        if row.site_id is not None:
            return Route(_code(session, row.site_id), f"shop {shop}")
        return Route(None, f"{where} of shop {shop} has no site to go to")
    if session.scalar(select(func.count()).select_from(Site)) == 1:
        only = session.scalars(select(Site.code)).one()
        return Route(only, "the only site")
    if not shop:
        return Route(None, "a delivery without X-Shopify-Shop-Domain has no site to go to")
    return Route(None, f"shop {shop} has no route to a site")


def _code(session: Session, site_id: str) -> str:
    site = session.get(Site, site_id)
    assert site is not None  # a foreign key
    return site.code
