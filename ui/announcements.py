"""What the kiosk raises by itself when the controller says so: the check of a
restored store before anything is sent again, and who is acting now."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QWidget

from kiosk.station import Identified
from ui.controller import Controller
from ui.dialogs.message import MessageOverlay
from ui.flows import Flows
from ui.theme import Metrics
from ui.widgets.toast import Toast


def _tr(text: str) -> str:
    return QCoreApplication.translate("Kiosk", text)


class Announcements(QObject):
    """Answers the controller's ``recovery_needed`` and ``identified`` over the window."""

    def __init__(
        self,
        window: QWidget,
        metrics: Metrics,
        controller: Controller,
        flows: Flows,
        toast: Toast,
    ) -> None:
        super().__init__(window)
        self.host = window
        self.metrics = metrics
        self.controller = controller
        self.flows = flows
        self.toast = toast
        controller.recovery_needed.connect(self.ask_recovery)
        controller.identified.connect(self.greet)

    def ask_recovery(self, plan: object) -> None:
        """A restored store: show a supervisor what is about to be sent, then send it."""
        resend = list(getattr(plan, "resend", ()))
        lines = [f"• {w.what}" + (f" — badge {w.badge}" if w.badge else "") for w in resend[:6]]
        if len(resend) > 6:
            lines.append(_tr("… and %d more") % (len(resend) - 6))
        ask = MessageOverlay(
            self.host,
            self.metrics,
            _tr("Restored store: check before sending"),
            str(getattr(plan, "summary", "")) + "\n" + "\n".join(lines),
            ok_text=_tr("Send them (supervisor)"),
            ask=True,
        )
        ask.finished.connect(
            lambda ok: (
                self.flows.with_supervisor(
                    _tr("Send the actions taken on the restored store."),
                    lambda _sup: self.controller.recovery_confirmed.emit(plan),
                )
                if ok
                else None
            )
        )
        self.flows.track(ask)

    def greet(self, identified: Identified) -> None:
        """Say who acts now, where it matters: after a switch or a move."""
        name = identified.person.name
        if identified.moved_from:
            text = _tr("%s: clocked in here, out at %s.") % (
                name,
                ", ".join(identified.moved_from),
            )
        elif identified.already:
            text = _tr("%s is working now.") % name
        else:
            text = _tr("%s clocked in.") % name
        self.toast.say(text)
