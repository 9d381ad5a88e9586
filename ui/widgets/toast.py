"""A short confirmation over the top bar's title ("Maria Lopez is working now").

It covers what is there to read (the station's name, the clock, the sync state; a tap
still reaches what is under it), takes no
space in any layout (nothing moves when it appears), lets every tap through, and
goes away by itself.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from ui.theme import Metrics

SHOW_MS = 4000


class Toast(QLabel):
    def __init__(self, host: QWidget, metrics: Metrics, over: list[QWidget]) -> None:
        """``over``: the widgets whose place it takes while shown (in ``host``)."""
        super().__init__(host)
        self.metrics = metrics
        self._over = over
        self.setObjectName("toast")
        self.setProperty("role", "toast")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        host.installEventFilter(self)
        self.hide()

    def say(self, text: str, *, warning: bool = False) -> None:
        self.setText(text)
        self.setProperty("warning", warning)
        self.style().unpolish(self)
        self.style().polish(self)
        self._place()
        self.show()
        self.raise_()
        self._timer.start(SHOW_MS)

    def _place(self) -> None:
        host = self.parentWidget()
        assert host is not None  # constructed with a host, never reparented
        area = QRect()
        for widget in self._over:
            top_left = widget.mapTo(host, widget.rect().topLeft())
            area = area.united(QRect(top_left, widget.size()))
        self.setGeometry(area)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False
