"""A store restored from a backup, on either side of the sync, as the kiosk's client meets it.

The *server's* store restored: it lost the commands this kiosk sent after the backup,
and its change feed went back too. :class:`ServerRestore` notices it (a push asked for
a number the server once acknowledged; a pull's ``last_seq`` below the acknowledged
one), sends what was lost again from the journal and starts the pull over.

The *kiosk's* store restored, or enrolled again as another device: :func:`bind` makes
it sync as this device, after a recovery a supervisor confirmed (``sync.recovery``)
when actions still wait under the old one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.store.models import OutboxEntry
from sync.outbox import JOURNAL_DAYS, state_of
from sync.recovery import NeedsRecovery, RecoveryPlan, needs_recovery

#: The sync client's logger: what it says of a restored server is the client's word.
log = logging.getLogger("sync.client")


class Diverged(Exception):
    """The server has different commands under our sequence numbers (a restored store)."""


class ServerLost(Diverged):
    """The server (restored from an old backup) lost acknowledged commands this kiosk's
    journal no longer holds: they cannot be sent again; a supervisor must know which."""


class ServerRestore:
    """What the client knows, round by round, of the server's hold on this device's
    commands, and what it sent again to a server restored from a backup."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        #: The device's ``last_seq`` the server gave with the latest pull page.
        self.server_seq: int | None = None
        #: Acknowledged commands sent again to a server restored from a backup.
        self.resends = 0
        #: This round pulled a whole snapshot (the server's state now, from scratch).
        self.fresh_snapshot = False

    def resending(
        self, start_at: int, acked: int, entries: Sequence[OutboxEntry], *, announce: bool
    ) -> None:
        """The server asks for a command it once acknowledged: its database was restored
        from a backup. Send again, from the journal, in order, what it lost (the same ids,
        actors and times); start the pull over, since its change feed went back too."""
        if not entries or entries[0].seq != start_at:
            first = entries[0].seq if entries else acked + 1
            raise ServerLost(
                f"The server was restored from a backup and lost {first - start_at} actions "
                f"this kiosk sent (numbers {start_at - self._base()} to "
                f"{first - 1 - self._base()}) that are older than its journal keeps "
                f"({JOURNAL_DAYS} days): they cannot be sent again. Tell a supervisor; "
                "re-enrol the kiosk to send the rest."
            )
        if announce:
            log.warning(
                "the server lost %s acknowledged actions (restored from a backup?): "
                "sending them again and taking a snapshot",
                acked - start_at + 1,
            )
        self.resends += sum(1 for e in entries if e.seq <= acked)
        if not self.fresh_snapshot:  # a snapshot of the restored server is already here
            with self._sessions() as session, session.begin():
                state_of(session).cursor = None

    def behind(self) -> int | None:
        """The local seq to send again from when the server holds fewer of this device's
        commands than it once acknowledged (a restored server), else None."""
        if self.server_seq is None:
            return None
        with self._sessions() as session:
            state = state_of(session)
            if self.server_seq + state.seq_base < state.acked_seq:
                return self.server_seq + state.seq_base + 1
        return None

    def _base(self) -> int:
        with self._sessions() as session:
            return state_of(session).seq_base


def bind(sessions: sessionmaker[Session], device_id: str, plan: Callable[[], RecoveryPlan]) -> None:
    """This store syncs as ``device_id`` from now on; a store that synced as another
    one with actions still waiting needs a confirmed recovery first (``plan`` asks the
    server what it holds)."""
    with sessions() as session:
        bound = state_of(session).device_id
        if bound == device_id:
            return
        blocked = bound is not None and needs_recovery(session, device_id)
    if blocked:
        found = plan()  # asks the server: no lock held
        if found.resend or found.known:
            raise NeedsRecovery(found)
        # The server holds every command of the journal and nothing waits: start again.
    with sessions() as session, session.begin():
        state = state_of(session)
        if state.device_id is not None and state.device_id != device_id:
            # Nothing waiting: the new device simply starts from 1, with a snapshot.
            top = int(session.scalar(select(func.max(OutboxEntry.seq))) or 0)
            state.seq_base = state.acked_seq = max(top, state.acked_seq)
            state.cursor = None
        state.device_id = device_id
