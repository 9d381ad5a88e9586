"""Notifications for supervisors and the office: listed and acknowledged, never deleted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import queries
from kiosk.commands import AcknowledgeNotification
from kiosk.domain.errors import NotFound
from kiosk.store.models import Notification
from sync.server import schemas, views
from sync.server.auth import Caller, Principal
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import State
from sync.server.wire import QueryBool

router = APIRouter(prefix="/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)


def _out(note: queries.NotificationRow) -> views.NotificationOut:
    return views.NotificationOut(
        id=note.id,
        kind=note.kind,
        text=note.text,
        site=note.site,
        created_at=note.created_at,
        work_order_id=note.work_order_id,
        sales_order_id=note.sales_order_id,
        acknowledged_by=note.acknowledged_by,
        acknowledged_at=note.acknowledged_at,
    )


def _visible(session: Session, notification_id: str, who: Principal) -> None:
    site_id = session.scalar(select(Notification.site_id).where(Notification.id == notification_id))
    exists = session.scalar(select(Notification.id).where(Notification.id == notification_id))
    if exists is None or (not who.is_admin and site_id != who.site_id):
        raise NotFound("That notification does not exist.", id=notification_id)


@router.get("")
def list_notifications(
    who: Caller,
    state: State,
    acknowledged: Annotated[
        QueryBool | None, Query(description="Only (un)acknowledged ones")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[views.NotificationOut]:
    """Newest first; a kiosk sees its own site's."""
    with state.read() as session:
        rows = queries.notifications(
            session,
            acknowledged=acknowledged,
            site_id=queries.ALL_SITES if who.is_admin else who.site_id,
            limit=limit,
            offset=offset,
        )
    return [_out(note) for note in rows]


@router.post("/{notification_id}/ack")
def acknowledge_notification(
    notification_id: Annotated[str, Path(max_length=36)],
    who: Caller,
    state: State,
    body: Annotated[schemas.AcknowledgeIn | None, Body()] = None,
) -> views.NotificationOut:
    """An admin acknowledges as the office; a kiosk names the supervisor (badge) who did."""
    with state.read() as session:
        _visible(session, notification_id, who)
    badge = body.supervisor_badge if body else None
    state.run(
        AcknowledgeNotification(
            notification_id=notification_id,
            actor=who.actor(supervisor_badge=badge) if not who.is_admin else who.actor(),
        )
    )
    with state.read() as session:
        (note,) = queries.notifications(session, acknowledged=None, ids=[notification_id])
    return _out(note)
