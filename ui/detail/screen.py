"""Work-order detail: what it is, where it stands, and the big action bar."""

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

from kiosk.commands import (
    AcceptSalesOrderChange,
    CancelWorkOrder,
    CommandResult,
    CompleteStep,
    CompleteWorkOrder,
    KeepAsStock,
    LogOutput,
    RaiseHold,
    RecordQc,
    ResumeWorkOrder,
    ReverseRun,
    StartWorkOrder,
)
from kiosk.domain.changes import Changes
from kiosk.domain.enums import HoldReason
from kiosk.domain.errors import NeedsSupervisor, NotFinished
from kiosk.domain.quantities import fmt_qty, units
from kiosk.queries import WorkOrderView
from kiosk.station import LabourRow, Person, Station
from ui.detail.actions import Button, More, enabled_buttons, more_actions
from ui.detail.sections import Sections
from ui.detail.tables import when
from ui.dialogs.close_short import CloseShortOverlay
from ui.dialogs.hold import HoldOverlay, reason_labels
from ui.dialogs.message import MessageOverlay
from ui.dialogs.qc import QcOverlay
from ui.dialogs.quantity import LogOutputOverlay
from ui.flows import Flows
from ui.widgets.buttons import TouchButton, back_button
from ui.widgets.elided import ElidedLabel
from ui.widgets.scrolling import touch_scroll_area
from ui.widgets.status import StatusBadge
from ui.worker import Failure


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


def more_labels() -> dict[More, str]:
    return {
        More.REVERSE_RUN: _tr("Reverse a build run"),
        More.SKIP_STEP: _tr("Skip the next step"),
        More.ACCEPT_CHANGE: _tr("Accept the sales-order change"),
        More.KEEP_AS_STOCK: _tr("Keep building as stock"),
        More.CANCEL: _tr("Cancel work order"),
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
        self._prepared: LogOutputOverlay | None = None
        self._prepared_for: tuple[str, int] = ("", 0)
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
        handlers = {
            Button.START: self.start,
            Button.LOG_OUTPUT: self.log_output,
            Button.STEP_DONE: self.step_done,
            Button.HOLD: self.hold,
            Button.RESUME: self.resume,
            Button.QC: self.qc,
            Button.COMPLETE: self.complete,
            Button.MORE: self.more,
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
        QTimer.singleShot(0, self._prepare_log_output)

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

    def _done(self, *_: object) -> None:
        """The command went through: its change summary reloads this screen (once)."""

    def _failed(self, failure: Failure) -> None:
        self.flows.refuse(failure)
        self.reload()

    # ------------------------------------------------------------------ actions
    def _wo(self) -> WorkOrderView:
        assert self.wo is not None
        return self.wo

    def start(self) -> None:
        wo = self._wo()
        self.flows.run(
            lambda a: StartWorkOrder(work_order_id=wo.id, actor=a),
            on_ok=self._done,
            on_failure=self._failed,
        )

    def step_done(self) -> None:
        wo = self._wo()
        step = next(s for s in wo.steps if not s.done)
        self.flows.run(
            lambda a: CompleteStep(work_order_id=wo.id, step_id=step.id, actor=a),
            on_ok=self._done,
            on_failure=self._failed,
        )

    def _prepare_log_output(self) -> None:
        """Build the Log output dialog while the operator reads the screen, so the most
        frequent tap only has to show it."""
        wo = self.wo
        if self._prepared is not None and not self._prepared.closed:
            self._prepared.deleteLater()
        self._prepared = None
        if wo is not None and Button.LOG_OUTPUT in enabled_buttons(wo) and self.isVisible():
            overlay = LogOutputOverlay(self.flows.host, self.flows.metrics, wo)
            # Styles are applied and layouts computed lazily on first show: do it now.
            overlay.setGeometry(self.flows.host.rect())
            overlay.ensurePolished()
            overlay.card_layout.activate()
            self._prepared, self._prepared_for = overlay, (wo.id, wo.version)

    def log_output(self) -> None:
        wo = self._wo()
        overlay = self._prepared
        self._prepared = None
        if overlay is None or self._prepared_for != (wo.id, wo.version):
            if overlay is not None:
                overlay.deleteLater()
            overlay = LogOutputOverlay(self.flows.host, self.flows.metrics, wo)

        def submit(qty: str, sku: str, rework: bool, supervisor: Person | None = None) -> None:
            def failed(failure: Failure) -> None:
                if failure.code == NeedsSupervisor.reason_code and supervisor is None:
                    overlay.accept()
                    self.flows.with_supervisor(
                        failure.message, lambda p: submit(qty, sku, rework, p)
                    )
                elif not overlay.closed:
                    overlay.show_error(failure.message)
                else:
                    self._failed(failure)

            def logged(_: CommandResult) -> None:
                overlay.accept()
                self._done()

            self.flows.run(
                lambda a: LogOutput(work_order_id=wo.id, qty=qty, sku=sku, rework=rework, actor=a),
                supervisor=supervisor,
                on_ok=logged,
                on_failure=failed,
            )

        overlay.submitted.connect(submit)
        self.flows.track(overlay)

    def hold(self) -> None:
        wo = self._wo()
        overlay = HoldOverlay(self.flows.host, self.flows.metrics, wo.number)
        overlay.keyboard_requested.connect(self.flows.track)
        overlay.submitted.connect(
            lambda reason, note: self.flows.run(
                lambda a: RaiseHold(work_order_id=wo.id, reason=reason, note=note, actor=a),
                overlay=overlay,
                on_ok=self._done,
            )
        )
        self.flows.track(overlay)

    def resume(self) -> None:
        wo = self._wo()
        self.flows.with_supervisor(
            _tr("Resume %s.") % wo.number,
            lambda sup: self.flows.run(
                lambda a: ResumeWorkOrder(work_order_id=wo.id, actor=a),
                supervisor=sup,
                on_ok=self._done,
                on_failure=self._failed,
            ),
        )

    def qc(self) -> None:
        wo = self._wo()
        overlay = QcOverlay(self.flows.host, self.flows.metrics, wo)

        def submit(
            sku: str, approved: str, failed: str, reason: str, category: str, action: str
        ) -> None:
            self.flows.run(
                lambda a: RecordQc(
                    work_order_id=wo.id,
                    sku=sku,
                    approved=approved,
                    failed=failed,
                    reason=reason,
                    category=category,
                    failed_action=action or None,
                    actor=a,
                ),
                overlay=overlay,
                on_ok=self._done,
            )

        overlay.submitted.connect(submit)
        self.flows.track(overlay)

    def complete(self) -> None:
        wo = self._wo()

        def refused(failure: Failure) -> None:
            if failure.code != NotFinished.code:
                self._failed(failure)
                return
            ask = MessageOverlay(
                self.flows.host,
                self.flows.metrics,
                _tr("%s is not finished") % wo.number,
                failure.message,
                ok_text=_tr("Close short…"),
                ask=True,
            )
            ask.ok_button.setProperty("danger", True)
            ask.finished.connect(lambda ok: self._close_short() if ok else self.reload())
            self.flows.track(ask)

        self.flows.run(
            lambda a: CompleteWorkOrder(work_order_id=wo.id, actor=a),
            on_ok=self._done,
            on_failure=refused,
        )

    def _close_short(self) -> None:
        wo = self._wo()
        overlay = CloseShortOverlay(self.flows.host, self.flows.metrics, wo)
        overlay.keyboard_requested.connect(self.flows.track)

        def confirmed(reason: str) -> None:
            self.flows.with_supervisor(
                _tr("Close %s short: %s.") % (wo.number, reason),
                lambda sup: self.flows.run(
                    lambda a: CompleteWorkOrder(
                        work_order_id=wo.id, close_short=True, reason=reason, actor=a
                    ),
                    supervisor=sup,
                    on_ok=self._done,
                    on_failure=self._failed,
                ),
            )

        overlay.submitted.connect(confirmed)
        self.flows.track(overlay)

    def more(self) -> None:
        wo = self._wo()
        overlay = MessageOverlay(
            self.flows.host,
            self.flows.metrics,
            _tr("Supervisor actions — %s") % wo.number,
            _tr("Each of these asks for a supervisor PIN."),
            ok_text=_tr("Close"),
        )
        labels = more_labels()
        for action in more_actions(wo):
            button = TouchButton(labels[action], danger=action == More.CANCEL)

            def chosen(_: bool = False, a: More = action) -> None:
                overlay.accept()
                self._more(a)

            button.clicked.connect(chosen)
            overlay.body.addWidget(button)
        self.flows.track(overlay)

    def _more(self, action: More) -> None:
        wo = self._wo()
        labels = more_labels()
        if action == More.REVERSE_RUN:
            self._pick_run()
            return
        make = {
            More.SKIP_STEP: lambda a: CompleteStep(
                work_order_id=wo.id,
                step_id=next(s for s in wo.steps if not s.done).id,
                skip=True,
                actor=a,
            ),
            More.ACCEPT_CHANGE: lambda a: AcceptSalesOrderChange(work_order_id=wo.id, actor=a),
            More.KEEP_AS_STOCK: lambda a: KeepAsStock(work_order_id=wo.id, actor=a),
            More.CANCEL: lambda a: CancelWorkOrder(work_order_id=wo.id, actor=a),
        }[action]
        self.flows.with_supervisor(
            f"{labels[action]}: {wo.number}.",
            lambda sup: self.flows.run(
                make, supervisor=sup, on_ok=self._done, on_failure=self._failed
            ),
        )

    def _pick_run(self) -> None:
        wo = self._wo()
        overlay = MessageOverlay(
            self.flows.host,
            self.flows.metrics,
            _tr("Reverse which build run?"),
            _tr("Reversing puts the units and their materials back."),
            ok_text=_tr("Close"),
        )
        for run in [r for r in reversed(wo.runs) if not r.reversed][:5]:
            text = _tr("%s: %s of %s by %s") % (
                when(run.at),
                units(run.qty),
                run.sku,
                run.operator_name or _tr("someone"),
            )
            button = TouchButton(text)

            def chosen(_: bool = False, r: str = run.id, t: str = text) -> None:
                overlay.accept()
                self._reverse(r, t)

            button.clicked.connect(chosen)
            overlay.body.addWidget(button)
        self.flows.track(overlay)

    def _reverse(self, run_id: str, text: str) -> None:
        wo = self._wo()
        self.flows.with_supervisor(
            _tr("Reverse the build run %s on %s.") % (text, wo.number),
            lambda sup: self.flows.run(
                lambda a: ReverseRun(work_order_id=wo.id, run_id=run_id, actor=a),
                supervisor=sup,
                on_ok=self._done,
                on_failure=self._failed,
            ),
        )


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
