"""The kiosk's application facade: one workstation's commands and reads, delegated.

The UI never holds a Session; it calls this object (from its one worker thread) and
gets frozen read objects back. Commands go through the same CommandBus as the
server; reads go through ``kiosk.queries``, which the server's views share.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, PoolProxiedConnection, func, select
from sqlalchemy.orm import Session

from kiosk import queries
from kiosk.commands import (
    Actor,
    ClearPinLockout,
    ClockIn,
    ClockOut,
    Command,
    CommandBus,
    CommandResult,
    PinLockout,
    VerifyPin,
)
from kiosk.commands.base import Sync
from kiosk.commands.bus import CommandHook
from kiosk.domain.changes import EVERYTHING, NOTHING, Changes
from kiosk.domain.enums import IdentifyBy, IdentifyMethod
from kiosk.queries import sync_overview as sync_reads
from kiosk.queries.board import BoardRow
from kiosk.queries.floor import (
    Identified,
    LabourRow,
    NotificationRow,
    Person,
    ShiftSummary,
    StationInfo,
)
from kiosk.services import identity
from kiosk.store import touched
from kiosk.store.models import (
    AuditEntry,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class FollowUp:
    """A read after a change: board lines (all of them when ``full``), the ids asked
    for that are gone, and each other part only when it may have changed (else None)."""

    rows: list[BoardRow]
    full: bool = False
    gone: frozenset[str] = frozenset()
    people: list[Person] | None = None
    notifications: list[NotificationRow] | None = None
    shift: ShiftSummary | None = None
    identify_by: IdentifyBy | None = None


class Station:
    """One workstation's view of the plant and the commands its operators run."""

    def __init__(self, engine: Engine, workstation: str | None, device_id: str) -> None:
        self.engine = engine
        self.bus = CommandBus(engine)
        self.workstation = workstation
        self.device_id = device_id
        self._version_conn: PoolProxiedConnection | None = None
        # What committed here without passing through ``execute`` (sync applying the
        # server's changes, another bus on this engine), until ``changes_elsewhere``.
        self._lock = threading.Lock()
        self._heard: Changes = NOTHING
        self._commits = 0
        self._token: int | None = None
        touched.watch(engine, self._hear)
        #: The board as last read here (on the worker thread), for follow-up reads.
        self._board = queries.BoardCache()

    # ---------------------------------------------------------------- commands
    def actor(self, badge: str | None, supervisor_badge: str | None = None) -> Actor:
        return Actor(
            badge=badge,
            supervisor_badge=supervisor_badge,
            device_id=self.device_id,
            workstation=self.workstation,
        )

    def execute(self, command: Command) -> CommandResult:
        """Run a floor command here (the outbox hook, when syncing, queues it in the same
        transaction). Office commands belong to the server: run here, they would change
        this copy of the plant and never reach it."""
        if command.policy.sync not in (Sync.PUSHED, Sync.LOCAL):
            raise TypeError(
                f"{type(command).__name__} is not a kiosk's command ({command.policy.sync})"
            )
        # The result carries its changes; the poll hears only that something committed.
        return self.bus.execute(command, hook=self.command_hook, claim_changes=True)

    # ---------------------------------------------------------------- people
    def identify(self, badge: str, pin: str | None, method: IdentifyMethod) -> Identified:
        """Clock ``badge`` in here (or confirm they are), under the site's policy."""
        result = self._reporting_lockouts(
            badge, ClockIn(badge=badge, pin=pin, method=method.value, actor=self.actor(badge))
        )
        person = self.person(badge)
        return Identified(
            person,
            bool(result.data["already"]),
            tuple(result.data["moved_from"]),
            changes=result.changes,
        )

    def verify(self, badge: str, pin: str, *, supervisor: bool, acting: str | None) -> Person:
        """Check a badge and PIN (``supervisor``: and the role) while ``acting`` works."""
        command = VerifyPin(badge=badge, pin=pin, supervisor=supervisor, actor=self.actor(acting))
        self._reporting_lockouts(badge, command)
        return self.person(badge)

    def _reporting_lockouts(self, badge: str, command: Command) -> CommandResult:
        try:
            return self.execute(command)
        except identity.BadgeLocked as err:
            if err.newly:  # the supervisors (and the server's audit log) hear of it
                self.execute(PinLockout(badge=badge, actor=self.actor(None)))
            raise

    def clock_out(self, badge: str, supervisor_badge: str | None = None) -> CommandResult:
        """Clock ``badge`` out: by themself, or by a supervisor (who is then the actor)."""
        actor = self.actor(None, supervisor_badge) if supervisor_badge else self.actor(badge)
        return self.execute(ClockOut(badge=badge, actor=actor))

    def unlock(self, badge: str | None, supervisor_badge: str) -> CommandResult:
        """A supervisor ends a badge's lockout here (None: every one, and a pause)."""
        return self.execute(ClearPinLockout(badge=badge, actor=self.actor(None, supervisor_badge)))

    def identify_by(self) -> IdentifyBy:
        """How people identify at this kiosk: the site's setting."""
        with self.bus.read() as session:
            return identity.policy(session, self.workstation)

    # ---------------------------------------------------------------- reads
    def info(self) -> StationInfo:
        with self.bus.read() as session:
            return queries.station_info(session, self.workstation)

    def board(self, ids: Collection[str] | None = None) -> list[BoardRow]:
        """Every work order's board line, or only those of ``ids``."""
        with self.bus.read() as session:
            if ids is None:
                return self._board.read_all(session)
            return queries.board_rows(session, ids)

    def work_order(self, work_order_id: str) -> queries.WorkOrderView:
        with self.bus.read() as session:
            return queries.work_order(session, work_order_id)

    def work_order_by_number(self, number: str) -> queries.WorkOrderView:
        with self.bus.read() as session:
            return queries.work_order_by_number(session, number)

    def labour(self, work_order_id: str) -> list[LabourRow]:
        with self.bus.read() as session:
            return queries.labour(session, work_order_id)

    def person(self, badge: str) -> Person:
        with self.bus.read() as session:
            return queries.person(session, badge)

    def clocked_in(self) -> list[Person]:
        """Who is clocked in at this workstation, earliest first."""
        with self.bus.read() as session:
            return queries.clocked_in(session, self.workstation)

    def notifications(self, include_acknowledged: bool = False) -> list[NotificationRow]:
        with self.bus.read() as session:
            return queries.notifications(
                session, acknowledged=None if include_acknowledged else False
            )

    def shift(self, day_start: datetime) -> ShiftSummary:
        """Good units since ``day_start`` on this workstation's work orders, per hour."""
        with self.bus.read() as session:
            return queries.good_units_today(session, self.workstation, day_start)

    # ---------------------------------------------------------------- changes
    def _hear(self, changes: Changes) -> None:
        with self._lock:
            self._heard = self._heard | changes
            self._commits += 1

    def changes_elsewhere(self) -> Changes:
        """What changed since the last call without a command of ours reporting it: the
        server's changes sync applied, or (the store moved, nothing in this process
        committed) another process's write, which reloads everything."""
        token = self.change_token()
        with self._lock:
            heard, commits = self._heard, self._commits
            self._heard, self._commits = NOTHING, 0
        moved, self._token = token != self._token, token
        if heard:
            return heard
        return EVERYTHING if moved and commits == 0 else NOTHING

    def follow_up(self, changes: Changes, day_start: datetime) -> FollowUp:
        """What the always-visible screens show that ``changes`` may have altered, and
        only that: at 5,000 work orders a command's follow-up reads a few rows."""
        with self.bus.read() as session:
            partial = self._board.apply(session, changes)
            if partial is None:
                return FollowUp(
                    rows=self._board.read_all(session),
                    full=True,
                    people=queries.clocked_in(session, self.workstation),
                    notifications=queries.notifications(session),
                    shift=queries.good_units_today(session, self.workstation, day_start),
                    identify_by=identity.policy(session, self.workstation),
                )
            rows, gone = partial
            return FollowUp(
                rows=rows,
                gone=frozenset(gone),
                people=queries.clocked_in(session, self.workstation) if changes.people else None,
                notifications=queries.notifications(session) if changes.notifications else None,
                shift=queries.good_units_today(session, self.workstation, day_start)
                if changes.work_orders
                else None,
            )

    def change_token(self) -> int:
        """A number that changes whenever anyone commits to the store (cheap to poll)."""
        if self.engine.dialect.name == "sqlite":
            # data_version moves when *another* connection commits, so keep one aside.
            if self._version_conn is None:
                self._version_conn = self.engine.raw_connection()
            cursor = self._version_conn.cursor()
            try:
                return int(cursor.execute("PRAGMA data_version").fetchone()[0])
            finally:
                cursor.close()
        with self.bus.read() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    def close(self) -> None:
        touched.unwatch(self.engine, self._hear)
        if self._version_conn is not None:
            self._version_conn.close()
            self._version_conn = None

    # ---------------------------------------------------------------- sync
    #: Runs inside every command's transaction (the sync outbox); None: no sync.
    command_hook: CommandHook | None = None

    def use_outbox(self, hook: CommandHook) -> None:
        """Queue every command for the server in the same transaction that applies it."""
        self.command_hook = hook

    def sync_overview(self) -> sync_reads.SyncOverview:
        with self.bus.read() as session:
            return sync_reads.overview(session)

    def mark_answers_seen(self, seqs: list[int]) -> None:
        with Session(self.engine) as session, session.begin():
            sync_reads.mark_seen(session, seqs)

    def store_health(self) -> sync_reads.StoreHealth:
        return sync_reads.store_health(self.engine)
