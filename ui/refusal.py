"""A full-screen "this kiosk cannot start" message for the supervisor at the tablet.

Shown when the kiosk refuses to start for a reason a restart cannot fix (a store
from a newer version): without it the tablet would show cage's black screen and
nobody at the workstation would know whom to call. One tap on *Close* (or the
optional timeout) ends the process with the refusal's exit code, which the
session unit does not restart on.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from ui.theme import TITLE_EM_MM, Metrics, apply, body_font
from ui.widgets.buttons import TouchButton


def _tr(text: str) -> str:
    return QCoreApplication.translate("Refusal", text)


class RefusalScreen(QWidget):
    """The reason in one paragraph, what to do, and one big *Close* button."""

    #: Emitted once it is closed (the button, the timeout, the window manager).
    closed = Signal()

    def __init__(self, metrics: Metrics, title: str, reason: str, advice: str) -> None:
        super().__init__()
        self.setObjectName("refusal")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        margin = metrics.mm(15)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(metrics.gap * 2)
        heading = QLabel(title)
        heading.setFont(body_font(metrics, bold=True, em_mm=TITLE_EM_MM))
        heading.setWordWrap(True)
        self.reason = QLabel(reason)
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        what = QLabel(advice)
        what.setWordWrap(True)
        what.setFont(body_font(metrics, bold=True))
        self.close_button = TouchButton(_tr("Close"), primary=True)
        self.close_button.setMinimumSize(metrics.mm(60), metrics.primary)
        self.close_button.clicked.connect(self.close)
        layout.addWidget(heading)
        layout.addWidget(self.reason)
        layout.addWidget(what)
        layout.addStretch(1)
        layout.addWidget(self.close_button, alignment=Qt.AlignmentFlag.AlignRight)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self.closed.emit()


def store_too_new_screen(metrics: Metrics, reason: str) -> RefusalScreen:
    return RefusalScreen(
        metrics,
        _tr("This kiosk cannot start"),
        reason[:1].upper() + reason[1:] + ".",
        _tr(
            "Nothing was changed. Ask IT to install that version (or a newer one) on this "
            "tablet. Tapping Close leaves the screen dark until they do."
        ),
    )


def show_refusal(
    app: QApplication,
    screen: RefusalScreen,
    exit_code: int,
    *,
    windowed: tuple[int, int] | None = None,
    timeout_s: float | None = None,
) -> int:
    """Show ``screen`` until it is closed (or ``timeout_s`` passes); always ``exit_code``."""
    if windowed:
        screen.resize(*windowed)
        screen.show()
    else:
        # The size of the screen even where nothing honours the full-screen request (a
        # bare X server, no window manager), as the kiosk's own window does.
        display = screen.screen() or app.primaryScreen()
        if display is not None:
            screen.setGeometry(display.geometry())
        screen.showFullScreen()
    if timeout_s is not None:
        QTimer.singleShot(round(timeout_s * 1000), screen.close)
    # Its own loop, ended by this screen's closing: not "the last window closed", which
    # any other top-level window (a leftover, a tool window) would hold open forever.
    loop = QEventLoop()
    screen.closed.connect(loop.quit)
    loop.exec()
    return exit_code


def themed(app: QApplication, scale: float = 1.0) -> Metrics:
    """The kiosk's touch sizes and theme, for a screen shown before the kiosk is built."""
    metrics = Metrics.for_screen(app.primaryScreen(), scale)
    apply(app, metrics)
    return metrics
