"""Keyboard-wedge scanners: a burst of keys ending in Enter, kept away from every widget.

A scanner types like a very fast keyboard. Left alone, its characters would land in
whatever has keyboard focus before the Enter at the end shows it was a scan (a
traveler number appended to the board's search, say). So the listener holds every
printable key press back: a burst that ends in Enter becomes one ``scanned`` code and
reaches no widget; anything else (a person on a keyboard) is handed on, in order, to
where it was going, once it is clear it is not a scan.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QWidget

WORK_ORDER = re.compile(r"^WO-\d{3,}$", re.IGNORECASE)
#: A scanner types a whole code with at most this many seconds between keys; people do
#: not. Measured on the keys' own timestamps, so a busy GUI thread does not split a scan.
MAX_GAP_S = 0.08
MIN_LENGTH = 3
#: Held keys that turned out to be typing are handed on after this quiet time.
RELEASE_AFTER_MS = 250
#: Keys that only change the next one (a scanner presses Shift for capitals).
_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)
_TYPING_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


@dataclass(frozen=True)
class _Held:
    receiver: QWidget
    key: int
    text: str
    modifiers: Qt.KeyboardModifier


class ScanListener(QObject):
    """Application-wide event filter; emits the scanned text when Enter ends a fast burst."""

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, max_gap_s: float = MAX_GAP_S) -> None:
        super().__init__(parent)
        self.max_gap_s = max_gap_s
        self._held: list[_Held] = []
        self._last: tuple[int, float] = (0, 0.0)  # (key timestamp ms, monotonic s)
        self._replaying = False
        # A window system stamps keys with its own clock; the offscreen platform (and
        # QTest) stamp them with a counter that ignores real time.
        self._real_stamps = QGuiApplication.platformName() not in ("offscreen", "minimal")
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setInterval(RELEASE_AFTER_MS)
        self._release_timer.timeout.connect(self.release)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(event, QKeyEvent) or not isinstance(watched, QWidget):
            return False
        if event.key() in _MODIFIER_KEYS:
            return False
        if event.isAutoRepeat() or event.modifiers() & _TYPING_MODIFIERS:
            self.release()
            return False
        gap = self._gap(event)
        if self._held and gap > self.max_gap_s:
            self.release()  # what came before was typing, not the start of this scan
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if len(self._held) >= MIN_LENGTH and gap <= self.max_gap_s:
                code = "".join(h.text for h in self._held)
                self._held.clear()
                self._release_timer.stop()
                self.scanned.emit(code)
                return True
            # Not a scan. (Let through, it may travel up to each parent: by then
            # nothing is held, so it passes again unchanged.)
            self.release()
            return False
        text = event.text()
        if not text or not text.isprintable():
            self.release()
            return False
        self._held.append(_Held(watched, event.key(), text, event.modifiers()))
        self._release_timer.start()
        return True

    def _gap(self, event: QKeyEvent) -> float:
        """Seconds since the previous key: by the events' timestamps where they have them
        (the X server's clock), else by when they reach us."""
        stamp, now = int(event.timestamp()), time.monotonic()
        last_stamp, last_now = self._last
        self._last = (stamp, now)
        if self._real_stamps and stamp and last_stamp and stamp >= last_stamp:
            return (stamp - last_stamp) / 1000
        return now - last_now

    def release(self) -> None:
        """Hand held keys on to where they were going: they were typing, not a scan."""
        self._release_timer.stop()
        held, self._held = self._held, []
        self._replaying = True
        try:
            for h in held:
                if shiboken6.isValid(h.receiver):
                    replay = QKeyEvent(QEvent.Type.KeyPress, h.key, h.modifiers, h.text)
                    QCoreApplication.sendEvent(h.receiver, replay)
        finally:
            self._replaying = False

    @property
    def holding(self) -> str:
        """What is held back right now (for tests and diagnostics)."""
        return "".join(h.text for h in self._held)

    def feed(self, code: str) -> None:
        """Deliver a code as if scanned (tests, screenshot tool)."""
        self.scanned.emit(code)
