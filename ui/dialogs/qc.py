"""Record a QC verdict: approved and failed counts, why it failed, rework or scrap.

Every choice is on the card at once (nothing to scroll on a 10-inch tablet): the
counts and the failure choices on the left, each group named at the start of its
row; the keypad with Cancel and Record under it on the right. The failure choices
are greyed until something failed; Record stays grey until the verdict is whole,
and the line under the choices says what is still missing.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QWidget

from kiosk.domain.quantities import units
from kiosk.queries import ItemView, WorkOrderView
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton
from ui.widgets.keypad import Keypad
from ui.widgets.overlay import Overlay


def _tr(text: str) -> str:
    return QCoreApplication.translate("Qc", text)


def failure_reasons() -> list[str]:
    return [
        _tr("Out of tolerance"),
        _tr("Surface damage"),
        _tr("Wrong part"),
        _tr("Assembly fault"),
        _tr("Other"),
    ]


def failure_categories() -> list[str]:
    return [_tr("Cosmetic"), _tr("Functional"), _tr("Safety")]


class QcOverlay(Overlay):
    """Emits ``submitted(sku, approved, failed, reason, category, action)``."""

    submitted = Signal(str, str, str, str, str, str)

    def __init__(self, host: QWidget, metrics: Metrics, wo: WorkOrderView) -> None:
        self.item: ItemView = next(
            (i for i in wo.items if i.qc_required and i.qty_awaiting_qc > 0), wo.items[0]
        )
        super().__init__(
            host,
            metrics,
            _tr("QC — %s: %s to check") % (wo.number, units(self.item.qty_awaiting_qc)),
            ok_text=_tr("Record"),
        )
        # Tight margins: the choices, keys and buttons need all of a 10-inch screen's height.
        self.card_layout.setContentsMargins(*(metrics.mm(2),) * 4)
        self.card_layout.setSpacing(metrics.mm(4))
        self._main.setSpacing(metrics.mm(2))
        self.error.setFixedHeight(self.fontMetrics().lineSpacing() + 4)
        self.awaiting = self.title

        fields = QHBoxLayout()
        fields.setSpacing(metrics.gap)
        self.field_group = QButtonGroup(self)
        self.approved_field = TouchButton(checkable=True)
        self.failed_field = TouchButton(checkable=True)
        self.values = {"approved": "", "failed": ""}
        for key, button in (("approved", self.approved_field), ("failed", self.failed_field)):
            button.setProperty("field", key)
            button.setMinimumWidth(metrics.mm(45))
            self.field_group.addButton(button)
            fields.addWidget(button)
        self.approved_field.setChecked(True)
        self.body.addLayout(fields)
        self.keypad = Keypad(metrics, decimals=False, max_length=6, display_apart=True)
        self.side.addWidget(self.keypad)
        self.buttons_beside()

        # One grid: the group's name, then its choices.
        grid = QGridLayout()
        grid.setHorizontalSpacing(metrics.gap)
        grid.setVerticalSpacing(metrics.gap)
        self.failure_widgets: list[QWidget] = []
        self.reasons = self._choices(grid, 0, _tr("Why"), failure_reasons(), per_row=2)
        self.categories = self._choices(grid, 3, _tr("Kind"), failure_categories(), per_row=3)
        self.action_choices = self._choices(grid, 4, _tr("Then"), [_tr("Rework"), _tr("Scrap")], 2)
        self.action_values = dict(
            zip(self.action_choices.buttons(), ("rework", "scrap"), strict=True)
        )
        self.body.addLayout(grid)

        self.field_group.buttonClicked.connect(self._select_field)
        self.keypad.changed.connect(self._typed)
        for group in (self.reasons, self.categories, self.action_choices):
            group.buttonClicked.connect(lambda _: self._refresh())
        self._refresh()

    def _choices(
        self, grid: QGridLayout, row: int, name: str, labels: list[str], per_row: int
    ) -> QButtonGroup:
        label = QLabel(name)
        label.setProperty("role", "muted")
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.failure_widgets.append(label)
        grid.addWidget(label, row, 0)
        group = QButtonGroup(self)
        # Six columns after the name: two choices span three each, three span two.
        span = 6 // per_row
        for i, text in enumerate(labels):
            button = TouchButton(text, checkable=True)
            button.setProperty("chip", True)
            group.addButton(button)
            self.failure_widgets.append(button)
            grid.addWidget(button, row + i // per_row, 1 + (i % per_row) * span, 1, span)
        return group

    def _current(self) -> str:
        checked = self.field_group.checkedButton()
        assert checked is not None  # an exclusive group with one field checked from the start
        return str(checked.property("field"))

    def _select_field(self, _: object) -> None:
        self.keypad.set_value(self.values[self._current()])

    def _typed(self, value: str) -> None:
        self.values[self._current()] = value
        self._refresh()

    def _count(self, key: str) -> int:
        return int(self.values[key] or 0)

    def _missing(self) -> str:
        """What still stands between this verdict and Record, in words."""
        if self._count("approved") + self._count("failed") == 0:
            return _tr("Key in how many passed, and how many failed.")
        if self._count("failed") > 0:
            if self.reasons.checkedButton() is None:
                return _tr("Tap why they failed.")
            if self.action_choices.checkedButton() is None:
                return _tr("Tap whether failed units go to rework or scrap.")
        return ""

    def _refresh(self) -> None:
        self.approved_field.setText(_tr("Approved: %d") % self._count("approved"))
        self.failed_field.setText(_tr("Failed: %d") % self._count("failed"))
        failing = self._count("failed") > 0
        for widget in self.failure_widgets:
            widget.setEnabled(failing)
        self.set_hint(self._missing())

    def set_counts(self, approved: int, failed: int) -> None:
        self.values = {"approved": str(approved), "failed": str(failed)}
        self.keypad.set_value(self.values[self._current()])
        self._refresh()

    def confirm(self) -> None:
        if self._missing():
            return
        failing = self._count("failed") > 0
        reason = self.reasons.checkedButton()
        category = self.categories.checkedButton()
        action = self.action_choices.checkedButton()
        self.set_busy(True)
        self.submitted.emit(
            self.item.sku,
            str(self._count("approved")),
            str(self._count("failed")),
            reason.text() if failing and reason else "",
            category.text() if failing and category else "",
            self.action_values[action] if failing and action else "",
        )
