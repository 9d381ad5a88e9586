"""The kiosk's session state and its bridge to the store, living on the GUI thread.

Every read and command runs on the worker thread through ``kiosk.station.Station``;
screens listen to this object's signals and never touch the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.commands import Actor, Command, CommandResult
from kiosk.domain.changes import Changes
from kiosk.domain.enums import IdentifyBy, IdentifyMethod
from kiosk.station import BoardRow, FollowUp, Identified, Person, Station
from ui.worker import Failure, Worker

log = logging.getLogger(__name__)

POLL_MS = 2000


@dataclass(frozen=True)
class SyncStatus:
    """What the top bar shows about the server. ``server``: this kiosk syncs with one;
    ``online is None``: not tried yet since the start."""

    online: bool | None = None
    last_sync: datetime | None = None
    waiting: int = 0
    #: When the server last answered at all (sync may still have failed).
    last_reached: datetime | None = None
    #: Flagged or refused actions nobody has looked at yet.
    unseen: int = 0
    error: str = ""
    enrolled: bool = True
    server: bool = False


def local_midnight_utc() -> datetime:
    now = datetime.now().astimezone()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class Controller(QObject):
    #: The whole board was read (list of BoardRow).
    board_changed = Signal(list)
    #: Some lines were read again after a change (rows, ids gone).
    board_rows_changed = Signal(list, object)
    people_changed = Signal(list)
    active_changed = Signal(object)  # Person | None
    notifications_changed = Signal(list)
    shift_changed = Signal(object)
    sync_status_changed = Signal(object)
    #: The kiosk was enrolled with a server (sync.enrolment.Credentials): start syncing.
    enrolled = Signal(object)
    #: The station now stands at another workstation (enrolled from the health screen).
    station_changed = Signal()
    #: The store changed (our command or someone else's; kiosk.domain.changes.Changes):
    #: an open screen reloads if the summary touches what it shows.
    store_changed = Signal(object)
    #: A refusal or error nobody else showed: (code, text).
    notice = Signal(str, str)
    #: Someone identified (Identified): the top bar and a toast say who acts now.
    identified = Signal(object)
    #: Anyone asked to try the server again now, backoff or not.
    retry_sync = Signal()
    #: A restored store under a new enrolment (sync.recovery.RecoveryPlan): ask a
    #: supervisor; ``recovery_confirmed`` with the same plan carries it out.
    recovery_needed = Signal(object)
    recovery_confirmed = Signal(object)

    def __init__(self, station: Station, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.worker = worker
        self.people: list[Person] = []
        #: The one acting: whoever identified last here. Nobody after a start, until
        #: someone scans or keys in their PIN; never chosen on anyone's behalf.
        self.active: Person | None = None
        #: The site's identification setting, read with every refresh.
        self.identify_by = IdentifyBy.BADGE_SCAN
        self.rows: list[BoardRow] = []
        self.sync_status = SyncStatus()
        self._polling = False
        self.worker.failed.connect(lambda failure: self.notice.emit(failure.code, failure.message))
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll)

    # ---------------------------------------------------------------- refresh
    def start(self) -> None:
        self.refresh()
        self.poll_timer.start()

    def refresh(self) -> None:
        """Reload everything the always-visible parts of the kiosk show."""
        station = self.station
        midnight = local_midnight_utc()

        def load() -> tuple[Any, ...]:
            station.changes_elsewhere()  # everything is read now: what came before is old
            return (
                station.board(),
                station.clocked_in(),
                station.notifications(),
                station.shift(midnight),
                station.identify_by(),
            )

        self.worker.submit(load, self._loaded)

    def _loaded(self, result: tuple[Any, ...]) -> None:
        rows, people, notifications, shift, identify_by = result
        self.identify_by = identify_by
        self.rows = rows
        self.board_changed.emit(rows)
        self._set_people(people)
        self.notifications_changed.emit(notifications)
        self.shift_changed.emit(shift)

    def poll(self) -> None:
        """Ask whether anyone else changed something (sync, another process), and read
        back only what they changed."""
        if self._polling or self.worker.pending:
            return
        self._polling = True

        def done(changes: Changes) -> None:
            self._polling = False
            if changes:
                self.follow_up(changes)

        def failed(failure: Failure) -> None:
            self._polling = False

        self.worker.submit(self.station.changes_elsewhere, done, failed)

    def follow_up(self, changes: Changes) -> None:
        """Reload what ``changes`` names: the open screen first (one work order is
        quick), then the board lines, people, notifications and today's units it
        touched, in one read on the worker thread."""
        self.store_changed.emit(changes)
        station, midnight = self.station, local_midnight_utc()
        self.worker.submit(lambda: station.follow_up(changes, midnight), self._followed)

    def _followed(self, follow: FollowUp) -> None:
        if follow.full:
            assert follow.people is not None
            assert follow.notifications is not None
            self._loaded(
                (follow.rows, follow.people, follow.notifications, follow.shift, follow.identify_by)
            )
            return
        if follow.rows or follow.gone:
            by_id = {row.id: row for row in self.rows}
            for wo_id in follow.gone:
                by_id.pop(wo_id, None)
            by_id.update((row.id, row) for row in follow.rows)
            self.rows = list(by_id.values())
            self.board_rows_changed.emit(follow.rows, follow.gone)
        if follow.people is not None:
            self._set_people(follow.people)
        if follow.notifications is not None:
            self.notifications_changed.emit(follow.notifications)
        if follow.shift is not None:
            self.shift_changed.emit(follow.shift)

    def set_sync_status(self, status: SyncStatus) -> None:
        self.sync_status = status
        self.sync_status_changed.emit(status)

    # ---------------------------------------------------------------- people
    def _set_people(self, people: list[Person]) -> None:
        self.people = people
        if self.active is not None and self.active.badge not in {p.badge for p in people}:
            # Clocked out (idle, by a supervisor, or moved to another station meanwhile).
            self.set_active(None)
        self.people_changed.emit(people)

    def set_active(self, person: Person | None) -> None:
        self.active = person
        self.active_changed.emit(person)

    def identify(
        self,
        badge: str,
        pin: str | None,
        method: IdentifyMethod,
        on_ok: Callable[[Identified], None],
        on_failure: Callable[[Failure], None],
    ) -> None:
        """Clock in (or switch to) ``badge``; on success they are the one acting."""
        station = self.station

        def ok(identified: Identified) -> None:
            self.set_active(identified.person)
            self.identified.emit(identified)
            on_ok(identified)
            self.follow_up(identified.changes)

        self.worker.submit(lambda: station.identify(badge, pin, method), ok, on_failure)

    def clock_out(
        self,
        badge: str,
        on_failure: Callable[[Failure], None] | None = None,
        *,
        supervisor: Person | None = None,
    ) -> None:
        station = self.station
        if self.active is not None and self.active.badge == badge:
            self.set_active(None)
        sup = supervisor.badge if supervisor else None
        self.worker.submit(lambda: station.clock_out(badge, sup), self._after_command, on_failure)

    def verify_supervisor(
        self,
        badge: str,
        pin: str,
        on_ok: Callable[[Person], None],
        on_failure: Callable[[Failure], None],
    ) -> None:
        self.verify(badge, pin, on_ok, on_failure, supervisor=True)

    def verify(
        self,
        badge: str,
        pin: str,
        on_ok: Callable[[Person], None],
        on_failure: Callable[[Failure], None],
        *,
        supervisor: bool = False,
    ) -> None:
        station = self.station
        acting = self.active.badge if self.active else None
        self.worker.submit(
            lambda: station.verify(badge, pin, supervisor=supervisor, acting=acting),
            on_ok,
            on_failure,
        )

    def unlock(
        self,
        badge: str | None,
        supervisor: Person,
        on_ok: Callable[[CommandResult], None],
        on_failure: Callable[[Failure], None],
    ) -> None:
        station = self.station
        self.worker.submit(lambda: station.unlock(badge, supervisor.badge), on_ok, on_failure)

    # ---------------------------------------------------------------- commands
    def run(
        self,
        make: Callable[[Actor], Command],
        on_ok: Callable[[CommandResult], None] | None = None,
        on_failure: Callable[[Failure], None] | None = None,
        *,
        supervisor: Person | None = None,
    ) -> None:
        """Run one command as the active operator (and the elevating supervisor, if any)."""
        badge = self.active.badge if self.active else None
        actor = self.station.actor(badge, supervisor.badge if supervisor else None)
        command = make(actor)
        log.info("command %s %s", command.type_name, command.command_id)

        def ok(result: CommandResult) -> None:
            if on_ok is not None:
                on_ok(result)
            self._after_command(result)

        self.worker.submit(lambda: self.station.execute(command), ok, on_failure)

    def _after_command(self, result: CommandResult) -> None:
        self.follow_up(result.changes)

    # ---------------------------------------------------------------- reads
    def load(
        self,
        fn: Callable[[Station], Any],
        on_ok: Callable[[Any], None],
        on_failure: Callable[[Failure], None] | None = None,
    ) -> None:
        station = self.station
        self.worker.submit(lambda: fn(station), on_ok, on_failure)
