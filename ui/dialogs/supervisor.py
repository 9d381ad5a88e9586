"""Supervisor elevation for one action: badge (scanned or keyed) and PIN on the keypad."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QLabel, QWidget

from ui.theme import Metrics
from ui.widgets.credentials import CredentialsPad
from ui.widgets.overlay import Overlay


def _tr(text: str) -> str:
    return QCoreApplication.translate("Supervisor", text)


class SupervisorOverlay(Overlay):
    """Emits ``submitted(badge, pin)``; the owner verifies it and runs the action."""

    submitted = Signal(str, str)
    accepts_badge_scan = True

    def __init__(self, host: QWidget, metrics: Metrics, why: str) -> None:
        super().__init__(host, metrics, _tr("Supervisor needed"), ok_text=_tr("Confirm"))
        reason = QLabel(why)
        reason.setWordWrap(True)
        reason.setMinimumWidth(metrics.mm(85))
        self.body.addWidget(reason)
        self.pad = CredentialsPad(metrics)
        self.body.addWidget(self.pad)
        self.side.addWidget(self.pad.keypad)
        self.ok_button.setEnabled(False)
        self.pad.changed.connect(self._check)

    def scanned(self, badge: str) -> None:
        self.pad.set_badge(badge)
        self._check()

    def _check(self) -> None:
        self.ok_button.setEnabled(bool(self.pad.badge) and len(self.pad.pin) >= 4)

    def confirm(self) -> None:
        self.set_busy(True)
        self.submitted.emit(self.pad.badge, self.pad.pin)

    def show_error(self, message: str) -> None:
        self.pad.clear_pin()
        self._check()
        super().show_error(message)
