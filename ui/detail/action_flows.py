"""The floor actions on a work order: what each button (and More…) asks and runs.

The detail screen lays the work order out and maps its buttons here; these flows
open the dialogs, ask for a supervisor where needed, and run the commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

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
from kiosk.domain.errors import NeedsSupervisor, NotFinished
from kiosk.domain.quantities import units
from kiosk.queries import WorkOrderView
from kiosk.station import Person
from ui.detail.actions import Button, More, enabled_buttons, more_actions
from ui.detail.tables import when
from ui.dialogs.close_short import CloseShortOverlay
from ui.dialogs.hold import HoldOverlay
from ui.dialogs.message import MessageOverlay
from ui.dialogs.qc import QcOverlay
from ui.dialogs.quantity import LogOutputOverlay
from ui.flows import Flows
from ui.widgets.buttons import TouchButton
from ui.worker import Failure

if TYPE_CHECKING:
    from ui.detail.screen import DetailScreen


def _tr(text: str) -> str:
    return QCoreApplication.translate("Detail", text)


def more_labels() -> dict[More, str]:
    return {
        More.REVERSE_RUN: _tr("Reverse a build run"),
        More.SKIP_STEP: _tr("Skip the next step"),
        More.ACCEPT_CHANGE: _tr("Accept the sales-order change"),
        More.KEEP_AS_STOCK: _tr("Keep building as stock"),
        More.CANCEL: _tr("Cancel work order"),
    }


class _OnTheWorkOrder:
    """What every flow needs: the work order on screen, and how a command ends."""

    def __init__(self, screen: DetailScreen, flows: Flows) -> None:
        self.screen = screen
        self.flows = flows

    def _done(self, *_: object) -> None:
        """The command went through: its change summary reloads this screen (once)."""

    def _failed(self, failure: Failure) -> None:
        self.flows.refuse(failure)
        self.screen.reload()

    def _wo(self) -> WorkOrderView:
        wo = self.screen.wo
        assert wo is not None
        return wo


class WorkOrderActions(_OnTheWorkOrder):
    """Every floor action on the work order the screen shows, from tap to command."""

    def __init__(self, screen: DetailScreen, flows: Flows) -> None:
        super().__init__(screen, flows)
        self._prepared: LogOutputOverlay | None = None
        self._prepared_for: tuple[str, int] = ("", 0)
        #: More…: the rarer actions, each for a supervisor.
        self.more_menu = MoreMenu(screen, flows)

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

    def prepare_log_output(self) -> None:
        """Build the Log output dialog while the operator reads the screen, so the most
        frequent tap only has to show it."""
        wo = self.screen.wo
        if self._prepared is not None and not self._prepared.closed:
            self._prepared.deleteLater()
        self._prepared = None
        if wo is not None and Button.LOG_OUTPUT in enabled_buttons(wo) and self.screen.isVisible():
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
            ask.finished.connect(lambda ok: self.close_short() if ok else self.screen.reload())
            self.flows.track(ask)

        self.flows.run(
            lambda a: CompleteWorkOrder(work_order_id=wo.id, actor=a),
            on_ok=self._done,
            on_failure=refused,
        )

    def close_short(self) -> None:
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
        self.more_menu.open()


class MoreMenu(_OnTheWorkOrder):
    """More…: the rarer actions on the work order, each asking for a supervisor PIN."""

    def open(self) -> None:
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
