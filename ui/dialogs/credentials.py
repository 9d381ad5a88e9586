"""Badge (scanned or keyed) and PIN for one purpose: identify, switch, clock out, elevate.

The owner says what the credentials are for and checks them; this overlay only
collects them and says what is still missing before its button can be tapped.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QLabel, QWidget

from ui.theme import Metrics
from ui.widgets.credentials import CredentialsPad
from ui.widgets.overlay import Overlay


def _tr(text: str) -> str:
    return QCoreApplication.translate("Credentials", text)


class CredentialsOverlay(Overlay):
    """Emits ``submitted(badge, pin, scanned)``; ``pin`` is "" when a scan alone went."""

    submitted = Signal(str, str, bool)
    accepts_badge_scan = True

    def __init__(
        self,
        host: QWidget,
        metrics: Metrics,
        title: str,
        why: str,
        *,
        ok_text: str | None = None,
        badge: str | None = None,
        scan_alone: bool = False,
    ) -> None:
        """``badge``: already known (the person tapped in a list); ``scan_alone``: a badge
        scan is enough by itself here (the site's policy), so a scan submits at once."""
        super().__init__(host, metrics, title, ok_text=ok_text or _tr("Confirm"))
        self.scan_alone = scan_alone
        self.reason = QLabel(why)
        self.reason.setWordWrap(True)
        self.reason.setMinimumWidth(metrics.mm(85))
        self.body.addWidget(self.reason)
        self.pad = CredentialsPad(metrics)
        self.body.addWidget(self.pad)
        self.side.addWidget(self.pad.keypad)
        if badge:
            self.pad.set_badge(badge, scanned=False)
        self.pad.changed.connect(self._check)
        self._check()

    def scanned(self, badge: str) -> None:
        self.pad.set_badge(badge)
        if self.scan_alone:
            self.confirm()
        else:
            self._check()

    def _missing(self) -> str:
        if not self.pad.badge:
            return _tr("Scan a badge or key one in.")
        if len(self.pad.pin) < 4:
            return _tr("Key in the PIN (4 to 8 digits).")
        return ""

    def _check(self) -> None:
        self.set_hint(self._missing())

    def confirm(self) -> None:
        scan_only = self.scan_alone and self.pad.scanned and not self.pad.pin
        if self._missing() and not scan_only:
            return
        self.set_busy(True)
        self.submitted.emit(self.pad.badge, self.pad.pin, self.pad.scanned)

    def show_error(self, message: str) -> None:
        self.pad.clear_pin()
        super().show_error(message)
        self._check()
