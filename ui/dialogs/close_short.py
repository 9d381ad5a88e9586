"""Close a work order short: why (a reason button), and what it means, before a supervisor
confirms — the units not built, the steps skipped, what waited for rework."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QLabel, QWidget

from kiosk.domain.quantities import fmt_qty, units
from kiosk.queries import WorkOrderView
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton
from ui.widgets.overlay import Overlay
from ui.widgets.touch_field import TouchField
from ui.widgets.touch_keyboard import TextEntryOverlay


def _tr(text: str) -> str:
    return QCoreApplication.translate("CloseShort", text)


def close_reasons() -> list[str]:
    return [
        _tr("Order reduced"),
        _tr("Material shortage"),
        _tr("Machine down"),
        _tr("Quality problem"),
        _tr("Planned elsewhere"),
        _tr("Other"),
    ]


def consequences(wo: WorkOrderView) -> list[str]:
    """What closing short does to this work order, line by line."""
    lines = []
    for item in wo.items:
        left = item.qty_planned - item.qty_done
        lines.append(
            _tr("%s of %s finished; %s will not be built.")
            % (fmt_qty(item.qty_done), units(item.qty_planned), fmt_qty(max(left, Decimal(0))))
            if len(wo.items) == 1
            else _tr("%s: %s of %s finished.")
            % (item.sku, fmt_qty(item.qty_done), fmt_qty(item.qty_planned))
        )
        if item.qty_rework_pending > 0:
            lines.append(
                _tr("%s waiting for rework will be scrapped.") % units(item.qty_rework_pending)
            )
    skipped = [s.name for s in wo.steps if not s.done]
    if skipped:
        lines.append(_tr("Steps to be skipped: %s.") % ", ".join(skipped))
    return lines


class CloseShortOverlay(Overlay):
    """Emits ``submitted(reason)``; the owner asks for a supervisor and runs it."""

    submitted = Signal(str)
    keyboard_requested = Signal(object)  # TextEntryOverlay, for the "other" note

    def __init__(self, host: QWidget, metrics: Metrics, wo: WorkOrderView) -> None:
        super().__init__(
            host, metrics, _tr("Close %s short — why?") % wo.number, ok_text=_tr("Close short")
        )
        self.ok_button.setProperty("danger", True)
        self.what = QLabel("\n".join(consequences(wo)))
        self.what.setWordWrap(True)
        self.what.setMinimumWidth(metrics.mm(150))
        self.body.addWidget(self.what)
        grid = QGridLayout()
        grid.setSpacing(metrics.gap)
        self.reasons = QButtonGroup(self)
        self.reason_buttons: list[TouchButton] = []
        for i, label in enumerate(close_reasons()):
            button = TouchButton(label, checkable=True)
            button.setMinimumWidth(metrics.mm(48))
            self.reasons.addButton(button)
            self.reason_buttons.append(button)
            grid.addWidget(button, i // 3, i % 3)
        self.body.addLayout(grid)
        self.note = TouchField(_tr("Say more (needed for “Other”): tap to type"))
        self.note.tapped.connect(lambda: self.keyboard_requested.emit(self._keyboard()))
        self.body.addWidget(self.note)
        self.reasons.buttonClicked.connect(lambda _: self._check())
        self._check()

    def _keyboard(self) -> TextEntryOverlay:
        keyboard = TextEntryOverlay(
            self.host(), self.metrics, _tr("Why"), self.note.text(), max_length=150
        )

        def entered(text: str) -> None:
            self.note.setText(text)
            self._check()

        keyboard.entered.connect(entered)
        return keyboard

    @property
    def reason(self) -> str:
        """The reason's words, with the note after them ("" until chosen)."""
        checked = self.reasons.checkedButton()
        if checked is None:
            return ""
        note = self.note.text().strip()
        if checked is self.reason_buttons[-1]:  # "Other": the note is the reason
            return note
        return f"{checked.text()} ({note})" if note else checked.text()

    def _check(self) -> None:
        if self.reasons.checkedButton() is None:
            self.set_hint(_tr("Tap why it is closed short."))
        elif not self.reason:
            self.set_hint(_tr("“Other”: say why in the note."))
        else:
            self.set_hint("")

    def confirm(self) -> None:
        if self.reason:
            self.submitted.emit(self.reason)
            self.accept()
