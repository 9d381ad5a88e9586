"""Work-order detail: what it is, where it stands, and the big action bar.

What each button then does (its dialogs, supervisor, command) is in
``ui.detail.action_flows``; this screen lays out and loads the work order.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.changes import Changes
from kiosk.domain.enums import HoldReason
from kiosk.domain.quantities import fmt_qty
from kiosk.queries import WorkOrderView
from kiosk.station import LabourRow, Station
from ui.detail.action_flows import WorkOrderActions
from ui.detail.actions import Button, enabled_buttons
from ui.detail.sections import Sections
from ui.detail.tables import when
from ui.dialogs.hold import reason_labels
from ui.flows import Flows
from ui.widgets.buttons import TouchButton, back_button
from ui.widgets.elided import ElidedLabel
from ui.widgets.scrolling import touch_scroll_area
from ui.widgets.status import StatusBadge


def _tr(text: str) -> str:
    return QCoreApplication.translate("Detail", text)


def button_labels() -> dict[Button, str]:
    return {
        Button.START: _tr("Start"),
        Button.LOG_OUTPUT: _tr("Log output"),
        Button.STEP_DONE: _tr("Step done"),
        Button.HOLD: _tr("Hold"),
        Button.RESUME: _tr("Resume"),
        Button.QC: _tr("QC"),
        Button.COMPLETE: _tr("Complete"),
        Button.MORE: _tr("More…"),
    }


#: What an operator does, recorded under their name; the rest ask for a supervisor.
OPERATOR_ACTIONS = frozenset(
    {Button.START, Button.LOG_OUTPUT, Button.STEP_DONE, Button.HOLD, Button.QC, Button.COMPLETE}
)


class DetailScreen(QWidget):
    back = Signal()

    def __init__(self, flows: Flows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flows = flows
        metrics = flows.metrics
        self.wo: WorkOrderView | None = None
        #: The floor actions the buttons run (dialogs, supervisor, commands).
        self.floor_actions = WorkOrderActions(self, flows)
        self.labour: list[LabourRow] = []
        gap = metrics.gap

        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap, metrics.mm(1.5), gap, metrics.mm(1.5))
        layout.setSpacing(gap)

        header = QHBoxLayout()
        header.setSpacing(gap)
        self.back_button = back_button(metrics, _tr("Back to the board"))
        self.back_button.clicked.connect(self.back.emit)
        header.addWidget(self.back_button)
        titles = QVBoxLayout()
        # The number never gives way; the name is cut in the middle, so the order it is
        # for (at the end of most names) stays in view.
        title_row = QHBoxLayout()
        title_row.setSpacing(gap)
        self.number = QLabel()
        self.number.setProperty("role", "title")
        self.title = ElidedLabel(mode=None)
        self.title.setProperty("role", "title")
        title_row.addWidget(self.number)
        title_row.addWidget(self.title, 1)
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "muted")
        self.subtitle.setWordWrap(True)
        titles.addLayout(title_row)
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
        self.quantity = QLabel()
        self.quantity.setProperty("role", "title")
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(self.quantity)
        self.badge = StatusBadge()
        self.badge.setMinimumWidth(metrics.mm(40))
        self.badge.setMinimumHeight(metrics.mm(12))
        header.addWidget(self.badge)
        layout.addLayout(header)

        self.hold_banner = QLabel()
        self.hold_banner.setProperty("role", "banner")
        self.hold_banner.setWordWrap(True)

        self.sections = Sections(metrics)
        tabs = QHBoxLayout()
        tabs.setSpacing(gap)
        self.section_stack = QStackedWidget()
        self.section_group = QButtonGroup(self)
        self.section_buttons: dict[str, TouchButton] = {}
        for i, (name, widget) in enumerate(self.sections.pages().items()):
            button = TouchButton(name, checkable=True)
            button.setProperty("chip", True)
            button.clicked.connect(lambda _=False, i=i: self.section_stack.setCurrentIndex(i))
            self.section_group.addButton(button)
            self.section_buttons[name] = button
            tabs.addWidget(button)
            self.section_stack.addWidget(touch_scroll_area(widget))
        next(iter(self.section_buttons.values())).setChecked(True)
        tabs.addStretch(1)
        content = QVBoxLayout()
        content.setSpacing(gap)
        content.addWidget(self.hold_banner)  # beside the actions: no height of its own
        content.addLayout(tabs)
        content.addWidget(self.section_stack, 1)

        # The actions stand in two columns on the right: on a 10-inch tablet a bar of
        # 20 mm buttons under the sections would leave them no height at all.
        self.action_grid = QGridLayout()
        self.action_grid.setSpacing(gap)
        self.buttons: dict[Button, TouchButton] = {}
        flow = self.floor_actions
        handlers = {
            Button.START: flow.start,
            Button.LOG_OUTPUT: flow.log_output,
            Button.STEP_DONE: flow.step_done,
            Button.HOLD: flow.hold,
            Button.RESUME: flow.resume,
            Button.QC: flow.qc,
            Button.COMPLETE: flow.complete,
            Button.MORE: flow.more,
        }
        for i, (key, label) in enumerate(button_labels().items()):
            button = TouchButton(label, primary=True)
            button.setMinimumSize(metrics.mm(32), metrics.primary)
            button.clicked.connect(
                lambda _=False, k=key, b=button, h=handlers[key]: self._tap(k, b, h)
            )
            self.buttons[key] = button
            self.action_grid.addWidget(button, i // 2, i % 2)
        actions = QVBoxLayout()
        actions.addLayout(self.action_grid)
        actions.addStretch(1)
        body = QHBoxLayout()
        body.setSpacing(metrics.mm(4))
        body.addLayout(content, 1)
        body.addLayout(actions)
        layout.addLayout(body, 1)
        self._set_enabled(set())

    # ------------------------------------------------------------------ data
    def show_work_order(self, work_order_id: str) -> None:
        """Load (on the worker) and show; also used to reload after any change."""
        self.flows.controller.load(
            lambda s: _load(s, work_order_id), self._loaded, self.flows.refuse
        )

    def reload(self, changes: Changes | None = None) -> None:
        """Read the work order again; with a change summary, only if it touches it."""
        if self.wo is None or not self.isVisible():
            return
        if changes is not None and not changes.touches(self.wo.id):
            return
        self.show_work_order(self.wo.id)

    def _loaded(self, loaded: tuple[WorkOrderView, list[LabourRow]]) -> None:
        wo, labour = loaded
        self.wo, self.labour = wo, labour
        self.number.setText(wo.number)
        self.title.setText(wo.name)
        self.subtitle.setText(subtitle(wo))
        self.quantity.setText(
            _tr("%s of %s done") % (fmt_qty(wo.qty_done), fmt_qty(wo.qty_planned))
        )
        self.badge.set_status(wo.status, wo.closed_short)
        if wo.hold is not None:
            hold = wo.hold
            self.hold_banner.setText(
                _tr("On hold: %s%s — raised by %s at %s")
                % (
                    hold_reason_label(hold.reason),
                    f" ({hold.note})" if hold.note else "",
                    hold.raised_by_name or _tr("someone"),
                    when(hold.raised_at),
                )
            )
        self.hold_banner.setVisible(wo.hold is not None)
        self.sections.fill(wo, labour)
        self._set_enabled(enabled_buttons(wo))
        QTimer.singleShot(0, self.floor_actions.prepare_log_output)

    def _set_enabled(self, enabled: set[Button]) -> None:
        for key, button in self.buttons.items():
            button.set_busy(False)
            button.setEnabled(key in enabled)

    def _tap(self, key: Button, button: TouchButton, handler: Callable[[], None]) -> None:
        button.set_busy(True)  # feedback now; cleared when the reload lands
        if key in OPERATOR_ACTIONS and self.flows.controller.active is None:
            # Nobody has identified since the kiosk started: ask, then go on as them.
            wo = self._wo()
            self.flows.identify(
                _tr(
                    "%s on %s is recorded under your name: scan your badge, or key in badge "
                    "and PIN."
                )
                % (button_labels()[key], wo.number),
                lambda _: handler(),
            )
        else:
            handler()
        if self.flows.current is not None:
            button.set_busy(False)

    def _wo(self) -> WorkOrderView:
        assert self.wo is not None
        return self.wo


def subtitle(wo: WorkOrderView) -> str:
    """What it is for, where, how urgent, when: in words, not MTO/MTS."""
    if wo.links:
        orders = ", ".join(dict.fromkeys(link.external_id for link in wo.links))
        purpose = _tr("For order %s") % orders
    elif wo.type == "MTO":
        purpose = _tr("For a sales order")
    else:
        purpose = _tr("For stock")
    parts = [purpose, wo.workstation or _tr("no workstation"), _tr("priority %d") % wo.priority]
    if wo.scheduled_at:
        parts.append(_tr("due %s") % when(wo.scheduled_at))
    return " · ".join(parts)


def hold_reason_label(reason: str) -> str:
    try:
        return reason_labels()[HoldReason(reason)]
    except ValueError:
        return reason.replace("_", " ")


def _load(station: Station, work_order_id: str) -> tuple[WorkOrderView, list[LabourRow]]:
    return station.work_order(work_order_id), station.labour(work_order_id)
