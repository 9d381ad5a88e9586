"""Keyboard-wedge scanners: a burst of keys ending in Enter, told apart from a person typing."""

from __future__ import annotations

import re
import time

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

WORK_ORDER = re.compile(r"^WO-\d{3,}$", re.IGNORECASE)
#: A scanner types a whole code within this many seconds between keys; people do not.
MAX_GAP_S = 0.05
MIN_LENGTH = 3


class ScanListener(QObject):
    """Application-wide event filter; emits the scanned text when Enter ends a fast burst."""

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, max_gap_s: float = MAX_GAP_S) -> None:
        super().__init__(parent)
        self.max_gap_s = max_gap_s
        self._buffer = ""
        self._last = 0.0
        self._receiver: QWidget | None = None
        self._key: tuple[int, str] = (0, "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.isAutoRepeat() or not isinstance(watched, QWidget):
            return False
        # An ignored key press travels up to each parent: count it once.
        previous = self._receiver
        self._receiver = watched
        same_key = (event.key(), event.text()) == self._key
        self._key = (event.key(), event.text())
        if same_key and previous not in (None, watched) and watched.isAncestorOf(previous):
            self._receiver = previous
            return False
        now = time.monotonic()
        if now - self._last > self.max_gap_s:
            self._buffer = ""
        self._last = now
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            code, self._buffer = self._buffer, ""
            if len(code) >= MIN_LENGTH:
                self.scanned.emit(code)
                return True
            return False
        text = event.text()
        if text and text.isprintable():
            self._buffer += text
        return False

    def feed(self, code: str) -> None:
        """Deliver a code as if scanned (tests, screenshot tool)."""
        self.scanned.emit(code)
