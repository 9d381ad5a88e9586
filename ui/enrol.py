"""Enrolling the kiosk with a plant server from the supervisor's station-health screen."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QLabel, QWidget

from kiosk.domain.errors import ValidationError
from sync.enrolment import Credentials, EnrolmentFailed, enrol, save
from ui.controller import Controller
from ui.theme import Metrics
from ui.widgets.overlay import Overlay
from ui.widgets.touch_field import TouchField
from ui.widgets.touch_keyboard import TextEntryOverlay
from ui.worker import Failure


def _tr(text: str) -> str:
    return QCoreApplication.translate("Enrol", text)


#: The settings' server_url: where an unenrolled kiosk is meant to enrol (set at start).
_suggested: str | None = None


def suggest_server(url: str | None) -> None:
    """Start the server field with ``url`` (``server_url`` from kiosk.toml)."""
    global _suggested
    _suggested = url


def enrol_and_keep(server: str, code: str) -> Credentials:
    """Worker thread: trade the code for a token and keep it (owner-only file)."""
    try:
        creds = enrol(server, code)
    except EnrolmentFailed as err:
        raise ValidationError(str(err)) from err  # shown to the supervisor as it is
    save(creds)
    return creds


class EnrolOverlay(Overlay):
    """Server address and code, each typed on the touch keyboard, which the owner opens
    over this overlay (``keyboard_requested``)."""

    keyboard_requested = Signal(object)  # TextEntryOverlay

    def __init__(self, host: QWidget, metrics: Metrics, controller: Controller) -> None:
        super().__init__(host, metrics, _tr("Enrol this kiosk"), ok_text=_tr("Enrol"))
        self.controller = controller
        hint = QLabel(_tr("The office gives you the server address and a one-time code."))
        hint.setWordWrap(True)
        self.body.addWidget(hint)
        self.server = TouchField("https://plant.example")
        self.server.setAccessibleName(_tr("Server address"))
        self.server.setMinimumHeight(metrics.target)
        if _suggested:
            self.server.setText(_suggested)
        self.body.addWidget(self.server)
        self.code = TouchField(_tr("Enrolment code"))
        self.code.setAccessibleName(_tr("Enrolment code"))
        self.code.setMinimumHeight(metrics.target)
        self.body.addWidget(self.code)
        for field, title in ((self.server, _tr("Server address")), (self.code, _tr("Code"))):
            field.tapped.connect(lambda f=field, t=title: self._type(f, t))

    def _type(self, field: TouchField, title: str) -> None:
        host = self.parentWidget()
        assert host is not None  # an overlay always lies over its host
        keyboard = TextEntryOverlay(host, self.metrics, title, field.text())
        keyboard.entered.connect(field.setText)
        self.keyboard_requested.emit(keyboard)

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
