"""Record a QC verdict: approved and failed counts, why it failed, rework or scrap."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.quantities import fmt_qty
from kiosk.queries import ItemView, WorkOrderView
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton
from ui.widgets.keypad import Keypad
from ui.widgets.overlay import Overlay
from ui.widgets.scrolling import touch_scroll_area


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
        super().__init__(host, metrics, _tr("QC — %s") % wo.number, ok_text=_tr("Record"))
        self.item: ItemView = next(
            (i for i in wo.items if i.qc_required and i.qty_awaiting_qc > 0), wo.items[0]
        )
        self.awaiting = QLabel(
            _tr("%s units of %s await QC") % (fmt_qty(self.item.qty_awaiting_qc), self.item.sku)
        )
        self.body.addWidget(self.awaiting)

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
        # The fields show the counts; the keys stand beside them (a 10-inch screen has
        # no height for keys under the failure choices).
        self.keypad = Keypad(metrics, decimals=False, max_length=6, display_apart=True)
        self.side.addWidget(self.keypad)

        failure = QWidget()
        right = QVBoxLayout(failure)
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(metrics.gap)
        self.failure_widgets: list[QWidget] = []
        right.addWidget(self._label(_tr("Why did they fail?")))
        self.reasons = self._choices(failure_reasons(), right, 2)
        right.addWidget(self._label(_tr("Category")))
        self.categories = self._choices(failure_categories(), right, 2)
        right.addWidget(self._label(_tr("Failed units go to")))
        self.actions = self._choices([_tr("Rework"), _tr("Scrap")], right, 2)
        self.action_values = dict(zip(self.actions.buttons(), ("rework", "scrap"), strict=True))
        right.addStretch(1)
        # Taller than a 10-inch screen leaves: it scrolls (by finger) rather than clip.
        area = touch_scroll_area(failure)
        area.setMinimumHeight(metrics.mm(40))
        # As wide as the longest reason and the scroll bar: words are never cut.
        area.setMinimumWidth(failure.sizeHint().width() + metrics.mm(8))
        self.body.addWidget(area, 1)

        self.field_group.buttonClicked.connect(self._select_field)
        self.keypad.changed.connect(self._typed)
        for group in (self.reasons, self.categories, self.actions):
            group.buttonClicked.connect(lambda _: self._refresh())
        self._refresh()

    def _label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setProperty("role", "muted")
        self.failure_widgets.append(label)
        return label

    def _choices(self, labels: list[str], layout: QVBoxLayout, per_row: int) -> QButtonGroup:
        group = QButtonGroup(self)
        grid = QGridLayout()
        grid.setSpacing(self.metrics.gap)
        for i, text in enumerate(labels):
            button = TouchButton(text, checkable=True)
            group.addButton(button)
            self.failure_widgets.append(button)
            grid.addWidget(button, i // per_row, i % per_row)
        layout.addLayout(grid)
        return group

    def _current(self) -> str:
        return str(self.field_group.checkedButton().property("field"))

    def _select_field(self, _: object) -> None:
        self.keypad.set_value(self.values[self._current()])

    def _typed(self, value: str) -> None:
        self.values[self._current()] = value
        self._refresh()

    def _count(self, key: str) -> int:
        return int(self.values[key] or 0)

    def _refresh(self) -> None:
        self.approved_field.setText(_tr("Approved: %d") % self._count("approved"))
        self.failed_field.setText(_tr("Failed: %d") % self._count("failed"))
        failing = self._count("failed") > 0
        for widget in self.failure_widgets:
            widget.setEnabled(failing)
        complete = self._count("approved") + self._count("failed") > 0 and (
            not failing
            or (
                self.reasons.checkedButton() is not None
                and self.actions.checkedButton() is not None
            )
        )
        self.ok_button.setEnabled(complete)

    def set_counts(self, approved: int, failed: int) -> None:
        self.values = {"approved": str(approved), "failed": str(failed)}
        self.keypad.set_value(self.values[self._current()])
        self._refresh()

    def confirm(self) -> None:
        failing = self._count("failed") > 0
        reason = self.reasons.checkedButton()
        category = self.categories.checkedButton()
        action = self.actions.checkedButton()
        self.set_busy(True)
        self.submitted.emit(
            self.item.sku,
            str(self._count("approved")),
            str(self._count("failed")),
            reason.text() if failing and reason else "",
            category.text() if failing and category else "",
            self.action_values[action] if failing and action else "",
        )
