"""The supervisor's inbox: unmatched SKUs, shortages, unlinked work orders, refusals."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QVBoxLayout, QWidget

from kiosk.commands import AcknowledgeNotification
from kiosk.station import NotificationRow
from ui.detail.tables import Column, RecordModel, record_view, when
from ui.flows import Flows
from ui.widgets.buttons import TouchButton, back_button


def _tr(text: str) -> str:
    return QCoreApplication.translate("Notifications", text)


def kind_label(kind: str) -> str:
    return {
        "unmatched_sku": _tr("Unknown SKU"),
        "material_shortage": _tr("Shortage"),
        "back_order": _tr("Back order"),
        "unlinked": _tr("Unlinked"),
        "refused_action": _tr("Refused action"),
        "flagged_fact": _tr("Recorded, check"),
        "over_production": _tr("Over plan"),
        "sales_order_uncovered": _tr("Order uncovered"),
    }.get(kind, kind.replace("_", " "))


class NotificationsScreen(QWidget):
    back = Signal()
    open_work_order = Signal(str)

    def __init__(self, flows: Flows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flows = flows
        metrics = flows.metrics
        gap = metrics.gap
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap, gap, gap, gap)
        layout.setSpacing(gap)
        header = QHBoxLayout()
        back = back_button(metrics, _tr("Back to the board"))
        back.clicked.connect(self.back.emit)
        header.addWidget(back)
        title = QLabel(_tr("Notifications"))
        title.setProperty("role", "title")
        header.addWidget(title, 1)
        layout.addLayout(header)
        self.model = RecordModel[NotificationRow](
            [
                Column(_tr("When"), lambda n: when(n.created_at)),
                Column(_tr("What"), lambda n: kind_label(n.kind)),
                Column(_tr("Details"), lambda n: n.text),
            ]
        )
        self.view = record_view(self.model, metrics, _tr("Notifications"))
        columns = self.view.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        columns.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.setSpacing(gap)
        self.open_button = TouchButton(_tr("Open work order"))
        self.open_button.clicked.connect(self._open)
        self.ack_button = TouchButton(_tr("Acknowledge"), primary=True)
        self.ack_button.clicked.connect(self._acknowledge)
        row.addStretch(1)
        row.addWidget(self.open_button)
        row.addWidget(self.ack_button)
        layout.addLayout(row)
        flows.controller.notifications_changed.connect(self.set_rows)
        self._update()

    def set_rows(self, rows: list[NotificationRow]) -> None:
        self.model.set_records(rows)
        self._update()

    def _selected(self) -> NotificationRow | None:
        row = self.view.currentIndex().row()
        return self.model.records[row] if 0 <= row < len(self.model.records) else None

    def _update(self) -> None:
        selected = self._selected()
        self.ack_button.setEnabled(selected is not None)
        self.open_button.setEnabled(selected is not None and selected.work_order_id is not None)

    def _open(self) -> None:
        selected = self._selected()
        if selected and selected.work_order_id:
            self.open_work_order.emit(selected.work_order_id)

    def _acknowledge(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        self.flows.with_supervisor(
            _tr("Acknowledge: %s") % selected.text,
            lambda sup: self.flows.run(
                lambda a: AcknowledgeNotification(notification_id=selected.id, actor=a),
                supervisor=sup,
            ),
        )
