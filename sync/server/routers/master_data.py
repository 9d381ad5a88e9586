"""Master data (admin): products and BOMs, sites, workstations, operators, stock."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import queries
from kiosk.commands import (
    AdjustStock,
    BomLineSpec,
    CreateOperator,
    CreateProduct,
    CreateSite,
    CreateWorkstation,
    EditSite,
    ReceiveStock,
    SetBom,
    StepSpec,
)
from kiosk.domain.quantities import fmt_qty
from kiosk.services.lookup import product_by_sku, site_by_code
from kiosk.store.models import Operator, Site, Workstation
from sync.server import schemas, views
from sync.server.auth import Admin, Caller, forbid_other_site
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import ServerState, State

router = APIRouter(tags=["master data"], responses=PROBLEM_RESPONSES)

SkuPath = Path(max_length=100)


def product_out(session: Session, sku: str) -> views.ProductOut:
    product = product_by_sku(session, sku)
    bom = None
    if product.bom is not None:
        bom = views.BomOut(
            output_qty=fmt_qty(product.bom.output_qty),
            lines=[
                views.BomLineOut(sku=line.product.sku, qty=fmt_qty(line.qty))
                for line in product.bom.lines
            ],
            steps=[
                views.StepOut(
                    name=step.name,
                    instructions=step.instructions,
                    workstation_type=step.workstation_type,
                    standard_minutes=(
                        fmt_qty(step.standard_minutes)
                        if step.standard_minutes is not None
                        else None
                    ),
                )
                for step in product.bom.steps
            ],
        )
    return views.ProductOut(
        id=product.id,
        sku=product.sku,
        name=product.name,
        unit=product.unit,
        qc_required=product.qc_required,
        bom=bom,
    )


@router.post("/products", status_code=status.HTTP_201_CREATED)
def create_product(
    body: schemas.ProductIn,
    who: Admin,
    state: State,
) -> views.ProductOut:
    state.run(
        CreateProduct(
            sku=body.sku,
            name=body.name,
            unit=body.unit or "pcs",
            qc_required=body.qc_required,
            actor=who.actor(),
        )
    )
    with state.read() as session:
        return product_out(session, body.sku)


@router.get("/products/{sku}")
def get_product(
    sku: Annotated[str, SkuPath],
    _: Caller,
    state: State,
) -> views.ProductOut:
    with state.read() as session:
        return product_out(session, sku)


@router.put("/products/{sku}/bom")
def set_bom(
    body: schemas.BomIn,
    sku: Annotated[str, SkuPath],
    who: Admin,
    state: State,
) -> views.ProductOut:
    state.run(
        SetBom(
            sku=sku,
            output_qty=body.output_qty,
            lines=[BomLineSpec(line.sku, line.qty) for line in body.lines],
            steps=[
                StepSpec(s.name, s.instructions, s.workstation_type, s.standard_minutes)
                for s in body.steps
            ],
            actor=who.actor(),
        )
    )
    with state.read() as session:
        return product_out(session, sku)


def site_out(site: Site) -> views.SiteOut:
    return views.SiteOut(
        id=site.id,
        code=site.code,
        name=site.name,
        is_default=site.is_default,
        identify_by=site.identify_by,
    )


@router.post("/sites", status_code=status.HTTP_201_CREATED)
def create_site(
    body: schemas.SiteIn,
    who: Admin,
    state: State,
) -> views.SiteOut:
    result = state.run(
        CreateSite(code=body.code, name=body.name, identify_by=body.identify_by, actor=who.actor())
    )
    with state.read() as session:
        site = session.get(Site, result.data["site_id"])
        assert site is not None
        return site_out(site)


@router.get("/sites")
def list_sites(who: Admin, state: State) -> list[views.SiteOut]:
    with state.read() as session:
        return [site_out(s) for s in session.scalars(select(Site).order_by(Site.code))]


@router.patch("/sites/{code}")
def edit_site(
    body: schemas.SitePatch,
    code: Annotated[str, Path(max_length=40)],
    who: Admin,
    state: State,
) -> views.SiteOut:
    """Rename a site (its name or its code), make it the default site, or set how people
    identify at its kiosks (a scan alone, or a PIN with every scan); kiosks pick the
    change up with their next pull."""
    result = state.run(
        EditSite(
            code=code,
            name=body.name,
            identify_by=body.identify_by,
            new_code=body.code,
            is_default=body.is_default,
            actor=who.actor(),
        )
    )
    with state.read() as session:
        site = session.get(Site, result.data["site_id"])
        assert site is not None
        return site_out(site)


@router.post("/workstations", status_code=status.HTTP_201_CREATED)
def create_workstation(
    body: schemas.WorkstationIn,
    who: Admin,
    state: State,
) -> views.WorkstationOut:
    result = state.run(
        CreateWorkstation(
            code=body.code, name=body.name, type=body.type, site=body.site, actor=who.actor()
        )
    )
    with state.read() as session:
        ws, site_code = session.execute(
            select(Workstation, Site.code)
            .join(Site, Site.id == Workstation.site_id)
            .where(Workstation.id == result.data["workstation_id"])
        ).one()
        return views.WorkstationOut(
            id=ws.id, code=ws.code, name=ws.name, type=ws.type, site=site_code, active=ws.active
        )


@router.post("/operators", status_code=status.HTTP_201_CREATED)
def create_operator(
    body: schemas.OperatorIn,
    who: Admin,
    state: State,
) -> views.OperatorOut:
    result = state.run(
        CreateOperator(
            badge=body.badge,
            name=body.name,
            pin=body.pin,
            role=body.role,
            site=body.site,
            actor=who.actor(),
        )
    )
    with state.read() as session:
        op = session.get(Operator, result.data["operator_id"])
        assert op is not None
        site = session.get(Site, op.site_id) if op.site_id else None
        return views.OperatorOut(
            id=op.id,
            badge=op.badge,
            name=op.name,
            role=op.role,
            active=op.active,
            site=site.code if site else None,
        )


def _stock(state: ServerState, sku: str, site: str | None, unblocked: list[str]) -> views.StockOut:
    with state.read() as session:
        site_code = site_by_code(session, site).code
        return views.stock_out(queries.stock_level(session, sku, site_code), site_code, unblocked)


@router.post("/stock/receipts")
def receive_stock(
    body: schemas.ReceiptIn,
    who: Admin,
    state: State,
) -> views.StockOut:
    result = state.run(
        ReceiveStock(
            sku=body.sku, qty=body.qty, site=body.site, reason=body.reason, actor=who.actor()
        )
    )
    return _stock(state, body.sku, body.site, list(result.data.get("unblocked", [])))


@router.post("/stock/adjustments")
def adjust_stock(
    body: schemas.AdjustmentIn,
    who: Admin,
    state: State,
) -> views.StockOut:
    result = state.run(
        AdjustStock(
            sku=body.sku,
            qty_delta=body.qty_delta,
            reason=body.reason,
            site=body.site,
            actor=who.actor(),
        )
    )
    return _stock(state, body.sku, body.site, list(result.data.get("unblocked", [])))


@router.get("/stock/{sku}")
def get_stock(
    request: Request,
    sku: Annotated[str, SkuPath],
    who: Caller,
    state: State,
    site: Annotated[
        str | None, Query(max_length=40, description="Site code; default site if left out")
    ] = None,
) -> views.StockOut:
    if not who.is_admin:
        with state.read() as session:
            own = session.get(Site, who.site_id)
            named = site_by_code(session, site) if site else own
        forbid_other_site(state, request, who, named.id if named else None)
        site = own.code if own else None
    return _stock(state, sku, site, [])
