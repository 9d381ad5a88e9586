"""Work-order status shown as colour and words together, never colour alone."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from kiosk.domain.enums import WoStatus
from ui.theme import colour

_DARK_TEXT = {WoStatus.ON_HOLD}


def status_text(status: WoStatus, closed_short: bool = False) -> str:
    """The status in words; a completion short of plan reads "Closed short" everywhere."""
    if status == WoStatus.COMPLETED and closed_short:
        return QCoreApplication.translate("status", "Closed short")
    labels = {
        WoStatus.DRAFT: QCoreApplication.translate("status", "Draft"),
        WoStatus.BLOCKED: QCoreApplication.translate("status", "Blocked"),
        WoStatus.READY: QCoreApplication.translate("status", "Ready"),
        WoStatus.IN_PROGRESS: QCoreApplication.translate("status", "In progress"),
        WoStatus.ON_HOLD: QCoreApplication.translate("status", "On hold"),
        WoStatus.COMPLETED: QCoreApplication.translate("status", "Completed"),
        WoStatus.CANCELLED: QCoreApplication.translate("status", "Cancelled"),
    }
    return labels[status]


def status_colours(status: WoStatus) -> tuple[QColor, QColor]:
    """(background, text) for a status badge."""
    fg = "on_status_light" if status in _DARK_TEXT else "on_status_dark"
    return colour(status.value), colour(fg)


class StatusBadge(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMargin(8)

    def set_status(self, status: WoStatus, closed_short: bool = False) -> None:
        bg, fg = status_colours(status)
        self.setText(status_text(status, closed_short))
        self.setAccessibleName(status_text(status, closed_short))
        self.setStyleSheet(
            f"background: {bg.name()}; color: {fg.name()}; font-weight: 700; border-radius: 6px;"
        )
