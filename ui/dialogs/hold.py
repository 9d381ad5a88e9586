"""Raise a hold: one big button per reason (no typing needed), an optional note."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QLineEdit, QWidget

from kiosk.domain.enums import HoldReason
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton
from ui.widgets.overlay import Overlay


def _tr(text: str) -> str:
    return QCoreApplication.translate("Hold", text)


def reason_labels() -> dict[HoldReason, str]:
    return {
        HoldReason.MATERIAL_SHORTAGE: _tr("Material shortage"),
        HoldReason.MACHINE_DOWN: _tr("Machine down"),
        HoldReason.QUALITY_ISSUE: _tr("Quality issue"),
        HoldReason.WAITING_FOR_INSTRUCTIONS: _tr("Waiting for instructions"),
        HoldReason.TOOLING: _tr("Tooling"),
        HoldReason.SAFETY: _tr("Safety"),
        HoldReason.OTHER: _tr("Other"),
    }


class HoldOverlay(Overlay):
    """Emits ``submitted(reason, note)``."""

    submitted = Signal(str, str)

    def __init__(self, host: QWidget, metrics: Metrics, number: str) -> None:
        super().__init__(host, metrics, _tr("Put %s on hold — why?") % number, ok_text=_tr("Hold"))
        grid = QGridLayout()
        grid.setSpacing(metrics.gap)
        self.reasons = QButtonGroup(self)
        self.reason_buttons: dict[HoldReason, TouchButton] = {}
        for i, (reason, label) in enumerate(reason_labels().items()):
            button = TouchButton(label, checkable=True)
            button.setMinimumSize(metrics.mm(55), metrics.primary)
            self.reasons.addButton(button)
            self.reason_buttons[reason] = button
            grid.addWidget(button, i // 3, i % 3)
        self.body.addLayout(grid)
        self.note = QLineEdit()
        self.note.setPlaceholderText(_tr("Note (optional)"))
        self.note.setAccessibleName(_tr("Note"))
        self.body.addWidget(self.note)
        self.ok_button.setEnabled(False)
        self.reasons.buttonClicked.connect(lambda _: self.ok_button.setEnabled(True))

    @property
    def reason(self) -> HoldReason | None:
        for reason, button in self.reason_buttons.items():
            if button.isChecked():
                return reason
        return None

    def confirm(self) -> None:
        if self.reason is None:
            return
        self.set_busy(True)
        self.submitted.emit(self.reason.value, self.note.text().strip())
