"""A kiosk's store restored from an old copy, enrolled again as a new device: send what
the server never got, once, and nothing it already has.

The restored copy's queue may hold actions the server already holds (sent by the
kiosk before the copy came back) and actions taken since on the copy (the server never
saw them). The server has the old device's numbers in use, so those new actions go
out under a new enrolment. The recovery asks the server which of the waiting command
ids it holds (by id: a command is born with its id), marks those answered with the
server's result, and renumbers the rest from 1 for the new device, in order. A
supervisor sees the plan before anything is sent.

The same recovery serves a kiosk enrolled after the backup a restored *server* was made
from: the server no longer knows the device (401), the kiosk is enrolled again, and the
journal's answered commands the server does not hold are sent again with the waiting
ones, in their order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.store.base import utcnow
from kiosk.store.models import OutboxEntry
from sync.outbox import PENDING, state_of
from sync.protocol import KnownCommand


class NeedsRecovery(Exception):
    """This store synced as another device: a supervisor confirms a recovery first."""

    def __init__(self, plan: RecoveryPlan) -> None:
        super().__init__(plan.summary)
        self.plan = plan


@dataclass(frozen=True)
class Waiting:
    """One action waiting on the kiosk, as a supervisor reads it."""

    seq: int
    command_id: str
    type: str
    badge: str | None
    what: str


@dataclass(frozen=True)
class RecoveryPlan:
    old_device: str | None
    new_device: str
    #: Waiting here, but the server has them already: marked answered, not sent.
    known: tuple[tuple[Waiting, KnownCommand], ...]
    #: The server never got them: sent, in this order, as the new device's 1, 2, 3 …
    resend: tuple[Waiting, ...]
    #: Of ``resend``: answered once, lost by a server restored from a backup.
    lost: int = 0

    @property
    def summary(self) -> str:
        if self.lost:
            return (
                f"The server was restored from a backup and lost {self.lost} actions this "
                f"kiosk had sent. {len(self.resend)} actions are not on the server and will "
                f"be sent again, in order; {len(self.known)} waiting ones it has will not."
            )
        return (
            f"This kiosk's store was restored from an older copy. {len(self.resend)} actions "
            f"taken on it are not on the server and will be sent; {len(self.known)} waiting "
            "ones the server already has will not be sent again."
        )


def needs_recovery(session: Session, device_id: str) -> bool:
    """Has this store synced as another device, with actions still waiting?"""
    state = state_of(session)
    if state.device_id in (None, device_id):
        return False
    waiting = session.scalar(
        select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == PENDING)
    )
    return bool(waiting) or bool(journal_entries(session))


def waiting_entries(session: Session) -> list[OutboxEntry]:
    return list(
        session.scalars(
            select(OutboxEntry).where(OutboxEntry.status == PENDING).order_by(OutboxEntry.seq)
        )
    )


def journal_entries(session: Session) -> list[OutboxEntry]:
    """Answered commands of the device the store syncs as (kept for a restored server)."""
    base = state_of(session).seq_base
    return list(
        session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.status != PENDING, OutboxEntry.seq > base)
            .order_by(OutboxEntry.seq)
        )
    )


def describe(entry: OutboxEntry) -> Waiting:
    payload = dict(entry.payload or {})
    detail = ", ".join(f"{k} {v}" for k, v in payload.items() if k in ("qty", "reason", "badge"))
    actor = dict(entry.actor or {})
    badge = actor.get("operator_badge") or actor.get("supervisor_badge")
    what = entry.type.replace("_", " ") + (f" ({detail})" if detail else "")
    return Waiting(entry.seq, entry.command_id, entry.type, badge, what)  # type: ignore[arg-type]


def make_plan(session: Session, new_device: str, known: dict[str, KnownCommand]) -> RecoveryPlan:
    entries = waiting_entries(session)
    lost = [e for e in journal_entries(session) if e.command_id not in known]
    resend = sorted([e for e in entries if e.command_id not in known] + lost, key=lambda e: e.seq)
    return RecoveryPlan(
        old_device=state_of(session).device_id,
        new_device=new_device,
        known=tuple((describe(e), known[e.command_id]) for e in entries if e.command_id in known),
        resend=tuple(describe(e) for e in resend),
        lost=len(lost),
    )


def apply_plan(session: Session, plan: RecoveryPlan) -> None:
    """Mark what the server has as answered; renumber the rest to follow every seq in use,
    so the new device's first command is 1; bind the store to the new device and start
    its pull over (a snapshot replaces server data, never the queue)."""
    state = state_of(session)
    now = utcnow()
    for waiting, result in plan.known:
        entry = session.scalars(
            select(OutboxEntry).where(OutboxEntry.command_id == waiting.command_id)
        ).one()
        entry.status = result.status
        entry.code = result.code
        entry.detail = result.detail or ""
        entry.message = (
            "Already on the server (sent before this kiosk's store was restored); not sent again."
        )
        entry.answered_at = now
    top = int(session.scalar(select(func.max(OutboxEntry.seq))) or 0)
    base = max(top, state.acked_seq)
    moving = [
        session.scalars(select(OutboxEntry).where(OutboxEntry.command_id == w.command_id)).one()
        for w in plan.resend
    ]
    # Out of the way first (seq is the key), then into place after everything in use.
    for offset, entry in enumerate(moving, start=1):
        entry.seq = -offset
    session.flush()
    for offset, entry in enumerate(moving, start=1):
        entry.seq = base + offset
        if entry.status != PENDING:  # lost by a restored server: waiting again
            entry.status, entry.code, entry.detail, entry.message = PENDING, None, "", ""
            entry.answered_at = entry.seen_at = None
    state.seq_base = base
    state.acked_seq = base
    state.device_id = plan.new_device
    state.cursor = None
