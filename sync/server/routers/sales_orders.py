"""Sales orders from API clients: ingest (idempotent by external id), change, cancel, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kiosk import queries
from kiosk.commands import (
    CancelSalesOrder,
    ChangeSalesOrder,
    DeleteSalesOrder,
    FulfilSalesLine,
    IngestSalesOrder,
    LineChange,
    LineSpec,
)
from sync.server import schemas, views
from sync.server.auth import Admin
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import ServerState, State

router = APIRouter(prefix="/sales-orders", tags=["sales orders"], responses=PROBLEM_RESPONSES)

IdPath = Path(max_length=36)


def _read(state: ServerState, sales_order_id: str) -> views.SalesOrderOut:
    with state.read() as session:
        return views.sales_order_out(queries.sales_order(session, sales_order_id))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": views.SalesOrderOut, "description": "Already known; unchanged"}},
)
def ingest_sales_order(
    body: schemas.SalesOrderIn,
    response: Response,
    who: Admin,
    state: State,
) -> views.SalesOrderOut:
    """A new order (201), or the first result again for a known ``external_id`` (200)."""
    result = state.run(
        IngestSalesOrder(
            external_id=body.external_id,
            source=body.source,
            site=body.site,
            lines=[LineSpec(line.line_id, line.sku, line.qty) for line in body.lines],
            actor=who.actor(),
        )
    )
    if not result.data.get("created"):
        response.status_code = status.HTTP_200_OK
    return _read(state, result.data["sales_order_id"])


@router.get("/{sales_order_id}")
def get_sales_order(
    sales_order_id: Annotated[str, IdPath],
    _: Admin,
    state: State,
) -> views.SalesOrderOut:
    return _read(state, sales_order_id)


@router.patch("/{sales_order_id}")
def change_sales_order(
    body: schemas.SalesOrderPatch,
    sales_order_id: Annotated[str, IdPath],
    who: Admin,
    state: State,
) -> views.SalesOrderOut:
    """New quantities per line (0 removes the line), and lines added to the order."""
    state.run(
        ChangeSalesOrder(
            sales_order_id=sales_order_id,
            lines=[LineChange(line.line_id, line.qty) for line in body.lines],
            added=[LineSpec(line.line_id, line.sku, line.qty) for line in body.added],
            actor=who.actor(),
        )
    )
    return _read(state, sales_order_id)


@router.post("/{sales_order_id}/lines/{line_id}/fulfil")
def fulfil_sales_line(
    sales_order_id: Annotated[str, IdPath],
    line_id: Annotated[str, Path(max_length=100)],
    who: Admin,
    state: State,
) -> views.SalesOrderOut:
    """Ship the line: every unit still to ship must be in stock for it and its work
    orders completed (409 ``line_not_ready`` says what is missing). Its reserved stock
    leaves as a shipment; once every line is shipped the order is ``fulfilled``."""
    state.run(FulfilSalesLine(sales_order_id=sales_order_id, line_id=line_id, actor=who.actor()))
    return _read(state, sales_order_id)


@router.post("/{sales_order_id}/cancel")
def cancel_sales_order(
    sales_order_id: Annotated[str, IdPath],
    who: Admin,
    state: State,
) -> views.SalesOrderOut:
    state.run(CancelSalesOrder(sales_order_id=sales_order_id, actor=who.actor()))
    return _read(state, sales_order_id)


@router.delete("/{sales_order_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_sales_order(
    sales_order_id: Annotated[str, IdPath],
    who: Admin,
    state: State,
) -> Response:
    state.run(DeleteSalesOrder(sales_order_id=sales_order_id, actor=who.actor()))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
