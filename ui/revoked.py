"""The strip on the board that says a revoked kiosk is not syncing, and what waits.

Without it a revoked kiosk kept its board up as if nothing had happened; the
top bar's "NOT ENROLLED" was easy to miss. The strip stays until the kiosk is
enrolled again (from Station health, or ``kiosk enroll`` on the command line).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from ui.controller import SyncStatus
from ui.theme import Metrics, body_font, colours


def _tr(text: str) -> str:
    return QCoreApplication.translate("Revoked", text)


def revoked_text(status: SyncStatus) -> str | None:
    """The strip's text, or None when the kiosk is not a refused one."""
    if not status.server or status.enrolled or not status.error:
        return None
    kept = (
        _tr("%d actions wait on this kiosk and are kept; they go out once it is enrolled again.")
        % status.waiting
        if status.waiting
        else _tr("Nothing is waiting to be sent.")
    )
    return f"{status.error} {kept}"


class RevokedBanner(QLabel):
    def __init__(self, metrics: Metrics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("revoked")
        self.setWordWrap(True)
        self.setFont(body_font(metrics, bold=True))
        pad = metrics.mm(3)
        self.setContentsMargins(pad, pad, pad, pad)
        self.setMinimumHeight(metrics.target)
        c = colours()
        self.setStyleSheet(
            f"QLabel#revoked {{ background: {c['danger']}; color: {c['on_danger']}; }}"
        )
        self.hide()

    def show_status(self, status: SyncStatus) -> None:
        text = revoked_text(status)
        if text is None:
            self.hide()
            return
        self.setText(text)
        self.show()
