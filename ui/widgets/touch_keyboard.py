"""Our own on-screen keyboard for the few free-text fields (search, a hold note).

Qt Virtual Keyboard is GPL, and a kiosk needs little: letters, digits, the signs of
work-order numbers and SKUs, space, erase, clear. Keys are 15 mm; the text being
typed is shown large above them, and no widget ever needs keyboard focus for it (a
badge scanner's keys never land in the field).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.theme import Metrics
from ui.widgets.buttons import TouchButton, icon_button
from ui.widgets.overlay import Overlay

#: Eleven columns of 15 mm keys with 3 mm gaps: 201 mm of a 10-inch tablet's 216.
ROWS = ("1234567890", "qwertyuiop-", "asdfghjkl/#", "zxcvbnm.,")
#: What Shift makes of the signs (letters become capitals): a URL's ":" and "_" too.
SHIFTED = {"-": "_", "/": ":", "#": "@", ".": "?", ",": "!"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Keyboard", text)


class TouchKeyboard(QWidget):
    """Emits ``changed(text)`` on every key."""

    changed = Signal(str)

    def __init__(self, metrics: Metrics, *, max_length: int = 200, parent: QWidget | None = None):
        super().__init__(parent)
        self._text = ""
        self._max_length = max_length
        self._upper = False
        self.keys: dict[str, TouchButton] = {}
        grid = QGridLayout()
        grid.setSpacing(metrics.gap)
        key_size = metrics.target
        for r, row in enumerate(ROWS):
            offset = 2 if r == 3 else 0  # the last row starts after Shift
            for c, char in enumerate(row):
                key = TouchButton(char)
                key.setProperty("kb", True)
                key.setMinimumSize(key_size, key_size)
                key.clicked.connect(lambda _=False, ch=char: self.press(ch))
                self.keys[char] = key
                grid.addWidget(key, r, c + offset)
        erase = icon_button("backspace", _tr("Erase"), size=metrics.mm(8))
        erase.setProperty("kb", True)
        erase.setMinimumSize(key_size, key_size)
        erase.clicked.connect(self.erase)
        self.keys["erase"] = erase
        grid.addWidget(erase, 0, len(ROWS[0]))
        self.shift = TouchButton(_tr("Shift"), checkable=True)
        self.shift.setProperty("kb", True)
        self.shift.setMinimumSize(key_size, key_size)
        self.shift.toggled.connect(self._set_upper)
        grid.addWidget(self.shift, 3, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text[: self._max_length]
        self.changed.emit(self._text)

    def press(self, char: str) -> None:
        if len(self._text) >= self._max_length:
            return
        self._text += (SHIFTED.get(char, char.upper())) if self._upper else char
        if self._upper:
            self.shift.setChecked(False)  # one capital, as on a phone
        self.changed.emit(self._text)

    def erase(self) -> None:
        self.set_text(self._text[:-1])

    def clear(self) -> None:
        self.set_text("")

    def _set_upper(self, upper: bool) -> None:
        self._upper = upper
        for char, key in self.keys.items():
            if len(char) == 1 and (char.isalpha() or char in SHIFTED):
                key.setText(SHIFTED.get(char, char.upper()) if upper else char)


class TextEntryOverlay(Overlay):
    """Type one line of text on the touch keyboard; ``entered(text)`` when confirmed.

    Laid out for the 136 mm a 10-inch tablet has in height: the title sits beside the
    text, and Clear and Space join Cancel and Done on the bottom row.
    """

    entered = Signal(str)

    def __init__(
        self,
        host: QWidget,
        metrics: Metrics,
        title: str,
        text: str = "",
        *,
        ok_text: str | None = None,
        max_length: int = 200,
    ) -> None:
        super().__init__(host, metrics, title, ok_text=ok_text or _tr("Done"))
        self.card_layout.setContentsMargins(*(metrics.mm(3),) * 4)
        self.title.hide()
        self.error.setFixedHeight(self.fontMetrics().lineSpacing() + 4)
        row = QHBoxLayout()
        row.setSpacing(metrics.gap)
        label = QLabel(title)
        label.setProperty("role", "title")
        row.addWidget(label)
        self.display = QLabel()
        self.display.setProperty("role", "entry")  # like a field: text from the left
        self.display.setMinimumHeight(metrics.target)
        self.display.setAccessibleName(title)
        row.addWidget(self.display, 1)
        self.body.addLayout(row)
        self.keyboard = TouchKeyboard(metrics, max_length=max_length)
        self.body.addWidget(self.keyboard)
        clear = self.add_action(_tr("Clear"))
        clear.clicked.connect(self.keyboard.clear)
        space = self.add_action(_tr("Space"))
        space.setMinimumWidth(metrics.mm(60))
        space.clicked.connect(lambda: self.keyboard.press(" "))
        self.keyboard.keys["clear"], self.keyboard.keys["space"] = clear, space
        self.keyboard.changed.connect(self._show)
        self.keyboard.set_text(text)

    @property
    def text(self) -> str:
        return self.keyboard.text

    def _show(self, text: str) -> None:
        self.display.setText(text + "▏")

    def confirm(self) -> None:
        self.entered.emit(self.keyboard.text.strip())
        self.accept()
