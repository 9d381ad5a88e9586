"""Log output: how many units, for which item, built new or reworked — on our own keypad."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QWidget

from kiosk.domain.quantities import fmt_qty
from kiosk.domain.rules import left_to_build
from kiosk.queries import WorkOrderView
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton
from ui.widgets.keypad import Keypad
from ui.widgets.overlay import Overlay


def _tr(text: str) -> str:
    return QCoreApplication.translate("LogOutput", text)


class LogOutputOverlay(Overlay):
    """Emits ``submitted(qty, sku, rework)``; the owner runs the command and closes it."""

    submitted = Signal(str, str, bool)

    def __init__(self, host: QWidget, metrics: Metrics, wo: WorkOrderView) -> None:
        super().__init__(host, metrics, _tr("Log output — %s") % wo.number, ok_text=_tr("Log"))
        self.wo = wo
        self.items = QButtonGroup(self)
        row = QHBoxLayout()
        row.setSpacing(metrics.gap)
        self.item_buttons: list[TouchButton] = []
        for item in wo.items:
            # Scrapped units are built again, so they count as still to build.
            left = left_to_build(item.qty_planned, item.qty_built, item.qty_scrapped)
            button = TouchButton(
                _tr("%s — %s left") % (item.sku, fmt_qty(max(left, Decimal(0)))), checkable=True
            )
            button.setProperty("sku", item.sku)
            self.items.addButton(button)
            self.item_buttons.append(button)
            row.addWidget(button)
        self.item_buttons[0].setChecked(True)
        if len(wo.items) > 1:
            self.body.addLayout(row)
        else:
            for button in self.item_buttons:
                button.hide()
        self.rework = TouchButton(_tr("Rework units"), checkable=True)
        self.rework.setVisible(any(i.qty_rework_pending > 0 for i in wo.items))
        self.body.addWidget(self.rework)
        self.hint = QLabel(self._hint())
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.hint.setMinimumWidth(metrics.mm(80))
        self.body.addWidget(self.hint)
        self.keypad = Keypad(metrics, decimals=False, max_length=6, display_apart=True)
        self.body.addWidget(self.keypad.display)
        self.side.addWidget(self.keypad)
        self.keypad.changed.connect(self._check)
        self._check(self.keypad.value)
        self.items.buttonClicked.connect(lambda _: self.hint.setText(self._hint()))

    def _check(self, value: str) -> None:
        self.set_hint("" if value and int(value) > 0 else _tr("Key in how many units."))

    @property
    def sku(self) -> str:
        checked = self.items.checkedButton()
        return str(checked.property("sku")) if checked else self.wo.items[0].sku

    def _hint(self) -> str:
        item = next(i for i in self.wo.items if i.sku == self.sku)
        return _tr("Planned %s, built %s. More than planned needs a supervisor.") % (
            fmt_qty(item.qty_planned),
            fmt_qty(item.qty_built),
        )

    def confirm(self) -> None:
        self.set_busy(True)
        self.submitted.emit(self.keypad.value, self.sku, self.rework.isChecked())
