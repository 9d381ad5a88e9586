"""The lock: only a supervisor closes the kiosk or takes it out of full-screen.

Alt+F4 and friends ask for a supervisor instead of closing; a window knocked out of
full-screen by a key combination goes straight back, unless a supervisor chose
window mode for maintenance.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from kiosk.station import Person
from ui.dialogs.message import MessageOverlay
from ui.flows import Flows
from ui.theme import Metrics


def _tr(text: str) -> str:
    return QCoreApplication.translate("Kiosk", text)


class KioskLock(QObject):
    """Full-screen unless windowed; closing or leaving full-screen needs a supervisor.

    The window forwards its close and window-state events here."""

    quit_requested = Signal()

    def __init__(self, window: QWidget, metrics: Metrics, flows: Flows) -> None:
        super().__init__(window)
        self.host = window
        self.metrics = metrics
        self.flows = flows
        #: Set once a supervisor chose Quit (or a test tears the kiosk down): close for real.
        self.may_close = False
        #: Set once a supervisor chose window mode: leaving full-screen is then wanted.
        self.leaving = False

    def ask_to_leave(self) -> None:
        def chosen(person: Person) -> None:
            ask = MessageOverlay(
                self.host,
                self.metrics,
                _tr("Leave the kiosk"),
                _tr("%s: quit the kiosk, or leave full-screen for maintenance?") % person.name,
                ok_text=_tr("Quit"),
                ask=True,
            )
            ask.ok_button.setProperty("danger", True)
            window_mode = ask.add_action(_tr("Window mode"))

            def to_window() -> None:
                ask.reject()
                self.host.showNormal()

            window_mode.clicked.connect(to_window)
            ask.finished.connect(lambda ok: self.quit_now() if ok else None)
            self.flows.track(ask)

        self.flows.with_supervisor(_tr("Leaving the kiosk needs a supervisor."), chosen)

    def show_kiosk(self) -> None:
        """Full-screen, and the size of the screen even where nothing makes it so (a bare
        X server has no window manager to honour the full-screen request)."""
        window = self.host
        window.setProperty("kiosk_mode", True)
        screen = window.screen()
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()

    def quit_now(self) -> None:
        self.may_close = True
        self.host.close()
        self.quit_requested.emit()

    def close_event(self, event: QCloseEvent) -> None:
        if self.may_close:
            event.accept()
        else:
            event.ignore()  # Alt+F4 and friends: only a supervisor may close the kiosk
            self.ask_to_leave()

    def change_event(self, event: QEvent) -> None:
        window = self.host
        if (
            event.type() == QEvent.Type.WindowStateChange
            and window.property("kiosk_mode")
            and not window.isFullScreen()
            and not self.may_close
            and not self.leaving
        ):
            # Minimised or un-maximised by a key combination: back to full-screen.
            QTimer.singleShot(0, self.show_kiosk)

    def to_window_mode(self) -> None:
        """Before the window shows normal: this time leaving full-screen is meant."""
        self.leaving = True
        self.host.setProperty("kiosk_mode", False)
