"""Audit rows for what the server decides itself: refused credentials, tokens, enrolment."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kiosk.store.base import new_id, utcnow
from kiosk.store.models import AuditEntry


def record(
    session: Session,
    command_type: str,
    result: str,
    *,
    code: str | None = None,
    detail: str = "",
    principal: str | None = None,
    device_id: str | None = None,
    workstation: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    now = utcnow()
    session.add(
        AuditEntry(
            id=new_id(),
            command_id=new_id(),
            command_type=command_type[:40],
            result=result,
            code=code,
            detail=detail,
            principal=principal[:100] if principal else None,
            device_id=device_id,
            workstation=workstation,
            device_time=now,
            recorded_at=now,
            payload=payload or {},
        )
    )
