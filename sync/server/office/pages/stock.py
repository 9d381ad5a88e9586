"""Stock: levels per product, receipts, adjustments with a reason, the movement ledger."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from kiosk import queries
from kiosk.commands import AdjustStock, ReceiveStock
from kiosk.domain.errors import DomainError
from kiosk.queries.office import ledger, materials
from kiosk.services.lookup import product_by_sku
from sync.server.office import web
from sync.server.office.actor import actor_of
from sync.server.office.sites import chosen_site
from sync.server.state import ServerState, State

router = APIRouter()


def _page(state: ServerState, request: Request, site_code: str | None) -> dict[str, object]:
    with state.read() as session:
        site, sites = chosen_site(session, site_code)
        rows = materials(session, site.id)
        products = (
            queries.product_list(session, limit=1000)[0] if hasattr(queries, "product_list") else []
        )
    return {"rows": rows, "site": site, "sites": sites, "products": products}


@router.get("/stock")
def stock(request: Request, _: web.Person, state: State) -> Response:
    context = _page(state, request, request.query_params.get("site"))
    notice = request.query_params.get("done")
    return web.render(
        request, "stock.html", {**context, "notice": notice[:300] if notice else None}
    )


@router.post("/stock/{kind}")
def move_stock(
    request: Request, kind: str, who: web.Person, form: web.Form, state: State
) -> Response:
    """A receipt or an adjustment; a receipt retries the work orders it unblocks."""
    sku, qty, site = web.field(form, "sku"), web.field(form, "qty"), web.field(form, "site") or None
    reason = web.field(form, "reason")
    try:
        if kind == "receive":
            result = state.run(
                ReceiveStock(sku=sku, qty=qty, site=site, reason=reason, actor=actor_of(who))
            )
        elif kind == "adjust":
            result = state.run(
                AdjustStock(sku=sku, qty_delta=qty, reason=reason, site=site, actor=actor_of(who))
            )
        else:
            return web.see_other("/office/stock", request)
    except DomainError as err:
        context = _page(state, request, site)
        return web.render(
            request,
            "stock.html",
            {**context, "error": err, "error_form": kind, "form": dict(form)},
            status_code=err.http_status if err.http_status != 404 else 422,
        )
    unblocked = list(result.data.get("unblocked", []))
    said = f"{'Received' if kind == 'receive' else 'Adjusted'} {qty} × {sku}."
    if unblocked:
        said += f" Unblocked: {', '.join(unblocked)}."
    return web.see_other(f"/office/stock?done={quote(said)}", request)


@router.get("/stock/{sku}")
def stock_ledger(request: Request, sku: str, _: web.Person, state: State) -> Response:
    with state.read() as session:
        site, sites = chosen_site(session, request.query_params.get("site"))
        product = product_by_sku(session, sku[:100])
        level = queries.stock_level(session, product.sku, site.code)
        rows = ledger(session, product.sku, site.id)
    return web.render(
        request,
        "stock_ledger.html",
        {"product": product, "level": level, "rows": rows, "site": site, "sites": sites},
    )
