"""What the kiosk's screens read about sync: actions waiting, refusals, store health."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from kiosk.store.base import utcnow
from kiosk.store.models import OutboxEntry, SyncState


@dataclass(frozen=True)
class AnsweredAction:
    """A queued action the server flagged or refused, in the operator's words."""

    seq: int
    type: str
    status: str
    message: str
    at: datetime
    answered_at: datetime | None
    seen: bool


@dataclass(frozen=True)
class SyncOverview:
    waiting: int
    last_sync_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str
    #: server time minus this kiosk's clock, in seconds.
    clock_offset: float
    answered: tuple[AnsweredAction, ...]

    @property
    def unseen(self) -> tuple[AnsweredAction, ...]:
        return tuple(a for a in self.answered if not a.seen)


@dataclass(frozen=True)
class StoreHealth:
    size_bytes: int
    integrity: str


def overview(session: Session, *, limit: int = 50) -> SyncOverview:
    waiting = session.scalar(
        select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == "pending")
    )
    state = session.get(SyncState, 1)
    rows = session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.status.in_(("refused", "flagged")))
        .order_by(OutboxEntry.seq.desc())
        .limit(limit)
    ).all()
    answered = tuple(
        AnsweredAction(
            r.seq,
            r.type,
            r.status,
            r.message or r.detail,
            r.at,
            r.answered_at,
            r.seen_at is not None,
        )
        for r in rows
    )
    return SyncOverview(
        int(waiting or 0),
        state.last_sync_at if state else None,
        state.last_attempt_at if state else None,
        state.last_error if state else "",
        float(state.clock_offset) if state else 0.0,
        answered,
    )


def mark_seen(session: Session, seqs: list[int]) -> None:
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.seq.in_(seqs), OutboxEntry.seen_at.is_(None))
        .values(seen_at=utcnow())
    )


def store_health(engine: Engine) -> StoreHealth:
    """Size of the SQLite file (+ WAL) and ``PRAGMA integrity_check``."""
    if engine.dialect.name != "sqlite":
        return StoreHealth(0, "not a local SQLite store")
    path = engine.url.database or ""
    size = 0
    for suffix in ("", "-wal"):
        candidate = Path(path + suffix)
        if path and candidate.exists():
            size += os.path.getsize(candidate)
    with engine.connect() as conn:
        result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    return StoreHealth(size, str(result))
