"""Finding master data by the names people use (SKU, site code, workstation code)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.errors import NotFound, ValidationError
from kiosk.store.models import Product, Site, Workstation


def sku_key(sku: str) -> str:
    """SKUs match case-insensitively after trimming."""
    return sku.strip().lower()


def find_product(session: Session, sku: str) -> Product | None:
    if not isinstance(sku, str) or not sku.strip():
        return None
    return session.scalars(select(Product).where(Product.sku_key == sku_key(sku))).one_or_none()


def product_by_sku(session: Session, sku: str) -> Product:
    if not isinstance(sku, str) or not sku.strip():
        raise ValidationError("A SKU is required.", field="sku")
    product = find_product(session, sku)
    if product is None:
        raise NotFound(f"No product with SKU {sku.strip()}.", sku=sku)
    return product


def site_by_code(session: Session, code: str | None) -> Site:
    """The named site, or the default one when none is named (single-site installs)."""
    if code:
        site = session.scalars(select(Site).where(Site.code == code)).one_or_none()
        if site is None:
            raise NotFound(f"No site {code}.", site=code)
        return site
    site = session.scalars(select(Site).where(Site.is_default.is_(True))).first()
    if site is None:
        raise NotFound("No default site is set up.")
    return site


def workstation_by_code(session: Session, code: str) -> Workstation:
    ws = session.scalars(select(Workstation).where(Workstation.code == code)).one_or_none()
    if ws is None:
        raise NotFound(f"No workstation {code}.", workstation=code)
    return ws
