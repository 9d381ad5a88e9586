"""The kiosk's transactional outbox: a local command and its queue entry commit together.

:class:`OutboxHook` is the CommandBus hook of the kiosk's Station: inside the
command's own SQLite transaction it keeps the server's version of every row the
command touches (shadow rows, for the rebase) and appends the command with the
next per-device ``seq``. ``synchronous=FULL`` makes that commit durable before
the UI says "done".

Answered entries stay a while as the **journal**: a server restored from a backup
has lost the commands acknowledged after it, and the kiosk sends them again from
here (``sync.client``, which ``sync.restore`` tells when). :func:`prune_journal`
keeps :data:`JOURNAL_DAYS` of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, or_, select
from sqlalchemy.orm import Session

from kiosk.commands import COMMAND_TYPES, Actor, Command, CommandResult
from kiosk.commands.base import Sync
from kiosk.commands.bus import payload_of
from kiosk.domain.errors import DomainError
from kiosk.store.capture import SHADOW, start_shadowing, stop_shadowing
from kiosk.store.models import OutboxEntry, SyncState
from sync.protocol import PushCommand, WireActor

PENDING = "pending"
#: How long answered commands are kept to send again to a server restored from a
#: backup: restore a backup younger than this and nothing the kiosks did is lost.
JOURNAL_DAYS = 14


def queued(command: Command) -> bool:
    """Commands the server replays (``Sync.PUSHED``); the rest stay on the kiosk."""
    return command.policy.sync == Sync.PUSHED


class OutboxHook:
    def __init__(self, on_queued: Callable[[], None] | None = None) -> None:
        #: Called after the command and its queue entry committed (the scheduler's kick).
        self.on_queued = on_queued

    def before(self, session: Session, command: Command, *, refusing: bool) -> None:
        if not refusing and queued(command):
            start_shadowing(session)

    def after(
        self, session: Session, command: Command, outcome: CommandResult | DomainError
    ) -> None:
        if not session.info.get(SHADOW):
            return
        session.add(
            OutboxEntry(
                seq=next_seq(session),
                command_id=command.command_id,
                type=command.type_name,
                at=command.at,
                actor={
                    "operator_badge": command.actor.badge,
                    "supervisor_badge": command.actor.supervisor_badge,
                    "workstation": command.actor.workstation,
                },
                payload=payload_of(command),
                status=PENDING,
                detail="",
                message="",
            )
        )
        # Shadow the handler's last changes now, while the flag is still set.
        session.flush()
        stop_shadowing(session)
        if self.on_queued is not None:
            callback = self.on_queued
            event.listen(session, "after_commit", lambda _s: callback(), once=True)


def next_seq(session: Session) -> int:
    last = session.scalar(select(func.max(OutboxEntry.seq))) or 0
    state = session.get(SyncState, 1)
    return max(int(last), state.acked_seq if state else 0) + 1


def prune_journal(session: Session, now: datetime, days: int = JOURNAL_DAYS) -> int:
    """Forget answered commands older than ``days`` (a refusal only once it was seen).

    The next seq still follows the last one the server knows: it counts from
    ``acked_seq`` too (:func:`next_seq`)."""
    state = state_of(session)
    result = session.execute(
        delete(OutboxEntry).where(
            OutboxEntry.status != PENDING,
            OutboxEntry.seq <= state.acked_seq,
            OutboxEntry.answered_at < now - timedelta(days=days),
            or_(OutboxEntry.status == "applied", OutboxEntry.seen_at.is_not(None)),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def state_of(session: Session) -> SyncState:
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, acked_seq=0, last_error="", clock_offset=0.0)
        session.add(state)
        session.flush()
    return state


def to_wire(entry: OutboxEntry, seq_base: int = 0) -> PushCommand:
    """The entry as pushed: its seq on the wire is the local one less ``seq_base``."""
    actor: dict[str, Any] = dict(entry.actor or {})
    return PushCommand(
        id=entry.command_id,
        seq=entry.seq - seq_base,
        type=entry.type,
        at=entry.at,
        actor=WireActor(
            operator_badge=actor.get("operator_badge"),
            supervisor_badge=actor.get("supervisor_badge"),
            workstation=actor.get("workstation"),
        ),
        payload=dict(entry.payload or {}),
    )


def to_command(entry: OutboxEntry, device_id: str | None) -> Command:
    """The queued command rebuilt for a local replay (as the server will replay it)."""
    actor: dict[str, Any] = dict(entry.actor or {})
    cls = COMMAND_TYPES[entry.type]
    return cls(
        command_id=entry.command_id,
        actor=Actor(
            badge=actor.get("operator_badge"),
            supervisor_badge=actor.get("supervisor_badge"),
            workstation=actor.get("workstation"),
            device_id=device_id,
        ),
        at=entry.at,
        replayed=True,
        **dict(entry.payload or {}),
    )
