"""Raise a hold: one big button per reason (no typing needed), an optional note."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QWidget

from kiosk.domain.enums import HoldReason
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton
from ui.widgets.overlay import Overlay
from ui.widgets.touch_field import TouchField
from ui.widgets.touch_keyboard import TextEntryOverlay


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
    #: The note was tapped: the owner opens this keyboard over the overlay.
    keyboard_requested = Signal(object)  # TextEntryOverlay

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
        self.note = TouchField(_tr("Note (optional): tap to type"))
        self.note.setAccessibleName(_tr("Note"))
        self.note.tapped.connect(lambda: self.keyboard_requested.emit(self.type_note()))
        self.body.addWidget(self.note)
        self.reasons.buttonClicked.connect(lambda _: self._check())
        self._check()

    def _check(self) -> None:
        if self.reason is None:
            self.set_hint(_tr("Tap the reason for the hold."))
        elif self.reason == HoldReason.OTHER and not self.note.text().strip():
            self.set_hint(_tr("“Other”: say what it is in the note."))
        else:
            self.set_hint("")

    def type_note(self) -> TextEntryOverlay:
        """The keyboard for the note (opened over this overlay by its owner)."""
        keyboard = TextEntryOverlay(
            self.host(), self.metrics, _tr("Note"), self.note.text(), max_length=500
        )

        def entered(text: str) -> None:
            self.note.setText(text)
            self._check()

        keyboard.entered.connect(entered)
        return keyboard

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
