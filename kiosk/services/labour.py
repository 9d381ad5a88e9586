"""Labour segments: opened when an operator starts or resumes a WO, closed when work stops."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.services.context import Context
from kiosk.store.base import new_id
from kiosk.store.models import LabourSegment, WorkOrder


def open_segment(ctx: Context, wo: WorkOrder, operator_id: str) -> None:
    already = ctx.session.scalars(
        select(LabourSegment).where(
            LabourSegment.operator_id == operator_id,
            LabourSegment.work_order_id == wo.id,
            LabourSegment.ended_at.is_(None),
        )
    ).first()
    if already is None:
        ctx.session.add(
            LabourSegment(
                id=new_id(),
                operator_id=operator_id,
                work_order_id=wo.id,
                started_at=ctx.command.at,
            )
        )


def close_segments(
    ctx: Context, *, work_order_id: str | None = None, operator_id: str | None = None
) -> None:
    """Close open segments at the device's time of the event (labour is rebuilt from it)."""
    query = select(LabourSegment).where(LabourSegment.ended_at.is_(None))
    if work_order_id is not None:
        query = query.where(LabourSegment.work_order_id == work_order_id)
    if operator_id is not None:
        query = query.where(LabourSegment.operator_id == operator_id)
    for segment in ctx.session.scalars(query):
        segment.ended_at = max(ctx.command.at, segment.started_at)
