"""Always visible: station, time, sync state, who is working, notifications, lock."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from kiosk.station import NotificationRow, Person
from ui.controller import Controller, SyncStatus
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton, icon_button
from ui.widgets.elided import ElidedLabel


def _tr(text: str) -> str:
    return QCoreApplication.translate("TopBar", text)


def when_text(when: datetime | None) -> str:
    """A time today ("10:42"), or a day and time before today."""
    if when is None:
        return _tr("never")
    local = when.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%d %b %H:%M")


def sync_state(status: SyncStatus) -> str:
    """One word for the colours: local, unenrolled, connecting, online, offline."""
    if not status.server:
        return "local"
    if not status.enrolled:
        return "unenrolled"
    if status.online is None:
        return "connecting"
    return "online" if status.online else "offline"


def sync_text(status: SyncStatus) -> str:
    """Two short lines: the state, then what matters most about it (what waits to be sent,
    what to check, or when it last synced). The full story is one tap away."""
    state = sync_state(status)
    if state == "local":
        return _tr("Local store")
    if state == "unenrolled":
        return _tr("NOT ENROLLED") + "\n" + _tr("%d waiting") % status.waiting
    word = {
        "connecting": _tr("Connecting…"),
        "online": _tr("Online"),
        "offline": _tr("⚠ OFFLINE"),
    }[state]
    if status.waiting:
        detail = _tr("%d waiting") % status.waiting
    elif status.unseen:
        detail = _tr("%d to check") % status.unseen
    elif state == "offline":
        detail = _tr("since %s") % when_text(status.last_reached or status.last_sync)
    else:
        detail = _tr("synced %s") % when_text(status.last_sync)
    return f"{word}\n{detail}"


class TopBar(QWidget):
    def __init__(self, metrics: Metrics, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("topbar")
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        gap = metrics.gap
        layout = QHBoxLayout(self)
        layout.setContentsMargins(gap, metrics.mm(1.5), gap, metrics.mm(1.5))
        layout.setSpacing(gap)
        # The station's name and the clock; a toast takes their place for a moment.
        self.title_area = QWidget()
        self.title_area.setObjectName("title_area")
        title = QHBoxLayout(self.title_area)
        title.setContentsMargins(0, 0, 0, 0)
        title.setSpacing(gap)
        self.station = ElidedLabel()
        self.station.setProperty("role", "title")
        title.addWidget(self.station, 1)
        self.clock = QLabel()
        title.addWidget(self.clock)
        layout.addWidget(self.title_area, 1)
        # Tapping the sync state opens the station-health screen (supervisor).
        self.sync = TouchButton(sync_text(SyncStatus()))
        self.sync.setAccessibleName(_tr("Sync status"))
        layout.addWidget(self.sync)
        self.person = TouchButton(_tr("Scan your badge"))
        self.person.setMinimumWidth(metrics.mm(45))
        layout.addWidget(self.person)
        self.bell = icon_button("bell", _tr("Notifications"), size=metrics.mm(7))
        self.bell.setIconSize(QSize(metrics.mm(7), metrics.mm(7)))
        layout.addWidget(self.bell)
        self.lock = icon_button("lock", _tr("Leave the kiosk (supervisor)"), size=metrics.mm(7))
        layout.addWidget(self.lock)
        controller.active_changed.connect(self.set_person)
        controller.notifications_changed.connect(self.set_notifications)
        controller.sync_status_changed.connect(self.set_sync)
        self.set_sync(SyncStatus())
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._update_clock)
        self._tick.start(15_000)
        self._update_clock()

    def set_sync(self, status: SyncStatus) -> None:
        """Words and colour: offline is amber and says so, never looks like online."""
        self.sync.setText(sync_text(status))
        self.sync.setProperty("sync", sync_state(status))
        self.sync.style().unpolish(self.sync)
        self.sync.style().polish(self.sync)

    def set_station(self, code: str, name: str) -> None:
        self.station.setText(f"{code} · {name}")

    def set_person(self, person: Person | None) -> None:
        """Who acts now; nobody until someone scans or keys in their PIN."""
        self.person.setText(person.name if person else _tr("Scan your badge"))
        self.person.setAccessibleName(
            _tr("Working: %s") % person.name if person else _tr("Nobody working: clock in")
        )

    def set_notifications(self, rows: list[NotificationRow]) -> None:
        self.bell.setText(f" {len(rows)}" if rows else "")
        self.bell.setAccessibleName(_tr("Notifications: %d unread") % len(rows))

    def _update_clock(self) -> None:
        self.clock.setText(datetime.now().astimezone().strftime("%H:%M"))
