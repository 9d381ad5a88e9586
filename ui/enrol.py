"""Enrolling the kiosk with a plant server from the supervisor's station-health screen."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from kiosk.domain.errors import ValidationError
from sync.enrolment import Credentials, EnrolmentFailed, enrol, save
from ui.controller import Controller
from ui.theme import Metrics
from ui.widgets.overlay import Overlay
from ui.worker import Failure


def _tr(text: str) -> str:
    return QCoreApplication.translate("Enrol", text)


def enrol_and_keep(server: str, code: str) -> Credentials:
    """Worker thread: trade the code for a token and keep it (owner-only file)."""
    try:
        creds = enrol(server, code)
    except EnrolmentFailed as err:
        raise ValidationError(str(err)) from err  # shown to the supervisor as it is
    save(creds)
    return creds


class EnrolOverlay(Overlay):
    def __init__(self, host: QWidget, metrics: Metrics, controller: Controller) -> None:
        super().__init__(host, metrics, _tr("Enrol this kiosk"), ok_text=_tr("Enrol"))
        self.controller = controller
        hint = QLabel(_tr("The office gives you the server address and a one-time code."))
        hint.setWordWrap(True)
        self.body.addWidget(hint)
        self.server = QLineEdit()
        self.server.setPlaceholderText("https://plant.example")
        self.server.setAccessibleName(_tr("Server address"))
        self.server.setMinimumHeight(metrics.target)
        self.body.addWidget(self.server)
        self.code = QLineEdit()
        self.code.setPlaceholderText(_tr("Enrolment code"))
        self.code.setAccessibleName(_tr("Enrolment code"))
        self.code.setMinimumHeight(metrics.target)
        self.body.addWidget(self.code)

    def confirm(self) -> None:
        server, code = self.server.text().strip(), self.code.text().strip()
        if not server.startswith(("https://", "http://")) or not code:
            self.show_error(_tr("Enter the server address (https://…) and the code."))
            return
        self.set_busy(True)
        self.controller.load(lambda _s: enrol_and_keep(server, code), self._done, self._failed)

    def _done(self, creds: Credentials) -> None:
        self.set_busy(False)
        self.controller.enrolled.emit(creds)
        self.accept()

    def _failed(self, failure: Failure) -> None:
        self.set_busy(False)
        self.show_error(failure.message)
