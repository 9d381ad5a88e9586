"""A plain-words message over the screen: a refusal, a confirmation, a question."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from ui.theme import Metrics
from ui.widgets.overlay import Overlay


class MessageOverlay(Overlay):
    def __init__(
        self,
        host: QWidget,
        metrics: Metrics,
        title: str,
        text: str,
        *,
        ok_text: str | None = None,
        ask: bool = False,
    ) -> None:
        super().__init__(host, metrics, title, ok_text=ok_text)
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(metrics.mm(120))
        self.body.addWidget(self.text)
        self.cancel_button.setVisible(ask)


def refusal(host: QWidget, metrics: Metrics, text: str) -> MessageOverlay:
    overlay = MessageOverlay(host, metrics, QCoreApplication.translate("Message", "Not done"), text)
    overlay.open()
    return overlay
