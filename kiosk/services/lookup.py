"""Finding master data by the names people use (SKU, site code, workstation code,
badge); the ``active_*`` forms refuse what was deactivated, for new work."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.errors import Deactivated, NotFound, ValidationError
from kiosk.store.models import Operator, Product, Site, Workstation


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


def operator_by_badge(session: Session, badge: str) -> Operator:
    """The person with this badge, active or not (the office edits and reactivates them)."""
    op = session.scalars(select(Operator).where(Operator.badge == badge)).one_or_none()
    if op is None:
        raise NotFound(f"No operator with badge {badge}.", badge=badge)
    return op


def active_site(session: Session, code: str | None, *, purpose: str) -> Site:
    """:func:`site_by_code`, refused when the site was deactivated (``purpose``: "take
    new work orders", say)."""
    site = site_by_code(session, code)
    if not site.active:
        raise Deactivated(f"Site {site.code} is deactivated: it cannot {purpose}.", site=site.code)
    return site


def active_workstation(session: Session, code: str, *, purpose: str) -> Workstation:
    """:func:`workstation_by_code`, refused when the workstation was deactivated."""
    ws = workstation_by_code(session, code)
    if not ws.active:
        raise Deactivated(
            f"Workstation {ws.code} is deactivated: it cannot {purpose}.", workstation=ws.code
        )
    return ws


def active_product(session: Session, sku: str, *, purpose: str) -> Product:
    """:func:`product_by_sku`, refused when the product was deactivated."""
    product = product_by_sku(session, sku)
    if not product.active:
        raise Deactivated(
            f"Product {product.sku} is deactivated: it cannot {purpose}.", sku=product.sku
        )
    return product
