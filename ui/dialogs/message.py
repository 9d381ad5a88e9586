"""A plain-words message over the screen: a refusal, a confirmation, a question."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from ui.theme import Metrics
from ui.widgets.overlay import Overlay


class MessageOverlay(Overlay):
    has_messages = False

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


def refusal_title(code: str) -> str:
    """A title that says what kind of "no" this is, from the error's stable code."""
    titles = {
        "not_found": QCoreApplication.translate("Message", "Not found"),
        "forbidden": QCoreApplication.translate("Message", "Not allowed"),
        "needs_supervisor": QCoreApplication.translate("Message", "Needs a supervisor"),
        "not_clocked_in": QCoreApplication.translate("Message", "Clock in first"),
        "validation": QCoreApplication.translate("Message", "Check the entry"),
        "sync_answer": QCoreApplication.translate("Message", "Please check"),
        "unexpected": QCoreApplication.translate("Message", "Something went wrong"),
    }
    return titles.get(code, QCoreApplication.translate("Message", "Not done"))


def refusal(host: QWidget, metrics: Metrics, text: str, code: str = "") -> MessageOverlay:
    return MessageOverlay(host, metrics, refusal_title(code), text)
