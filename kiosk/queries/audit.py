"""The audit trail, oldest first: the API's ``/audit`` and the office's work-order page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.models import AuditEntry


@dataclass(frozen=True)
class AuditRow:
    id: str
    command_id: str
    command_type: str
    result: str
    code: str | None
    detail: str
    operator_badge: str | None
    supervisor_badge: str | None
    principal: str | None
    device_id: str | None
    workstation: str | None
    device_time: datetime
    recorded_at: datetime
    work_order_id: str | None
    status_before: str | None
    status_after: str | None
    payload: dict[str, object]

    @property
    def who(self) -> str:
        """The person (badge) or office principal the row names, with the supervisor."""
        return self.who_named({})

    def who_named(self, names: Mapping[str, str]) -> str:
        """``who`` with people's names beside their badges (``names``: badge → name)."""

        def person(badge: str) -> str:
            return f"{names[badge]} ({badge})" if badge in names else badge

        who = [person(self.operator_badge)] if self.operator_badge else []
        if self.principal:
            who.append(self.principal)
        if self.supervisor_badge and self.supervisor_badge != self.operator_badge:
            who.append(f"approved by {person(self.supervisor_badge)}")
        return ", ".join(who) or (f"device {self.device_id}" if self.device_id else "")


def audit_trail(
    session: Session, work_order_id: str | None = None, *, limit: int = 500, offset: int = 0
) -> list[AuditRow]:
    query = (
        select(AuditEntry)
        .order_by(AuditEntry.recorded_at, AuditEntry.id)
        .limit(limit)
        .offset(offset)
    )
    if work_order_id is not None:
        query = query.where(AuditEntry.work_order_id == work_order_id)
    return [
        AuditRow(
            e.id,
            e.command_id,
            e.command_type,
            e.result,
            e.code,
            e.detail,
            e.operator_badge,
            e.supervisor_badge,
            e.principal,
            e.device_id,
            e.workstation,
            e.device_time,
            e.recorded_at,
            e.work_order_id,
            e.status_before,
            e.status_after,
            dict(e.payload or {}),
        )
        for e in session.scalars(query)
    ]
