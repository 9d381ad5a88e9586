"""Products and BOMs: the list, a new product, one product with its BOM editor and tree.

Reading is for everyone signed in; creating and changing master data is for admins,
through the same commands as the API (``CreateProduct``, ``EditProduct``, ``SetBom``,
``SetProductActive``): a cycle, a deactivated component or a bad quantity is refused
there, and the page shows the refusal next to what was typed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from kiosk.commands import (
    BomLineSpec,
    CreateProduct,
    EditProduct,
    SetBom,
    SetProductActive,
    StepSpec,
)
from kiosk.domain.errors import DomainError
from kiosk.domain.quantities import fmt_qty
from kiosk.queries import master_data
from sync.server.office import web
from sync.server.office.actor import actor_of
from sync.server.state import ServerState, State

router = APIRouter()
PAGE_SIZE = 50


def _list(request: Request, state: ServerState) -> dict[str, Any]:
    q = (request.query_params.get("q") or "").strip()[:100]
    try:
        page = max(1, min(int(request.query_params.get("page") or 1), 100_000))
    except ValueError:
        page = 1
    with state.read() as session:
        found = master_data.products(
            session, q=q or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    pages = max(1, -(-found.total // PAGE_SIZE))
    return {"rows": found.items, "total": found.total, "q": q, "page": page, "pages": pages}


@router.get("/products")
def products(request: Request, _: web.Person, state: State) -> Response:
    return web.render(request, "products.html", {**_list(request, state), "form": {}})


@router.post("/products")
def create_product(
    request: Request, who: web.AdminPerson, form: web.Form, state: State
) -> Response:
    sku = web.field(form, "sku")
    try:
        state.run(
            CreateProduct(
                sku=sku,
                name=web.field(form, "name"),
                unit=web.field(form, "unit") or "pcs",
                qc_required=form.get("qc_required") == "on",
                actor=actor_of(who),
            )
        )
    except DomainError as err:
        return web.render(
            request,
            "products.html",
            {**_list(request, state), "form": dict(form), "error": err},
            status_code=_status(err),
        )
    return web.see_other(f"/office/products/{quote(sku, safe='')}", request)


def _status(err: DomainError) -> int:
    return err.http_status if err.http_status != 404 else 422


def _detail(state: ServerState, sku: str) -> dict[str, Any]:
    with state.read() as session:
        product = master_data.product(session, sku[:100])
        tree = master_data.bom_tree(session, product.sku)
        choices = master_data.products(session, active=True, limit=master_data.MAX_PAGE)
    return {
        "product": product,
        "tree": tree,
        "choices": choices.items,
        "bom": _bom_rows(product, None),
    }


def _bom_rows(product: master_data.ProductView, form: FormData | None) -> dict[str, Any]:
    """The BOM editor's rows: the saved BOM, or what was typed when it was refused."""
    if form is not None:
        lines, steps, output = _bom(form)
        return {
            "output": output,
            "lines": [(line.sku, str(line.qty)) for line in lines],
            "steps": [
                (s.name, s.instructions, s.workstation_type or "", s.standard_minutes or "")
                for s in steps
            ],
        }
    bom = product.bom
    if bom is None:
        return {"output": "1", "lines": [], "steps": []}
    return {
        "output": fmt_qty(bom.output_qty),
        "lines": [(line.sku, fmt_qty(line.qty)) for line in bom.lines],
        "steps": [
            (
                s.name,
                s.instructions,
                s.workstation_type or "",
                fmt_qty(s.standard_minutes) if s.standard_minutes is not None else "",
            )
            for s in bom.steps
        ],
    }


@router.get("/products/{sku}")
def product(request: Request, sku: str, _: web.Person, state: State) -> Response:
    return web.render(request, "product.html", {**_detail(state, sku), "error": None})


def _bom(form: FormData) -> tuple[list[BomLineSpec], list[StepSpec], str]:
    skus = [v for v in form.getlist("line_sku") if isinstance(v, str)]
    qtys = [v for v in form.getlist("line_qty") if isinstance(v, str)]
    lines = [
        BomLineSpec(s.strip(), q.strip())
        for s, q in zip(skus, qtys, strict=False)
        if s.strip() or q.strip()
    ]
    names = [v for v in form.getlist("step_name") if isinstance(v, str)]
    texts = [v for v in form.getlist("step_instructions") if isinstance(v, str)]
    kinds = [v for v in form.getlist("step_type") if isinstance(v, str)]
    minutes = [v for v in form.getlist("step_minutes") if isinstance(v, str)]
    steps = [
        StepSpec(
            name=n.strip(),
            instructions=t.strip(),
            workstation_type=k.strip() or None,
            standard_minutes=m.strip() or None,
        )
        for n, t, k, m in zip(names, texts, kinds, minutes, strict=False)
        if n.strip() or t.strip()
    ]
    return lines, steps, web.field(form, "output_qty") or "1"


@router.post("/products/{sku}/{action}")
def act(
    request: Request, sku: str, action: str, who: web.AdminPerson, form: web.Form, state: State
) -> Response:
    sku = sku[:100]
    actor = actor_of(who)
    try:
        match action:
            case "edit":
                state.run(
                    EditProduct(
                        sku=sku,
                        name=web.field(form, "name"),
                        unit=web.field(form, "unit"),
                        qc_required=form.get("qc_required") == "on",
                        actor=actor,
                    )
                )
            case "bom":
                lines, steps, output = _bom(form)
                state.run(SetBom(sku=sku, lines=lines, steps=steps, output_qty=output, actor=actor))
            case "deactivate" | "reactivate":
                state.run(SetProductActive(sku=sku, active=action == "reactivate", actor=actor))
            case _:
                return web.see_other(f"/office/products/{quote(sku, safe='')}", request)
    except DomainError as err:
        context = _detail(state, sku)
        if action == "bom":
            context["bom"] = _bom_rows(context["product"], form)
        return web.render(
            request,
            "product.html",
            {**context, "error": err, "error_form": action},
            status_code=_status(err),
        )
    return web.see_other(f"/office/products/{quote(sku, safe='')}", request)
