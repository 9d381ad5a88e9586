"""Master data (admin): products and BOMs, sites, workstations, operators, stock.

Each of products, sites, workstations and operators is listed, read, created, edited
and deactivated (and reactivated) here, through its commands and the read side's
``kiosk.queries.master_data``; nothing is ever deleted.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status

from kiosk import queries
from kiosk.commands import (
    AdjustStock,
    BomLineSpec,
    CreateOperator,
    CreateProduct,
    CreateSite,
    CreateWorkstation,
    EditOperator,
    EditProduct,
    EditSite,
    EditWorkstation,
    ReceiveStock,
    SetBom,
    SetOperatorActive,
    SetProductActive,
    SetSiteActive,
    SetWorkstationActive,
    StepSpec,
)
from kiosk.queries import master_data
from kiosk.services.lookup import site_by_code
from kiosk.store.models import Site
from sync.server import schemas, views
from sync.server.auth import Admin, Caller, forbid_other_site
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import ServerState, State
from sync.server.wire import QueryBool

router = APIRouter(tags=["master data"], responses=PROBLEM_RESPONSES)

# A SKU names something: at least one character that is not blank.
SkuPath = Path(max_length=100, pattern=r"\S")
CodePath = Path(max_length=40)
BadgePath = Path(max_length=64)

ActiveFilter = Annotated[
    QueryBool | None, Query(description="Only active (true) or only deactivated (false) ones")
]


# -- products ---------------------------------------------------------------------------


def _product(state: ServerState, sku: str) -> views.ProductOut:
    with state.read() as session:
        return views.product_out(master_data.product(session, sku))


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
    return _product(state, body.sku)


@router.get("/products")
def list_products(
    response: Response,
    _: Admin,
    state: State,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the SKU or the name, any case")
    ] = None,
    active: ActiveFilter = None,
    limit: Annotated[int, Query(ge=1, le=master_data.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> views.ProductPageOut:
    """Products by SKU, one page at a time; ``total`` (also in ``X-Total-Count``) counts
    every product the filters match."""
    with state.read() as session:
        page = master_data.products(session, q=q, active=active, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(page.total)
    return views.product_page_out(page)


@router.get("/products/{sku}")
def get_product(
    sku: Annotated[str, SkuPath],
    _: Caller,
    state: State,
) -> views.ProductOut:
    return _product(state, sku)


@router.patch("/products/{sku}")
def edit_product(
    body: schemas.ProductPatch,
    sku: Annotated[str, SkuPath],
    who: Admin,
    state: State,
) -> views.ProductOut:
    """Change a product's name, unit or QC rule; the SKU stays."""
    state.run(
        EditProduct(
            sku=sku,
            name=body.name,
            unit=body.unit,
            qc_required=body.qc_required,
            actor=who.actor(),
        )
    )
    return _product(state, sku)


@router.post("/products/{sku}/deactivate")
def deactivate_product(
    sku: Annotated[str, SkuPath],
    who: Admin,
    state: State,
) -> views.ProductOut:
    """Stop using a product: refused for new work orders and new BOM lines from now on;
    the work orders and BOMs that have it go on as they are."""
    state.run(SetProductActive(sku=sku, active=False, actor=who.actor()))
    return _product(state, sku)


@router.post("/products/{sku}/reactivate")
def reactivate_product(
    sku: Annotated[str, SkuPath],
    who: Admin,
    state: State,
) -> views.ProductOut:
    state.run(SetProductActive(sku=sku, active=True, actor=who.actor()))
    return _product(state, sku)


@router.put("/products/{sku}/bom")
def set_bom(
    body: schemas.BomIn,
    sku: Annotated[str, SkuPath],
    who: Admin,
    state: State,
) -> views.ProductOut:
    """Replace the BOM and routing. A deactivated component may stay on the lines it is
    on already; it is refused on a new line."""
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
    return _product(state, sku)


# -- sites ------------------------------------------------------------------------------


def _site(state: ServerState, site_id: str) -> views.SiteOut:
    with state.read() as session:
        return views.site_out(master_data.site_by_id(session, site_id))


@router.post("/sites", status_code=status.HTTP_201_CREATED)
def create_site(
    body: schemas.SiteIn,
    who: Admin,
    state: State,
) -> views.SiteOut:
    result = state.run(
        CreateSite(code=body.code, name=body.name, identify_by=body.identify_by, actor=who.actor())
    )
    return _site(state, result.data["site_id"])


@router.get("/sites")
def list_sites(_: Admin, state: State, active: ActiveFilter = None) -> list[views.SiteOut]:
    with state.read() as session:
        return [views.site_out(row) for row in master_data.sites(session, active=active)]


@router.get("/sites/{code}")
def get_site(code: Annotated[str, CodePath], _: Admin, state: State) -> views.SiteOut:
    with state.read() as session:
        return views.site_out(master_data.site(session, code))


@router.patch("/sites/{code}")
def edit_site(
    body: schemas.SitePatch,
    code: Annotated[str, CodePath],
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
    return _site(state, result.data["site_id"])


@router.post("/sites/{code}/deactivate")
def deactivate_site(code: Annotated[str, CodePath], who: Admin, state: State) -> views.SiteOut:
    """Close a site down: it takes no new work orders, workstations or people. Refused
    (409) for the default site, and while the site has open work orders or active
    workstations (the answer says which)."""
    result = state.run(SetSiteActive(code=code, active=False, actor=who.actor()))
    return _site(state, result.data["site_id"])


@router.post("/sites/{code}/reactivate")
def reactivate_site(code: Annotated[str, CodePath], who: Admin, state: State) -> views.SiteOut:
    result = state.run(SetSiteActive(code=code, active=True, actor=who.actor()))
    return _site(state, result.data["site_id"])


# -- workstations -----------------------------------------------------------------------


def _workstation(state: ServerState, code: str) -> views.WorkstationOut:
    with state.read() as session:
        return views.workstation_out(master_data.workstation(session, code))


@router.post("/workstations", status_code=status.HTTP_201_CREATED)
def create_workstation(
    body: schemas.WorkstationIn,
    who: Admin,
    state: State,
) -> views.WorkstationOut:
    state.run(
        CreateWorkstation(
            code=body.code, name=body.name, type=body.type, site=body.site, actor=who.actor()
        )
    )
    return _workstation(state, body.code)


@router.get("/workstations")
def list_workstations(
    _: Admin,
    state: State,
    site: Annotated[str | None, Query(max_length=40, description="Only this site's")] = None,
    active: ActiveFilter = None,
) -> list[views.WorkstationOut]:
    with state.read() as session:
        rows = master_data.workstations(session, site=site, active=active)
        return [views.workstation_out(row) for row in rows]


@router.get("/workstations/{code}")
def get_workstation(code: Annotated[str, CodePath], _: Admin, state: State) -> views.WorkstationOut:
    return _workstation(state, code)


@router.patch("/workstations/{code}")
def edit_workstation(
    body: schemas.WorkstationPatch,
    code: Annotated[str, CodePath],
    who: Admin,
    state: State,
) -> views.WorkstationOut:
    """Rename a workstation or change its type; its code and site stay."""
    clear_type = "type" in body.model_fields_set and body.type is None
    state.run(
        EditWorkstation(
            code=code, name=body.name, type="" if clear_type else body.type, actor=who.actor()
        )
    )
    return _workstation(state, code)


@router.post("/workstations/{code}/deactivate")
def deactivate_workstation(
    code: Annotated[str, CodePath], who: Admin, state: State
) -> views.WorkstationOut:
    """Take a workstation out of use: no new work orders are given to it (named or in
    turn) and no kiosk enrols there; the work orders it has, and its kiosks, go on."""
    state.run(SetWorkstationActive(code=code, active=False, actor=who.actor()))
    return _workstation(state, code)


@router.post("/workstations/{code}/reactivate")
def reactivate_workstation(
    code: Annotated[str, CodePath], who: Admin, state: State
) -> views.WorkstationOut:
    state.run(SetWorkstationActive(code=code, active=True, actor=who.actor()))
    return _workstation(state, code)


# -- operators --------------------------------------------------------------------------


def _operator(state: ServerState, badge: str) -> views.OperatorOut:
    with state.read() as session:
        return views.operator_out(master_data.operator(session, badge))


@router.post("/operators", status_code=status.HTTP_201_CREATED)
def create_operator(
    body: schemas.OperatorIn,
    who: Admin,
    state: State,
) -> views.OperatorOut:
    state.run(
        CreateOperator(
            badge=body.badge,
            name=body.name,
            pin=body.pin,
            role=body.role,
            site=body.site,
            actor=who.actor(),
        )
    )
    return _operator(state, body.badge)


@router.get("/operators")
def list_operators(
    _: Admin,
    state: State,
    site: Annotated[
        str | None,
        Query(max_length=40, description="Those who work at this site (every-site people too)"),
    ] = None,
    active: ActiveFilter = None,
    role: Literal["operator", "supervisor"] | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the badge or the name, any case")
    ] = None,
) -> list[views.OperatorOut]:
    """People by name; never a PIN or its hash."""
    with state.read() as session:
        rows = master_data.operators(session, site=site, active=active, role=role, q=q)
        return [views.operator_out(row) for row in rows]


@router.get("/operators/{badge}")
def get_operator(badge: Annotated[str, BadgePath], _: Admin, state: State) -> views.OperatorOut:
    return _operator(state, badge)


@router.patch("/operators/{badge}")
def edit_operator(
    body: schemas.OperatorPatch,
    badge: Annotated[str, BadgePath],
    who: Admin,
    state: State,
) -> views.OperatorOut:
    """Change a person's name, role or site, or reset their PIN (which also lifts a
    lockout of the badge). The PIN is never returned; the badge stays."""
    every_site = "site" in body.model_fields_set and body.site is None
    state.run(
        EditOperator(
            badge=badge,
            name=body.name,
            role=body.role,
            site="" if every_site else body.site,
            pin=body.pin,
            actor=who.actor(),
        )
    )
    return _operator(state, badge)


@router.post("/operators/{badge}/deactivate")
def deactivate_operator(
    badge: Annotated[str, BadgePath], who: Admin, state: State
) -> views.OperatorOut:
    """A leaver: the badge is refused at every kiosk from now on (with that reason), and
    if the person is clocked in they are clocked out, their labour closed."""
    state.run(SetOperatorActive(badge=badge, active=False, actor=who.actor()))
    return _operator(state, badge)


@router.post("/operators/{badge}/reactivate")
def reactivate_operator(
    badge: Annotated[str, BadgePath], who: Admin, state: State
) -> views.OperatorOut:
    state.run(SetOperatorActive(badge=badge, active=True, actor=who.actor()))
    return _operator(state, badge)


# -- stock ------------------------------------------------------------------------------


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
