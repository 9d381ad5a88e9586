"""Sync in the kiosk UI: scheduler callbacks become queued Qt signals; answers are shown.

The scheduler calls :meth:`SyncBridge.on_state` on its own thread; the signal is
connected with a queued connection, so the top bar and the messages are only
ever touched on the GUI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from kiosk.queries.sync_overview import SyncOverview
from kiosk.station import Station
from sync.enrolment import Credentials, credentials_path, load
from sync.runtime import KioskSync, attach_outbox, start_sync
from sync.scheduler import SyncState
from ui.controller import Controller, SyncStatus

log = logging.getLogger(__name__)


class SyncBridge(QObject):
    state_arrived = Signal(object)

    def __init__(self, controller: Controller, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state_arrived.connect(self._apply, Qt.ConnectionType.QueuedConnection)
        self._showing = False
        self._asked: object | None = None

    def on_state(self, state: SyncState) -> None:
        """Any thread: hand the state over to the GUI thread."""
        self.state_arrived.emit(state)

    def _apply(self, state: SyncState) -> None:
        self.controller.set_sync_status(
            SyncStatus(
                online=state.online,
                last_sync=state.last_sync,
                waiting=state.waiting,
                last_reached=state.last_reached,
                unseen=state.unseen_answers,
                error=state.error,
                enrolled=state.enrolled,
                server=True,
            )
        )
        if state.recovery is not None and state.recovery != self._asked:
            self._asked = state.recovery  # once per plan: the supervisor is asked, not nagged
            self.controller.recovery_needed.emit(state.recovery)
        if state.unseen_answers and not self._showing:
            self._showing = True
            self.controller.load(lambda s: s.sync_overview(), self._show, self._done)

    def _show(self, overview: SyncOverview) -> None:
        """Tell the operator, in plain words, what the server did with their actions."""
        unseen = overview.unseen
        if unseen:
            self.controller.notice.emit(
                "sync_answer", "\n\n".join(a.message for a in reversed(unseen))
            )
            seqs = [a.seq for a in unseen]
            self.controller.load(lambda s: s.mark_answers_seen(seqs), self._done, self._done)
        else:
            self._showing = False

    def _done(self, _: object = None) -> None:
        self._showing = False


#: How often the running kiosk looks at sync.json for a new enrolment (ms).
WATCH_MS = 2_000


class EnrolmentWatch(QObject):
    """``kiosk enroll`` on the command line while the kiosk runs takes effect at once:
    sync.json's mtime and size are looked at every couple of seconds (a stat, no
    parsing) and a changed file with a new token is handed to ``controller.enrolled``."""

    def __init__(self, controller: Controller, path: Path, current: Credentials | None) -> None:
        super().__init__(controller)
        self.controller = controller
        self.path = path
        self.token = current.token if current else None
        self._seen = self._stamp()
        self.timer = QTimer(self)
        self.timer.setInterval(WATCH_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def check(self) -> None:
        stamp = self._stamp()
        if stamp == self._seen:
            return
        self._seen = stamp
        try:
            creds = load(self.path)
        except (ValueError, TypeError, OSError) as err:
            log.warning("the enrolment %s cannot be read: %s", self.path, err)
            return
        if creds is None or creds.token == self.token:
            return  # gone, or the file this kiosk wrote itself (the enrol screen)
        log.warning(
            "a new enrolment in %s (device %s at %s): syncing with it now",
            self.path,
            creds.device_id,
            creds.server,
        )
        self.controller.enrolled.emit(creds)


@dataclass
class RunningSync:
    sync: KioskSync | None
    demo_server: object | None = None
    watch: EnrolmentWatch | None = None

    def begin(self, station: Station, controller: Controller, creds: Credentials) -> None:
        """Enrolled (the health screen, or ``kiosk enroll`` while running): sync with these
        credentials from now on; queued actions go first."""
        if station.workstation is None and creds.workstation:
            # A kiosk set up without a workstation stands where the office enrolled it.
            station.workstation = creds.workstation
            controller.station_changed.emit()
        if self.sync is not None:
            self.sync.stop()
        if self.watch is not None:
            self.watch.token = creds.token
        bridge = SyncBridge(controller, controller)
        self.sync = start_sync(station, creds, bridge.on_state)

    def connect(self, station: Station, controller: Controller) -> None:
        """Once per kiosk: enrolments, retries and recoveries reach whichever sync runs."""
        controller.enrolled.connect(lambda c: self.begin(station, controller, c))
        controller.retry_sync.connect(self.retry)
        controller.recovery_confirmed.connect(lambda plan: self.recover(controller, plan))

    def recover(self, controller: Controller, plan: object) -> None:
        """The supervisor confirmed: renumber and mark (on the worker), then sync now."""
        sync = self.sync
        if sync is None:
            return
        controller.load(lambda _s: sync.client.recover(plan), lambda _: self.retry())  # type: ignore[arg-type]

    def retry(self) -> None:
        """Anyone at the kiosk asked to try the server now (any thread is fine)."""
        if self.sync is not None:
            self.sync.scheduler.retry_now()

    def stop(self) -> None:
        if self.watch is not None:
            self.watch.timer.stop()
        if self.sync is not None:
            self.sync.stop()
        if self.demo_server is not None:
            self.demo_server.stop()  # type: ignore[attr-defined]


def start(
    station: Station,
    controller: Controller,
    *,
    demo: bool,
    data_dir: Path,
    creds: Credentials | None = None,
) -> RunningSync:
    """Sync with the enrolled server (``creds``, else the saved ones), or with ``--demo`` a
    local one; else queue only."""
    demo_server = None
    if demo:
        try:
            from sync.demo import start_demo_server

            demo_server = start_demo_server(data_dir, station.workstation or "ASSY-1")
            creds = demo_server.credentials
        except ImportError as err:  # a kiosk-only install has no server parts
            log.warning("no local demo server (%s): the demo runs on the local store only", err)
            creds = None
    elif creds is None:
        creds = load()
    running = RunningSync(None, demo_server)
    running.connect(station, controller)
    if creds is None and demo:
        attach_outbox(station)  # a demo on the local store only: nothing to enrol with
        return running
    if not demo:
        running.watch = EnrolmentWatch(controller, credentials_path(), creds)
    if creds is None:
        # Not enrolled: every action is still queued, and goes out once enrolled.
        attach_outbox(station)
        controller.set_sync_status(SyncStatus(enrolled=False, server=True))
        return running
    running.begin(station, controller, creds)
    return running
