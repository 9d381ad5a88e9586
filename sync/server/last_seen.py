"""What a kiosk says about itself on each request: recorded where its token is accepted.

The sync client sends ``X-Kiosk-Outbox`` (commands waiting in its outbox) and
``X-Kiosk-Clock`` (its UTC time, ISO 8601) on every push and pull. The server
keeps the latest of each on the device with the time and address of the request,
for ``GET /devices`` and ``/metrics``. A header that does not parse is ignored:
monitoring must never cost a kiosk its sync.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from sqlalchemy import update

from kiosk.store.base import utcnow
from kiosk.store.models import Device
from sync.server.state import ServerState

OUTBOX_HEADER = "X-Kiosk-Outbox"
CLOCK_HEADER = "X-Kiosk-Clock"
_MAX_DEPTH = 10**9


def outbox_depth(raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 10 or int(text) > _MAX_DEPTH:
        return None
    return int(text)


def kiosk_clock(raw: str | None) -> datetime | None:
    text = (raw or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def note_seen(state: ServerState, request: Request, device_id: str) -> None:
    """One small UPDATE, committed before the request's own work (so no lock is held)."""
    now = utcnow()
    values: dict[str, Any] = {
        "last_seen_at": now,
        "last_seen_address": request.client.host[:45] if request.client else None,
    }
    depth = outbox_depth(request.headers.get(OUTBOX_HEADER))
    if depth is not None:
        values["outbox_depth"] = depth
    clock = kiosk_clock(request.headers.get(CLOCK_HEADER))
    if clock is not None:
        drift = (clock - now).total_seconds()
        if abs(drift) < 10 * 365 * 86400:
            values["clock_drift_seconds"] = round(drift, 3)
    with state.write() as session:
        session.execute(update(Device).where(Device.id == device_id).values(**values))
