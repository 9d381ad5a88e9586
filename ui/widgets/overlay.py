"""Dialogs as overlays inside the kiosk window: no window manager, one screenshot shows all."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ui.theme import Metrics
from ui.widgets.buttons import TouchButton

#: Lines of text the message area keeps free, so a refusal never moves the card.
MESSAGE_LINES = 2
_SCRIM = QColor(0, 0, 0, 150)


class Overlay(QWidget):
    """A card over a dimmed window. ``finished(True)`` when confirmed, ``False`` when cancelled.

    Subclasses fill ``self.body`` and override ``confirm()``; a refusal is shown in
    ``show_error`` and the overlay stays open so the operator can correct it. The card
    stays where it first appeared: the message line under the buttons has its room
    from the start, so a refusal or a hint never moves a key under the finger.
    """

    finished = Signal(bool)
    #: Set once it has closed; plain Python, so safe to read after Qt deleted the widget.
    closed = False
    #: Keep a message line under the buttons. Off for overlays that only tell something
    #: (their card would otherwise end in an empty band).
    has_messages = True

    def __init__(
        self,
        host: QWidget,
        metrics: Metrics,
        title: str,
        *,
        ok_text: str | None = None,
        cancel_text: str | None = None,
    ) -> None:
        super().__init__(host)
        self.metrics = metrics
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.card = QFrame(self)
        self.card.setObjectName("card")
        self._anchor: QPoint | None = None
        self._missing_text = ""

        card = QHBoxLayout(self.card)
        #: The card's own layout (``self.card.layout()``, typed).
        self.card_layout = card
        card.setContentsMargins(metrics.mm(6), metrics.mm(5), metrics.mm(6), metrics.mm(5))
        card.setSpacing(metrics.mm(6))
        layout = QVBoxLayout()
        layout.setSpacing(metrics.gap)
        card.addLayout(layout, 1)
        #: Beside the text and the buttons: a keypad goes here, where a 10-inch screen
        #: has the width for it but not the height.
        self.side = QVBoxLayout()
        self.side.setSpacing(metrics.gap)
        card.addLayout(self.side)
        self.title = QLabel(title)
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.body = QVBoxLayout()
        self.body.setSpacing(metrics.gap)
        layout.addLayout(self.body)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.setSpacing(metrics.mm(6))
        self.cancel_button = TouchButton(
            cancel_text or QCoreApplication.translate("Overlay", "Cancel")
        )
        self.cancel_button.setMinimumWidth(metrics.mm(40))
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        self._buttons = buttons
        self.ok_button = TouchButton(
            ok_text or QCoreApplication.translate("Overlay", "OK"), primary=True
        )
        self.ok_button.setMinimumWidth(metrics.mm(45))
        self.ok_button.clicked.connect(self._on_ok)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)
        self._main = layout
        # Refusals and "what is missing" share one line under the buttons, its height
        # reserved whether or not it says anything.
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.error.setFixedHeight(QFontMetrics(self.font()).lineSpacing() * MESSAGE_LINES + 4)
        # It wraps within the card's width, never widens the card (which would move it).
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.error)
        self.error.setVisible(self.has_messages)
        self._set_message("", "hint")
        host.installEventFilter(self)
        self.card.installEventFilter(self)
        self.hide()

    def buttons_beside(self) -> None:
        """Cancel and the main button under what stands beside the text (a keypad), where
        a dialog with many choices has no height left for a row of its own."""
        self._main.removeItem(self._buttons)
        self.side.addLayout(self._buttons)

    def add_action(self, text: str, *, danger: bool = False) -> TouchButton:
        """Another choice between Cancel and the main button (e.g. "Window mode")."""
        button = TouchButton(text, danger=danger)
        button.setMinimumWidth(self.metrics.mm(40))
        self._buttons.insertWidget(self._buttons.count() - 1, button)
        return button

    def host(self) -> QWidget:
        """The widget this overlay lies over (its parent, never None)."""
        host = self.parentWidget()
        assert host is not None  # constructed with a host, never reparented
        return host

    # -- showing
    def open(self) -> None:
        self.setGeometry(self.host().rect())
        self._anchor = None
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        """Size the card to its contents; centre it the first time, then keep it there
        (moving only as far as it must to stay on the screen)."""
        self.card.adjustSize()
        size = self.card.sizeHint().boundedTo(self.size())
        self.card.resize(size)
        if self._anchor is None:
            self._anchor = QPoint(
                (self.width() - size.width()) // 2, (self.height() - size.height()) // 2
            )
        x = min(max(self._anchor.x(), 0), max(self.width() - size.width(), 0))
        y = min(max(self._anchor.y(), 0), max(self.height() - size.height(), 0))
        self.card.move(x, y)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.host().rect())
            self._anchor = None  # a new screen size: centre again
            self._place()
        elif watched is self.card and event.type() == QEvent.Type.LayoutRequest:
            self._place()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        # Only what needs it: a busy button or a message repaints a small part, and
        # blending the whole window each time costs a tap tens of milliseconds.
        painter = QPainter(self)
        painter.fillRect(event.rect(), _SCRIM)

    # -- messages
    def _set_message(self, text: str, role: str) -> None:
        self.error.setText(text)
        self.error.setProperty("role", "error" if role == "error" else "muted")
        self.error.style().unpolish(self.error)
        self.error.style().polish(self.error)

    def show_error(self, message: str) -> None:
        if self.closed:
            return
        self._set_message(message, "error")
        self.set_busy(False)

    def set_hint(self, missing: str) -> None:
        """What is still missing before the main button can go ("" when nothing is): the
        button stays grey until then, and the line under it says why."""
        self._missing_text = missing
        self.ok_button.setEnabled(not missing and not self.ok_button.property("busy"))
        if self.error.property("role") != "error" or not missing:
            self._set_message(missing, "hint")

    @property
    def message(self) -> str:
        return self.error.text()

    def set_busy(self, busy: bool) -> None:
        self.ok_button.set_busy(busy)
        self.ok_button.setEnabled(not busy and not self._missing_text)

    def _on_ok(self) -> None:
        self._set_message(self._missing_text, "hint")
        self.confirm()

    def confirm(self) -> None:
        """Default: accept at once. Overlays that run a command accept when it succeeds."""
        self.accept()

    def accept(self) -> None:
        self._close(True)

    def reject(self) -> None:
        self._close(False)

    def _close(self, ok: bool) -> None:
        if self.closed:
            return
        self.closed = True
        self.hide()
        self.host().removeEventFilter(self)
        self.finished.emit(ok)
        self.deleteLater()
