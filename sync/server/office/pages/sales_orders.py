"""Sales orders: the list, one order with the coverage of each line, manual entry, cancel."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import Response

from kiosk import queries
from kiosk.commands import (
    CancelSalesOrder,
    ChangeSalesOrder,
    FulfilSalesLine,
    IngestSalesOrder,
    LineChange,
    LineSpec,
)
from kiosk.domain.errors import DomainError, ValidationError
from kiosk.queries.office import sales_orders as sales_order_rows
from kiosk.store.models import SalesOrder, Site, WorkOrder
from sync.server.office import web
from sync.server.office.actor import actor_of
from sync.server.state import ServerState, State

router = APIRouter()
PAGE_SIZE = 50


def _sites(state: ServerState) -> list[tuple[str, str]]:
    with state.read() as session:
        return [tuple(r) for r in session.execute(select(Site.code, Site.name).order_by(Site.code))]  # type: ignore[misc]


@router.get("/sales-orders")
def sales_orders(request: Request, _: web.Person, state: State) -> Response:
    q = (request.query_params.get("q") or "").strip()[:100]
    try:
        page = max(1, int(request.query_params.get("page") or 1))
    except ValueError:
        page = 1
    with state.read() as session:
        rows, total = sales_order_rows(session, q=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return web.render(
        request,
        "sales_orders.html",
        {
            "rows": rows,
            "total": total,
            "q": q,
            "page": page,
            "pages": pages,
            "sites": _sites(state),
            "form": {},
        },
    )


def _lines(form: FormData) -> list[LineSpec]:
    skus = [v for v in form.getlist("sku") if isinstance(v, str)]
    qtys = [v for v in form.getlist("qty") if isinstance(v, str)]
    lines = [
        LineSpec(str(n), sku.strip(), qty.strip())
        for n, (sku, qty) in enumerate(zip(skus, qtys, strict=False), start=1)
        if sku.strip()
    ]
    if not lines:
        raise ValidationError("Add at least one line: a SKU and a quantity.")
    return lines


@router.post("/sales-orders")
def create_sales_order(request: Request, who: web.Person, form: web.Form, state: State) -> Response:
    try:
        result = state.run(
            IngestSalesOrder(
                external_id=web.field(form, "external_id"),
                lines=_lines(form),
                source="manual",
                site=web.field(form, "site") or None,
                actor=actor_of(who),
            )
        )
    except DomainError as err:
        with state.read() as session:
            rows, total = sales_order_rows(session, limit=PAGE_SIZE)
        return web.render(
            request,
            "sales_orders.html",
            {
                "rows": rows,
                "total": total,
                "q": "",
                "page": 1,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "sites": _sites(state),
                "error": err,
                "form": _echo(form),
            },
            status_code=err.http_status if err.http_status != 404 else 422,
        )
    return web.see_other(f"/office/sales-orders/{result.data['sales_order_id']}", request)


def _echo(form: FormData) -> dict[str, object]:
    return {
        "external_id": web.field(form, "external_id"),
        "site": web.field(form, "site"),
        "lines": list(
            zip(
                [v for v in form.getlist("sku") if isinstance(v, str)],
                [v for v in form.getlist("qty") if isinstance(v, str)],
                strict=False,
            )
        ),
    }


def _detail(state: ServerState, sales_order_id: str) -> dict[str, object]:
    with state.read() as session:
        view = queries.sales_order(session, sales_order_id[:36])
        so = session.get(SalesOrder, view.id)
        wo_ids = {i for line in view.lines for i in line.work_order_ids}
        numbers = (
            dict(
                session.execute(
                    select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(wo_ids))
                )
                .tuples()
                .all()
            )
            if wo_ids
            else {}
        )
    return {"so": view, "created_at": so.created_at if so else None, "numbers": numbers}


@router.get("/sales-orders/{sales_order_id}")
def sales_order(request: Request, sales_order_id: str, _: web.Person, state: State) -> Response:
    return web.render(
        request, "sales_order.html", {**_detail(state, sales_order_id), "error": None}
    )


@router.post("/sales-orders/{sales_order_id}/{action}")
def act(
    request: Request,
    sales_order_id: str,
    action: str,
    who: web.Person,
    form: web.Form,
    state: State,
) -> Response:
    try:
        if action == "cancel":
            state.run(CancelSalesOrder(sales_order_id=sales_order_id[:36], actor=actor_of(who)))
        elif action == "fulfil":
            state.run(
                FulfilSalesLine(
                    sales_order_id=sales_order_id[:36],
                    line_id=web.field(form, "line_id")[:100],
                    actor=actor_of(who),
                )
            )
        elif action == "change":
            changes = [
                LineChange(k.removeprefix("qty:"), v.strip())
                for k, v in form.items()
                if k.startswith("qty:") and isinstance(v, str) and v.strip()
            ]
            state.run(
                ChangeSalesOrder(
                    sales_order_id=sales_order_id[:36], lines=changes, actor=actor_of(who)
                )
            )
        else:
            return web.see_other(f"/office/sales-orders/{sales_order_id}", request)
    except DomainError as err:
        return web.render(
            request,
            "sales_order.html",
            {**_detail(state, sales_order_id), "error": err},
            status_code=err.http_status if err.http_status != 404 else 409,
        )
    return web.see_other(f"/office/sales-orders/{sales_order_id}", request)
