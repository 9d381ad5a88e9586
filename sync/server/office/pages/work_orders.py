"""Work orders: the grid, a new work order, one work order with its actions, the traveler."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from kiosk import queries
from kiosk.commands import (
    AcceptSalesOrderChange,
    CancelWorkOrder,
    Command,
    CompleteWorkOrder,
    ConfirmWorkOrder,
    CreateWorkOrder,
    EditWorkOrder,
    ItemSpec,
    KeepAsStock,
    MaterialSpec,
    RaiseHold,
    ResumeWorkOrder,
    RetryAllocation,
    ReverseRun,
)
from kiosk.domain.enums import HoldReason, WoStatus
from kiosk.domain.errors import DomainError, NotFound, ValidationError
from kiosk.domain.status import Action, allowed_actions
from kiosk.queries.audit import audit_trail
from kiosk.services.planning import suggested_number
from kiosk.store.models import Product, Site, WorkOrder, Workstation
from sync.server.office import web
from sync.server.office.actor import actor_of
from sync.server.office.traveler import traveler_pdf
from sync.server.state import ServerState, State

router = APIRouter()

PAGE_SIZE = 50
STATUSES = list(WoStatus)


def _filters(request: Request) -> tuple[queries.WorkOrderFilters, dict[str, Any], int]:
    """The grid's filters from the query string (bad values are ignored, not a crash)."""
    args = request.query_params
    statuses = tuple(s for s in args.getlist("status") if s in {w.value for w in WoStatus})
    text = {
        k: (args.get(k) or "").strip()[:100]
        for k in ("q", "input_sku", "output_sku", "workstation")
    }
    days = {k: _day(args.get(k)) for k in ("from", "to")}
    unlinked = args.get("unlinked") == "1"
    try:
        page = max(1, min(int(args.get("page") or 1), 1_000_000))
    except ValueError:
        page = 1
    f = queries.WorkOrderFilters(
        statuses=statuses,
        q=text["q"] or None,
        input_sku=text["input_sku"] or None,
        output_sku=text["output_sku"] or None,
        workstation=text["workstation"] or None,
        scheduled_from=days["from"],
        scheduled_to=days["to"],
        unlinked_only=unlinked,
    )
    shown = {
        "status": list(statuses),
        **text,
        "from": days["from"].isoformat() if days["from"] else "",
        "to": days["to"].isoformat() if days["to"] else "",
        "unlinked": unlinked,
    }
    return f, shown, page


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _query_string(shown: dict[str, Any], page: int | None = None) -> str:
    pairs: list[tuple[str, str]] = [("status", s) for s in shown["status"]]
    pairs += [
        (k, shown[k])
        for k in ("q", "input_sku", "output_sku", "workstation", "from", "to")
        if shown[k]
    ]
    if shown["unlinked"]:
        pairs.append(("unlinked", "1"))
    if page and page > 1:
        pairs.append(("page", str(page)))
    return urlencode(pairs)


def _grid(request: Request, state: ServerState) -> dict[str, Any]:
    f, shown, page = _filters(request)
    with state.read() as session:
        rows, total = queries.list_work_orders(
            session, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        stations = list(session.scalars(select(Workstation.code).order_by(Workstation.code)))
    pages = max(1, -(-total // PAGE_SIZE))
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "shown": shown,
        "statuses": STATUSES,
        "stations": stations,
        "query": _query_string(shown),
        "prev_query": _query_string(shown, page - 1) if page > 1 else None,
        "next_query": _query_string(shown, page + 1) if page < pages else None,
    }


@router.get("/")
def work_orders(request: Request, _: web.Person, state: State) -> Response:
    return web.render(request, "work_orders.html", _grid(request, state))


@router.get("/work-orders/rows")
def work_order_rows(request: Request, _: web.Person, state: State) -> Response:
    """The grid's body alone: the page refreshes it every few seconds (live updates)."""
    return web.render(request, "_work_order_rows.html", _grid(request, state))


# ------------------------------------------------------------------ new work order


def _choices(state: ServerState) -> dict[str, Any]:
    with state.read() as session:
        return {
            "sites": list(session.execute(select(Site.code, Site.name).order_by(Site.code))),
            "stations": list(
                session.execute(
                    select(Workstation.code, Workstation.name)
                    .where(Workstation.active.is_(True))
                    .order_by(Workstation.code)
                )
            ),
            "products": list(
                session.execute(select(Product.sku, Product.name).order_by(Product.sku))
            ),
            "next_number": _next_number(session),
        }


def _next_number(session: Session) -> str:
    return suggested_number(session)


def _items(form: FormData) -> list[ItemSpec]:
    skus = [v for v in form.getlist("item_sku") if isinstance(v, str)]
    qtys = [v for v in form.getlist("item_qty") if isinstance(v, str)]
    items = [ItemSpec(s.strip(), q.strip()) for s, q in zip(skus, qtys, strict=False) if s.strip()]
    if not items:
        raise ValidationError(
            "Add at least one item: a product and how many sets to build.", field="items"
        )
    return items


def _materials(form: FormData) -> list[MaterialSpec]:
    """The rows of materials planned by hand that name a product (blank rows are spare)."""
    return [
        MaterialSpec(sku.strip(), qty.strip(), for_sku.strip() or None)
        for sku, qty, for_sku in _material_rows(form)
        if sku.strip()
    ]


def _material_rows(form: FormData) -> list[tuple[str, str, str]]:
    columns = [
        [v for v in form.getlist(name) if isinstance(v, str)]
        for name in ("material_sku", "material_qty", "material_for")
    ]
    width = max(map(len, columns))
    rows = zip(*(c + [""] * (width - len(c)) for c in columns), strict=True)
    return [(s, q, f) for s, q, f in rows if s.strip() or q.strip() or f.strip()]


def _scheduled(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(6, 0), UTC)
    except ValueError:
        raise ValidationError(
            "The scheduled date is not a date (YYYY-MM-DD).", field="scheduled_at"
        ) from None


def _priority(value: str) -> int:
    try:
        return int(value or 3)
    except ValueError:
        raise ValidationError(
            "Priority is a whole number from 1 (most urgent) to 5.", field="priority"
        ) from None


@router.get("/work-orders/new")
def new_work_order_form(request: Request, _: web.Person, state: State) -> Response:
    return web.render(
        request, "work_order_new.html", {**_choices(state), "form": {}, "error": None}
    )


@router.post("/work-orders/new")
def create_work_order(request: Request, who: web.Person, form: web.Form, state: State) -> Response:
    try:
        result = state.run(
            CreateWorkOrder(
                items=_items(form),
                name=web.field(form, "name") or None,
                site=web.field(form, "site") or None,
                workstation=web.field(form, "workstation") or None,
                scheduled_at=_scheduled(web.field(form, "scheduled_at")),
                priority=_priority(web.field(form, "priority")),
                notes=web.field(form, "notes"),
                materials=_materials(form),
                actor=actor_of(who),
            )
        )
    except DomainError as err:
        return web.render(
            request,
            "work_order_new.html",
            {
                **_choices(state),
                "form": _echo(form),
                "error": err,
                "error_field": err.context.get("field"),
            },
            status_code=err.http_status if err.http_status != 404 else 422,
        )
    return web.see_other(f"/office/work-orders/{result.data['work_order_id']}", request)


def _echo(form: FormData) -> dict[str, Any]:
    """What was typed, shown again with the refusal (nothing is lost)."""
    echo: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    echo["item_rows"] = list(
        zip(
            [v for v in form.getlist("item_sku") if isinstance(v, str)],
            [v for v in form.getlist("item_qty") if isinstance(v, str)],
            strict=False,
        )
    )
    echo["material_rows"] = _material_rows(form)
    return echo


# ------------------------------------------------------------------ one work order


def _detail(state: ServerState, work_order_id: str) -> dict[str, Any]:
    with state.read() as session:
        if len(work_order_id) > 36 or session.get(WorkOrder, work_order_id) is None:
            raise NotFound(f"Work order {work_order_id[:36]} does not exist.", id=work_order_id)
        view = queries.work_order(session, work_order_id)
        labour = queries.labour(session, work_order_id)
        qc = queries.qc_dispositions(session, work_order_id)
        audit = audit_trail(session, work_order_id, limit=200)
        people = queries.names_of(
            session, {a.operator_badge for a in audit} | {a.supervisor_badge for a in audit}
        )
        stations = list(
            session.execute(
                select(Workstation.code, Workstation.name)
                .where(Workstation.active.is_(True))
                .order_by(Workstation.code)
            )
        )
    actions = set(allowed_actions(view.status))
    return {
        "wo": view,
        "labour": labour,
        "qc": qc,
        "audit": audit,
        "people": people,
        "stations": stations,
        "can": {a.value for a in actions},
        "hold_reasons": list(HoldReason),
        "Action": Action,
    }


@router.get("/work-orders/{work_order_id}")
def work_order(request: Request, work_order_id: str, _: web.Person, state: State) -> Response:
    return web.render(request, "work_order.html", {**_detail(state, work_order_id), "error": None})


def _command(action: str, work_order_id: str, form: FormData, who: Any) -> Command:
    actor = actor_of(who)
    reason = web.field(form, "reason")
    match action:
        case "confirm":
            return ConfirmWorkOrder(work_order_id=work_order_id, actor=actor)
        case "retry-allocation":
            return RetryAllocation(work_order_id=work_order_id, actor=actor)
        case "cancel":
            return CancelWorkOrder(work_order_id=work_order_id, reason=reason, actor=actor)
        case "hold":
            return RaiseHold(
                work_order_id=work_order_id,
                reason=reason,
                note=web.field(form, "note"),
                actor=actor,
            )
        case "release":
            return ResumeWorkOrder(work_order_id=work_order_id, actor=actor)
        case "close-short":
            return CompleteWorkOrder(
                work_order_id=work_order_id, close_short=True, reason=reason, actor=actor
            )
        case "complete":
            return CompleteWorkOrder(work_order_id=work_order_id, actor=actor)
        case "reverse-run":
            return ReverseRun(
                work_order_id=work_order_id, run_id=web.field(form, "run_id"), actor=actor
            )
        case "accept-change":
            return AcceptSalesOrderChange(work_order_id=work_order_id, actor=actor)
        case "keep-as-stock":
            return KeepAsStock(work_order_id=work_order_id, actor=actor)
        case "edit":
            return EditWorkOrder(
                work_order_id=work_order_id,
                name=web.field(form, "name") or None,
                notes=web.field(form, "notes"),
                workstation=web.field(form, "workstation") or None,
                scheduled_at=_scheduled(web.field(form, "scheduled_at")),
                priority=_priority(web.field(form, "priority")),
                quantities=_quantities(form),
                actor=actor,
            )
    raise NotFound("There is no such action.", action=action)


def _quantities(form: FormData) -> dict[str, Decimal | str | int] | None:
    pairs: dict[str, Decimal | str | int] = {
        k.removeprefix("qty:"): v.strip()
        for k, v in form.items()
        if k.startswith("qty:") and isinstance(v, str) and v.strip()
    }
    return dict(pairs) or None


ACTIONS = [
    "confirm",
    "retry-allocation",
    "cancel",
    "hold",
    "release",
    "close-short",
    "complete",
    "reverse-run",
    "accept-change",
    "keep-as-stock",
    "edit",
]


@router.post("/work-orders/{work_order_id}/{action}")
def act(
    request: Request, work_order_id: str, action: str, who: web.Person, form: web.Form, state: State
) -> Response:
    """One action on the work order, through its command; a refusal is shown on the page."""
    if action not in ACTIONS:
        raise NotFound("There is no such action.", action=action)
    try:
        state.run(_command(action, work_order_id, form, who))
    except DomainError as err:
        if isinstance(err, NotFound) and err.context.get("id") == work_order_id:
            raise
        return web.render(
            request,
            "work_order.html",
            {**_detail(state, work_order_id), "error": err, "error_action": action},
            status_code=err.http_status if err.http_status != 404 else 409,
        )
    return web.see_other(f"/office/work-orders/{work_order_id}", request)


@router.get("/work-orders/{work_order_id}/traveler.pdf")
def traveler(work_order_id: str, _: web.Person, state: State) -> Response:
    with state.read() as session:
        if len(work_order_id) > 36 or session.get(WorkOrder, work_order_id) is None:
            raise NotFound(f"Work order {work_order_id[:36]} does not exist.", id=work_order_id)
        view = queries.work_order(session, work_order_id)
        site = session.scalar(
            select(Site.name)
            .join(WorkOrder, WorkOrder.site_id == Site.id)
            .where(WorkOrder.id == work_order_id)
        )
    pdf = traveler_pdf(view, site_name=site or "", printed_at=datetime.now(UTC))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="traveler-{view.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )
