"""Work orders: the office's create, edit, confirm, retry and cancel; reads for kiosks too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status
from sqlalchemy import select

from kiosk import queries
from kiosk.commands import (
    CancelWorkOrder,
    ConfirmWorkOrder,
    CreateWorkOrder,
    EditWorkOrder,
    ItemSpec,
    MaterialSpec,
    RetryAllocation,
)
from kiosk.domain.enums import WoStatus
from kiosk.domain.errors import NotFound
from kiosk.services.lookup import site_by_code
from kiosk.store.models import Site, WorkOrder
from sync.server import schemas, views
from sync.server.auth import Admin, Caller, Principal
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import ServerState, State

router = APIRouter(prefix="/work-orders", tags=["work orders"], responses=PROBLEM_RESPONSES)

IdPath = Path(max_length=36)


def read_work_order(state: ServerState, work_order_id: str, who: Principal) -> views.WorkOrderOut:
    """The work order, if the caller may see it: another site's is "not found" to a kiosk."""
    with state.read() as session:
        row = session.execute(
            select(WorkOrder.site_id, Site.code)
            .join(Site, Site.id == WorkOrder.site_id)
            .where(WorkOrder.id == work_order_id)
        ).first()
        if row is None or (not who.is_admin and row.site_id != who.site_id):
            raise NotFound(f"Work order {work_order_id} does not exist.", id=work_order_id)
        return views.work_order_out(queries.work_order(session, work_order_id), row.code)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_work_order(
    body: schemas.WorkOrderIn,
    who: Admin,
    state: State,
) -> views.WorkOrderOut:
    result = state.run(
        CreateWorkOrder(
            items=[ItemSpec(i.sku, i.qty) for i in body.items],
            materials=[MaterialSpec(m.sku, m.qty, m.for_sku) for m in body.materials],
            name=body.name,
            site=body.site,
            workstation=body.workstation,
            scheduled_at=body.scheduled_at,
            priority=body.priority,
            notes=body.notes,
            actor=who.actor(),
        )
    )
    return read_work_order(state, result.data["work_order_id"], who)


@router.get("")
def list_work_orders(
    response: Response,
    who: Caller,
    state: State,
    status_: Annotated[list[WoStatus] | None, Query(alias="status")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the number or the name")
    ] = None,
    input_sku: Annotated[
        str | None, Query(max_length=100, description="Uses this material")
    ] = None,
    output_sku: Annotated[
        str | None, Query(max_length=100, description="Builds this product")
    ] = None,
    workstation: Annotated[str | None, Query(max_length=40)] = None,
    site: Annotated[str | None, Query(max_length=40, description="Admin: one site only")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[views.WorkOrderSummary]:
    """Work orders, most urgent first; the total count is in ``X-Total-Count``."""
    with state.read() as session:
        site_id = who.site_id
        if who.is_admin:
            site_id = site_by_code(session, site).id if site else None
        filters = queries.WorkOrderFilters(
            statuses=tuple(s.value for s in status_ or ()),
            q=q,
            input_sku=input_sku,
            output_sku=output_sku,
            workstation=workstation,
            site_id=site_id,
        )
        rows, total = queries.list_work_orders(session, filters, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [views.work_order_summary_out(row) for row in rows]


@router.get("/{work_order_id}")
def get_work_order(
    work_order_id: Annotated[str, IdPath],
    who: Caller,
    state: State,
) -> views.WorkOrderOut:
    return read_work_order(state, work_order_id, who)


@router.patch("/{work_order_id}")
def edit_work_order(
    body: schemas.WorkOrderPatch,
    work_order_id: Annotated[str, IdPath],
    who: Admin,
    state: State,
) -> views.WorkOrderOut:
    state.run(
        EditWorkOrder(
            work_order_id=work_order_id,
            name=body.name,
            notes=body.notes,
            workstation=body.workstation,
            scheduled_at=body.scheduled_at,
            priority=body.priority,
            quantities={i.sku: i.qty for i in body.items} if body.items else None,
            actor=who.actor(),
        )
    )
    return read_work_order(state, work_order_id, who)


@router.post("/{work_order_id}/confirm")
def confirm_work_order(
    work_order_id: Annotated[str, IdPath],
    who: Admin,
    state: State,
) -> views.WorkOrderOut:
    state.run(ConfirmWorkOrder(work_order_id=work_order_id, actor=who.actor()))
    return read_work_order(state, work_order_id, who)


@router.post("/{work_order_id}/retry-allocation")
def retry_work_order_allocation(
    work_order_id: Annotated[str, IdPath],
    who: Admin,
    state: State,
) -> views.WorkOrderOut:
    state.run(RetryAllocation(work_order_id=work_order_id, actor=who.actor()))
    return read_work_order(state, work_order_id, who)


@router.post("/{work_order_id}/cancel")
def cancel_work_order(
    work_order_id: Annotated[str, IdPath],
    who: Admin,
    state: State,
    body: Annotated[schemas.CancelIn | None, Body()] = None,
) -> views.WorkOrderOut:
    reason = body.reason if body else ""
    state.run(CancelWorkOrder(work_order_id=work_order_id, reason=reason, actor=who.actor()))
    return read_work_order(state, work_order_id, who)
