"""Acknowledging notifications: they are never deleted, only seen by a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.commands.base import Command, Policy, Supervisor, Sync, handles
from kiosk.domain.errors import Conflict, NotFound
from kiosk.services.context import Context
from kiosk.store.models import Notification


@dataclass(frozen=True, kw_only=True)
class AcknowledgeNotification(Command):
    type_name = "acknowledge_notification"
    policy = Policy(
        sync=Sync.PUSHED,
        supervisor=Supervisor.ALWAYS,
        supervisor_for="acknowledge notifications",
    )
    notification_id: str


@handles(AcknowledgeNotification)
def acknowledge(ctx: Context, cmd: AcknowledgeNotification) -> dict[str, Any]:
    note = ctx.session.get(Notification, cmd.notification_id, with_for_update=True)
    if note is None or not ctx.in_site_or_all(note.site_id):
        raise NotFound("That notification does not exist.", id=cmd.notification_id)
    if note.acknowledged_at is not None:
        raise Conflict(f"Already acknowledged by {note.acknowledged_by}.")
    who = ctx.approved_by
    note.acknowledged_at = ctx.now
    note.acknowledged_by = who
    return {}
