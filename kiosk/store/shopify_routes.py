"""Which site a Shopify shop's orders go to: per shop, and per Shopify location of a shop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.store.base import Base
from kiosk.store.types import UtcDateTime


class ShopifyShop(Base):
    """A shop the office routed; ``site_id`` takes its orders no location route names."""

    __tablename__ = "shopify_shop"

    #: ``X-Shopify-Shop-Domain`` as Shopify sends it, lower-cased (``acme.myshopify.com``).
    shop_domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: None: only orders from a routed location are taken; the rest wait for a route.
    site_id: Mapped[str | None] = mapped_column(ForeignKey("site.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    locations: Mapped[list[ShopifyLocationRoute]] = relationship(
        cascade="all, delete-orphan", order_by="ShopifyLocationRoute.location_id"
    )


class ShopifyLocationRoute(Base):
    """Orders a shop took at one Shopify location (the order's ``location_id``) go here."""

    __tablename__ = "shopify_location_route"

    shop_domain: Mapped[str] = mapped_column(
        ForeignKey("shopify_shop.shop_domain", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
