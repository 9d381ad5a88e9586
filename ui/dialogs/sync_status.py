"""The server connection in words, for anyone at the kiosk: what it means for their work,
a button to try again now, and the way to the supervisor's station-health screen."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QLabel, QWidget

from ui.controller import Controller, SyncStatus
from ui.theme import Metrics
from ui.topbar import sync_state, when_text
from ui.widgets.overlay import Overlay


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncStatus", text)


def explain(status: SyncStatus) -> str:
    """What the connection means for the work done here, in plain words."""
    waiting = status.waiting
    kept = (
        _tr("Nothing is waiting to be sent.")
        if not waiting
        else _tr(
            "%d actions are kept safe on this kiosk and go to the server, in order, as soon "
            "as it answers."
        )
        % waiting
    )
    state = sync_state(status)
    if state == "local":
        return _tr("This kiosk works on its own store; it has no plant server.")
    if state == "unenrolled":
        return (
            _tr("This kiosk is not enrolled with the plant server. ")
            + kept
            + _tr(" A supervisor can enrol it from Station health.")
        )
    if state == "connecting":
        return _tr("Reaching the plant server… ") + kept
    if state == "online":
        return _tr("Online: last synced at %s. ") % when_text(status.last_sync) + kept
    return (
        _tr("OFFLINE: the plant server has not answered since %s. Keep working: ")
        % when_text(status.last_reached or status.last_sync)
        + kept
    )


class SyncOverlay(Overlay):
    """Emits ``health_requested`` for the supervisor's screen."""

    health_requested = Signal()
    has_messages = False

    def __init__(self, host: QWidget, metrics: Metrics, controller: Controller) -> None:
        super().__init__(
            host, metrics, _tr("Plant server"), ok_text=_tr("Try now"), cancel_text=_tr("Close")
        )
        self.controller = controller
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(metrics.mm(140))
        self.body.addWidget(self.text)
        health = self.add_action(_tr("Station health"))

        def to_health() -> None:
            self.reject()
            self.health_requested.emit()

        health.clicked.connect(to_health)
        controller.sync_status_changed.connect(self.show_status)
        self.show_status(controller.sync_status)

    def show_status(self, status: SyncStatus) -> None:
        if self.closed:
            return
        self.text.setText(explain(status))
        self.ok_button.setVisible(status.server and status.enrolled)
        self.set_busy(False)

    def confirm(self) -> None:
        """Anyone may ask: the answer shows here as soon as the round ends."""
        self.set_busy(True)
        self.controller.retry_sync.emit()
