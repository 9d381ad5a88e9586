"""Master data as the office reads it: sites, workstations, operators, products.

Each row carries its ``active`` flag: deactivated master data stays listed (filter on
it), for its history. Operators never carry their PIN or its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from kiosk.domain.errors import NotFound
from kiosk.services.lookup import product_by_sku, site_by_code
from kiosk.store.models import Bom, BomLine, Operator, Product, Site, Workstation

#: The most rows one page of products holds.
MAX_PAGE = 500


@dataclass(frozen=True)
class SiteRow:
    id: str
    code: str
    name: str
    is_default: bool
    identify_by: str
    active: bool


@dataclass(frozen=True)
class WorkstationRow:
    id: str
    code: str
    name: str
    type: str | None
    site: str
    active: bool


@dataclass(frozen=True)
class OperatorRow:
    id: str
    badge: str
    name: str
    role: str
    active: bool
    #: The site's code; None: every site.
    site: str | None


@dataclass(frozen=True)
class BomLineRow:
    sku: str
    qty: Decimal


@dataclass(frozen=True)
class BomStepRow:
    name: str
    instructions: str
    workstation_type: str | None
    standard_minutes: Decimal | None


@dataclass(frozen=True)
class BomRow:
    output_qty: Decimal
    lines: tuple[BomLineRow, ...]
    steps: tuple[BomStepRow, ...]


@dataclass(frozen=True)
class ProductRow:
    id: str
    sku: str
    name: str
    unit: str
    qc_required: bool
    active: bool
    has_bom: bool


@dataclass(frozen=True)
class ProductView:
    """One product with its BOM and routing (None: bought in, not built)."""

    id: str
    sku: str
    name: str
    unit: str
    qc_required: bool
    active: bool
    bom: BomRow | None


@dataclass(frozen=True)
class ProductPage:
    items: tuple[ProductRow, ...]
    #: Every product the filters match, over all pages.
    total: int
    limit: int
    offset: int


def _like(text: str) -> str:
    needle = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{needle}%"


# -- sites ---------------------------------------------------------------------------------


def _site_row(site: Site) -> SiteRow:
    return SiteRow(site.id, site.code, site.name, site.is_default, site.identify_by, site.active)


def sites(session: Session, *, active: bool | None = None) -> list[SiteRow]:
    query = select(Site).order_by(Site.code)
    if active is not None:
        query = query.where(Site.active.is_(active))
    return [_site_row(s) for s in session.scalars(query)]


def site(session: Session, code: str) -> SiteRow:
    return _site_row(site_by_code(session, code))


def site_by_id(session: Session, site_id: str) -> SiteRow:
    found = session.get(Site, site_id)
    if found is None:
        raise NotFound("No such site.", site=site_id)
    return _site_row(found)


# -- workstations ----------------------------------------------------------------------------


def _workstations() -> Select[tuple[Workstation, str]]:
    return select(Workstation, Site.code).join(Site, Site.id == Workstation.site_id)


def _workstation_row(ws: Workstation, site_code: str) -> WorkstationRow:
    return WorkstationRow(ws.id, ws.code, ws.name, ws.type, site_code, ws.active)


def workstations(
    session: Session, *, site: str | None = None, active: bool | None = None
) -> list[WorkstationRow]:
    """Every workstation, by code; ``site``: only that site's (an unknown site: NotFound)."""
    query = _workstations().order_by(Workstation.code)
    if site is not None:
        query = query.where(Workstation.site_id == site_by_code(session, site).id)
    if active is not None:
        query = query.where(Workstation.active.is_(active))
    return [_workstation_row(ws, code) for ws, code in session.execute(query)]


def workstation(session: Session, code: str) -> WorkstationRow:
    found = session.execute(_workstations().where(Workstation.code == code)).one_or_none()
    if found is None:
        raise NotFound(f"No workstation {code}.", workstation=code)
    return _workstation_row(*found)


# -- operators -------------------------------------------------------------------------------


def _operators() -> Select[tuple[Operator, str | None]]:
    home = aliased(Site)
    site_code = cast("ColumnElement[str | None]", home.code)  # an outer join: may be NULL
    return select(Operator, site_code).outerjoin(home, home.id == Operator.site_id)


def _operator_row(op: Operator, site_code: str | None) -> OperatorRow:
    return OperatorRow(op.id, op.badge, op.name, op.role, op.active, site_code)


def operators(
    session: Session,
    *,
    site: str | None = None,
    active: bool | None = None,
    role: str | None = None,
    q: str | None = None,
) -> list[OperatorRow]:
    """People by name (then badge). ``site``: those who work there, the people of every
    site included; ``q``: a part of the badge or the name, in any case."""
    query = _operators().order_by(Operator.name, Operator.badge)
    if site is not None:
        site_id = site_by_code(session, site).id
        query = query.where(or_(Operator.site_id == site_id, Operator.site_id.is_(None)))
    if active is not None:
        query = query.where(Operator.active.is_(active))
    if role is not None:
        query = query.where(Operator.role == role)
    if q is not None and q.strip():
        pattern = _like(q)
        query = query.where(
            or_(
                func.lower(Operator.badge).like(pattern, escape="\\"),
                func.lower(Operator.name).like(pattern, escape="\\"),
            )
        )
    return [_operator_row(op, code) for op, code in session.execute(query)]


def operator(session: Session, badge: str) -> OperatorRow:
    found = session.execute(_operators().where(Operator.badge == badge)).one_or_none()
    if found is None:
        raise NotFound(f"No operator with badge {badge}.", badge=badge)
    return _operator_row(*found)


# -- products --------------------------------------------------------------------------------


def products(
    session: Session,
    *,
    q: str | None = None,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ProductPage:
    """One page of products by SKU; ``q``: a part of the SKU or the name, in any case."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    where = []
    if q is not None and q.strip():
        pattern = _like(q)
        where.append(
            or_(
                Product.sku_key.like(pattern, escape="\\"),
                func.lower(Product.name).like(pattern, escape="\\"),
            )
        )
    if active is not None:
        where.append(Product.active.is_(active))
    total = session.scalar(select(func.count()).select_from(Product).where(*where)) or 0
    has_bom = select(Bom.id).where(Bom.product_id == Product.id).exists()
    rows = session.execute(
        select(Product, has_bom)
        .where(*where)
        .order_by(Product.sku_key, Product.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return ProductPage(
        items=tuple(
            ProductRow(p.id, p.sku, p.name, p.unit, p.qc_required, p.active, bool(built))
            for p, built in rows
        ),
        total=total,
        limit=limit,
        offset=offset,
    )


def product(session: Session, sku: str) -> ProductView:
    found = product_by_sku(session, sku)
    bom = None
    if found.bom is not None:
        lines = session.execute(
            select(Product.sku, BomLine.qty)
            .join(Product, Product.id == BomLine.product_id)
            .where(BomLine.bom_id == found.bom.id)
            .order_by(BomLine.position)
        ).all()
        bom = BomRow(
            output_qty=found.bom.output_qty,
            lines=tuple(BomLineRow(sku, qty) for sku, qty in lines),
            steps=tuple(
                BomStepRow(s.name, s.instructions, s.workstation_type, s.standard_minutes)
                for s in found.bom.steps
            ),
        )
    return ProductView(
        id=found.id,
        sku=found.sku,
        name=found.name,
        unit=found.unit,
        qc_required=found.qc_required,
        active=found.active,
        bom=bom,
    )


@dataclass(frozen=True)
class BomNode:
    """A line of a BOM tree: per one set of the parent; ``children`` if it is built too."""

    sku: str
    name: str
    qty: Decimal
    unit: str
    output_qty: Decimal | None
    children: tuple[BomNode, ...]


def bom_tree(session: Session, sku: str, *, max_depth: int = 12) -> tuple[BomNode, ...]:
    """The product's BOM with each sub-assembly's own BOM under it, as deep as it goes.

    SetBom refuses a cycle, so the depth bound only guards against a database edited by
    hand; a product seen again on its own path is shown without children.
    """
    lines = session.execute(
        select(
            Bom.product_id, Bom.output_qty, BomLine.product_id, BomLine.qty, BomLine.position
        ).join(BomLine, BomLine.bom_id == Bom.id)
    ).all()
    products = {p.id: p for p in session.scalars(select(Product))}
    by_parent: dict[str, list[tuple[int, str, Decimal]]] = {}
    output: dict[str, Decimal] = {}
    for parent, out, child, qty, position in lines:
        by_parent.setdefault(parent, []).append((position, child, qty))
        output[parent] = out

    def nodes(parent_id: str, path: frozenset[str], depth: int) -> tuple[BomNode, ...]:
        found = []
        for _, child_id, qty in sorted(by_parent.get(parent_id, [])):
            child = products[child_id]
            deeper = child_id not in path and depth < max_depth
            found.append(
                BomNode(
                    child.sku,
                    child.name,
                    qty,
                    child.unit,
                    output.get(child_id),
                    nodes(child_id, path | {child_id}, depth + 1) if deeper else (),
                )
            )
        return tuple(found)

    root = product_by_sku(session, sku)
    return nodes(root.id, frozenset({root.id}), 1)
