"""Notifications: the office's inbox, the same records the kiosks acknowledge."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kiosk import queries
from kiosk.commands import AcknowledgeNotification
from sync.server.office import web
from sync.server.office.actor import actor_of
from sync.server.state import State

router = APIRouter()


@router.get("/notifications")
def notifications(request: Request, _: web.Person, state: State) -> Response:
    seen = request.query_params.get("seen") == "1"
    with state.read() as session:
        rows = queries.notifications(
            session, acknowledged=seen, site_id=queries.ALL_SITES, limit=200
        )
    return web.render(request, "notifications.html", {"rows": rows, "seen": seen})


@router.post("/notifications/{notification_id}/ack")
def acknowledge(
    request: Request, notification_id: str, who: web.Person, _: web.Form, state: State
) -> Response:
    state.run(AcknowledgeNotification(notification_id=notification_id[:36], actor=actor_of(who)))
    return web.see_other("/office/notifications", request)
