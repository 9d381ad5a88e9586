"""Dialogs as overlays inside the kiosk window: no window manager, one screenshot shows all."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.theme import Metrics
from ui.widgets.buttons import TouchButton


class Overlay(QWidget):
    """A card over a dimmed window. ``finished(True)`` when confirmed, ``False`` when cancelled.

    Subclasses fill ``self.body`` and override ``confirm()``; a refusal is shown in
    ``show_error`` and the overlay stays open so the operator can correct it.
    """

    finished = Signal(bool)
    #: Set once it has closed; plain Python, so safe to read after Qt deleted the widget.
    closed = False

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
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)

        card = QHBoxLayout(self.card)
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
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
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
        self.ok_button = TouchButton(
            ok_text or QCoreApplication.translate("Overlay", "OK"), primary=True
        )
        self.ok_button.setMinimumWidth(metrics.mm(45))
        self.ok_button.clicked.connect(self._on_ok)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)
        host.installEventFilter(self)
        self.hide()

    # -- showing
    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 150))

    # -- outcome
    def show_error(self, message: str) -> None:
        if self.closed:
            return
        self.error.setText(message)
        self.error.show()
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        self.ok_button.set_busy(busy)
        self.ok_button.setEnabled(not busy)

    def _on_ok(self) -> None:
        self.error.hide()
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
        self.parentWidget().removeEventFilter(self)
        self.finished.emit(ok)
        self.deleteLater()
