"""Master data commands: sites, products, BOMs, workstations: create, edit, deactivate.

Nothing is deleted: a site, workstation or product that is no longer used is
deactivated, keeps its history and is refused for new work (see the ``active_*``
lookups in :mod:`kiosk.services.lookup`); reactivating it brings it back as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from kiosk.commands.base import Command, Policy, Sync, handles
from kiosk.domain.enums import IdentifyBy, WoStatus
from kiosk.domain.errors import Conflict, Deactivated, ValidationError
from kiosk.domain.quantities import parse_qty
from kiosk.domain.spread import BomDef, check_no_cycle
from kiosk.services.context import Context
from kiosk.services.lookup import (
    active_product,
    active_site,
    find_product,
    product_by_sku,
    site_by_code,
    sku_key,
    workstation_by_code,
)
from kiosk.services.materials import load_bom_defs
from kiosk.store.base import new_id
from kiosk.store.models import (
    Bom,
    BomLine,
    BomStep,
    Product,
    Site,
    WoItem,
    WorkOrder,
    Workstation,
)


def _text(value: object, what: str, *, max_len: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} is required.", field=what)
    if len(value) > max_len:
        raise ValidationError(f"{what} is too long (at most {max_len} characters).", field=what)
    return value.strip()


@dataclass(frozen=True, kw_only=True)
class CreateSite(Command):
    type_name = "create_site"
    policy = Policy(sync=Sync.OFFICE)
    code: str
    name: str
    identify_by: str = IdentifyBy.BADGE_SCAN.value


def _identify_by(value: object) -> str:
    try:
        return IdentifyBy(str(value)).value
    except ValueError:
        choices = " or ".join(f"“{v.value}”" for v in IdentifyBy)
        raise ValidationError(f"People identify by {choices}.", field="identify_by") from None


@handles(CreateSite)
def create_site(ctx: Context, cmd: CreateSite) -> dict[str, Any]:
    code = _text(cmd.code, "Site code", max_len=40)
    if ctx.session.scalars(select(Site).where(Site.code == code)).first():
        raise Conflict(f"Site {code} already exists.", site=code)
    site = Site(
        id=new_id(),
        code=code,
        name=_text(cmd.name, "Site name"),
        identify_by=_identify_by(cmd.identify_by),
    )
    ctx.session.add(site)
    return {"site_id": site.id}


@dataclass(frozen=True, kw_only=True)
class EditSite(Command):
    """Rename a site (its name, or its code: everything refers to a site by its id, so
    every reference follows), make it the default one, or change how people identify
    at its kiosks (None: unchanged)."""

    type_name = "edit_site"
    policy = Policy(sync=Sync.OFFICE)
    code: str | None = None
    name: str | None = None
    identify_by: str | None = None
    new_code: str | None = None
    #: True: this site is the one a request that names no site means (only one is).
    is_default: bool | None = None


@handles(EditSite)
def edit_site(ctx: Context, cmd: EditSite) -> dict[str, Any]:
    site = site_by_code(ctx.session, cmd.code)
    if cmd.name is not None:
        site.name = _text(cmd.name, "Site name")
    if cmd.identify_by is not None:
        site.identify_by = _identify_by(cmd.identify_by)
    if cmd.new_code is not None and cmd.new_code != site.code:
        code = _text(cmd.new_code, "Site code", max_len=40)
        if ctx.session.scalars(select(Site).where(Site.code == code, Site.id != site.id)).first():
            raise Conflict(f"Site {code} already exists.", site=code)
        site.code = code
    if cmd.is_default is False and site.is_default:
        raise ValidationError(
            "A server always has a default site: make another site the default instead.",
            field="is_default",
        )
    if cmd.is_default and not site.is_default:
        if not site.active:
            raise Deactivated(
                f"Site {site.code} is deactivated: reactivate it before making it the default.",
                site=site.code,
            )
        for other in ctx.session.scalars(select(Site).where(Site.is_default.is_(True))):
            other.is_default = False
        site.is_default = True
    return {"site_id": site.id}


@dataclass(frozen=True, kw_only=True)
class CreateProduct(Command):
    type_name = "create_product"
    policy = Policy(sync=Sync.OFFICE)
    sku: str
    name: str
    unit: str = "pcs"
    qc_required: bool = False


@handles(CreateProduct)
def create_product(ctx: Context, cmd: CreateProduct) -> dict[str, Any]:
    sku = _text(cmd.sku, "SKU", max_len=100)
    if find_product(ctx.session, sku) is not None:
        raise Conflict(f"A product with SKU {sku} already exists.", sku=sku)
    product = Product(
        id=new_id(),
        sku=sku,
        sku_key=sku_key(sku),
        name=_text(cmd.name, "Product name"),
        unit=_text(cmd.unit or "pcs", "Unit", max_len=20),
        qc_required=bool(cmd.qc_required),
    )
    ctx.session.add(product)
    return {"product_id": product.id}


@dataclass(frozen=True)
class BomLineSpec:
    sku: str
    qty: Decimal | str | int


@dataclass(frozen=True)
class StepSpec:
    name: str
    instructions: str = ""
    workstation_type: str | None = None
    standard_minutes: Decimal | str | int | None = None


@dataclass(frozen=True, kw_only=True)
class SetBom(Command):
    """Replace a product's BOM and routing; refused if it would contain itself."""

    type_name = "set_bom"
    policy = Policy(sync=Sync.OFFICE)
    sku: str
    lines: list[BomLineSpec]
    steps: list[StepSpec] = field(default_factory=list)
    output_qty: Decimal | str | int = 1


@handles(SetBom)
def set_bom(ctx: Context, cmd: SetBom) -> dict[str, Any]:
    product = product_by_sku(ctx.session, cmd.sku)
    output = parse_qty(cmd.output_qty, what="Output quantity")
    if not cmd.lines:
        raise ValidationError("A BOM needs at least one component line.")
    # A deactivated component stays where it already is; it is not put on a new line.
    had = {line.product_id for line in product.bom.lines} if product.bom is not None else set()
    lines: list[tuple[Product, Decimal]] = []
    for spec in cmd.lines:
        component = product_by_sku(ctx.session, spec.sku)
        if not component.active and component.id not in had:
            component = active_product(
                ctx.session, spec.sku, purpose="go on a new BOM line (it is no longer used)"
            )
        lines.append((component, parse_qty(spec.qty, what=f"Quantity of {component.sku}")))
    boms = load_bom_defs(ctx.session)
    boms[product.id] = BomDef(product.id, output, tuple((p.id, q) for p, q in lines))
    names = {p.id: p.sku for p in ctx.session.scalars(select(Product))}
    check_no_cycle(product.id, boms, names)

    bom = product.bom
    if bom is None:
        bom = Bom(id=new_id(), product_id=product.id, output_qty=output)
        ctx.session.add(bom)
        product.bom = bom
    bom.output_qty = output
    bom.lines.clear()
    bom.steps.clear()
    ctx.session.flush()
    for position, (component, qty) in enumerate(lines):
        bom.lines.append(BomLine(id=new_id(), position=position, product_id=component.id, qty=qty))
    for position, step in enumerate(cmd.steps):
        minutes = step.standard_minutes
        bom.steps.append(
            BomStep(
                id=new_id(),
                position=position,
                name=_text(step.name, "Step name"),
                instructions=step.instructions or "",
                workstation_type=step.workstation_type or None,
                standard_minutes=(
                    parse_qty(minutes, what="Standard minutes") if minutes is not None else None
                ),
            )
        )
    return {"bom_id": bom.id}


@dataclass(frozen=True, kw_only=True)
class CreateWorkstation(Command):
    type_name = "create_workstation"
    policy = Policy(sync=Sync.OFFICE)
    code: str
    name: str
    type: str | None = None
    site: str | None = None


@handles(CreateWorkstation)
def create_workstation(ctx: Context, cmd: CreateWorkstation) -> dict[str, Any]:
    code = _text(cmd.code, "Workstation code", max_len=40)
    if ctx.session.scalars(select(Workstation).where(Workstation.code == code)).first():
        raise Conflict(f"Workstation {code} already exists.", workstation=code)
    ws = Workstation(
        id=new_id(),
        code=code,
        name=_text(cmd.name, "Workstation name"),
        type=cmd.type or None,
        site_id=active_site(ctx.session, cmd.site, purpose="take new workstations").id,
        active=True,
        assignment_turn=0,
    )
    ctx.session.add(ws)
    return {"workstation_id": ws.id}


@dataclass(frozen=True, kw_only=True)
class SetSiteActive(Command):
    """Close a site down (``active`` False) or open it again. The default site is never
    deactivated, nor one that still has open work orders or active workstations."""

    type_name = "set_site_active"
    policy = Policy(sync=Sync.OFFICE)
    code: str
    active: bool


_TERMINAL = [s.value for s in WoStatus if s.is_terminal]


def _listed(values: list[str], total: int) -> str:
    shown = ", ".join(values)
    return shown if total <= len(values) else f"{shown} and {total - len(values)} more"


@handles(SetSiteActive)
def set_site_active(ctx: Context, cmd: SetSiteActive) -> dict[str, Any]:
    site = site_by_code(ctx.session, cmd.code)
    if cmd.active or not site.active:
        site.active = bool(cmd.active)
        return {"site_id": site.id}
    if site.is_default:
        raise Conflict(
            f"Site {site.code} is the default site and cannot be deactivated: make another "
            "site the default first.",
            site=site.code,
        )
    open_orders = (WorkOrder.site_id == site.id) & WorkOrder.status.not_in(_TERMINAL)
    orders = ctx.session.scalar(select(func.count()).select_from(WorkOrder).where(open_orders))
    numbers = list(
        ctx.session.scalars(
            select(WorkOrder.number).where(open_orders).order_by(WorkOrder.number).limit(5)
        )
    )
    stations = list(
        ctx.session.scalars(
            select(Workstation.code)
            .where(Workstation.site_id == site.id, Workstation.active.is_(True))
            .order_by(Workstation.code)
        )
    )
    left = []
    if orders:
        what = "1 open work order" if orders == 1 else f"{orders} open work orders"
        left.append(f"{what} ({_listed(numbers, orders or 0)})")
    if stations:
        what = (
            "1 active workstation" if len(stations) == 1 else f"{len(stations)} active workstations"
        )
        left.append(f"{what} ({_listed(stations[:5], len(stations))})")
    if left:
        raise Conflict(
            f"Site {site.code} still has {' and '.join(left)}: complete or cancel its work "
            "orders and deactivate its workstations first.",
            site=site.code,
            open_work_orders=orders or 0,
            active_workstations=len(stations),
        )
    site.active = False
    return {"site_id": site.id}


@dataclass(frozen=True, kw_only=True)
class EditProduct(Command):
    """Change a product's name, unit or whether its output goes through QC (None:
    unchanged). The QC rule is read when units are logged, so it applies from the next
    unit on; it is not turned off while units of the product still await a verdict."""

    type_name = "edit_product"
    policy = Policy(sync=Sync.OFFICE)
    sku: str
    name: str | None = None
    unit: str | None = None
    qc_required: bool | None = None


@handles(EditProduct)
def edit_product(ctx: Context, cmd: EditProduct) -> dict[str, Any]:
    product = product_by_sku(ctx.session, cmd.sku)
    if cmd.name is not None:
        product.name = _text(cmd.name, "Product name")
    if cmd.unit is not None:
        product.unit = _text(cmd.unit, "Unit", max_len=20)
    if cmd.qc_required is not None:
        if product.qc_required and not cmd.qc_required:
            waiting = ctx.session.scalars(
                select(WorkOrder.number)
                .join(WoItem, WoItem.work_order_id == WorkOrder.id)
                .where(
                    WoItem.product_id == product.id,
                    WoItem.qty_awaiting_qc > 0,
                    WorkOrder.status.not_in(_TERMINAL),
                )
                .order_by(WorkOrder.number)
            ).all()
            if waiting:
                where = _listed(list(waiting[:5]), len(waiting))
                raise Conflict(
                    f"Units of {product.sku} still await QC on {where}: "
                    "record their verdicts before QC is turned off.",
                    sku=product.sku,
                )
        product.qc_required = bool(cmd.qc_required)
    return {"product_id": product.id}


@dataclass(frozen=True, kw_only=True)
class SetProductActive(Command):
    """Stop using a product (``active`` False) or use it again. A deactivated product is
    refused for new work orders and new BOM lines; the work orders and BOMs that have it
    already go on as they are."""

    type_name = "set_product_active"
    policy = Policy(sync=Sync.OFFICE)
    sku: str
    active: bool


@handles(SetProductActive)
def set_product_active(ctx: Context, cmd: SetProductActive) -> dict[str, Any]:
    product = product_by_sku(ctx.session, cmd.sku)
    product.active = bool(cmd.active)
    return {"product_id": product.id}


@dataclass(frozen=True, kw_only=True)
class EditWorkstation(Command):
    """Rename a workstation or change its type (None: unchanged; a type of "" clears
    it). Its code stays: kiosks and work orders name it."""

    type_name = "edit_workstation"
    policy = Policy(sync=Sync.OFFICE)
    code: str
    name: str | None = None
    type: str | None = None


@handles(EditWorkstation)
def edit_workstation(ctx: Context, cmd: EditWorkstation) -> dict[str, Any]:
    ws = workstation_by_code(ctx.session, cmd.code)
    if cmd.name is not None:
        ws.name = _text(cmd.name, "Workstation name")
    if cmd.type is not None:
        ws.type = _text(cmd.type, "Workstation type", max_len=60) if cmd.type.strip() else None
    return {"workstation_id": ws.id}


@dataclass(frozen=True, kw_only=True)
class SetWorkstationActive(Command):
    """Take a workstation out of use (``active`` False) or back. A deactivated one gets
    no new work orders (named or round-robin) and no new kiosk enrolments; the work
    orders it has, and the kiosks enrolled there, go on."""

    type_name = "set_workstation_active"
    policy = Policy(sync=Sync.OFFICE)
    code: str
    active: bool


@handles(SetWorkstationActive)
def set_workstation_active(ctx: Context, cmd: SetWorkstationActive) -> dict[str, Any]:
    ws = workstation_by_code(ctx.session, cmd.code)
    if cmd.active and not ws.active:
        site = ctx.session.get(Site, ws.site_id)
        if site is not None and not site.active:
            raise Deactivated(
                f"Workstation {ws.code} is at site {site.code}, which is deactivated: "
                "reactivate the site first.",
                site=site.code,
            )
    ws.active = bool(cmd.active)
    return {"workstation_id": ws.id}
