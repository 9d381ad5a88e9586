"""The audit log: one row per accepted or refused command, oldest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kiosk.queries.audit import audit_trail
from sync.server import views
from sync.server.auth import Admin
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import State

router = APIRouter(prefix="/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("")
def list_audit_entries(
    _: Admin,
    state: State,
    work_order_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
) -> list[views.AuditOut]:
    with state.read() as session:
        rows = audit_trail(session, work_order_id, limit=limit, offset=offset)
    return [views.AuditOut.model_validate(row, from_attributes=True) for row in rows]
