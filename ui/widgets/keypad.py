"""Our own numeric keypad (no virtual keyboard): digits, decimal point, erase, clear."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ui.theme import Metrics
from ui.widgets.buttons import TouchButton, icon_button


class Keypad(QWidget):
    """Keys ≥ 20 mm; the entered text is shown on its own display (masked for PINs)."""

    changed = Signal(str)

    def __init__(
        self,
        metrics: Metrics,
        parent: QWidget | None = None,
        *,
        decimals: bool = True,
        masked: bool = False,
        max_length: int = 10,
        display_apart: bool = False,
    ) -> None:
        """``display_apart``: the owner places ``display`` (beside the keys, not above them,
        where a 10-inch screen has no height to spare)."""
        super().__init__(parent)
        self._value = ""
        self._masked = masked
        self._max_length = max_length
        self.display = QLabel()
        self.display.setProperty("role", "display")
        self.display.setMinimumHeight(metrics.primary)
        grid = QGridLayout()
        grid.setSpacing(metrics.gap)
        self.keys: dict[str, TouchButton] = {}
        layout = ["789", "456", "123"]
        for r, row in enumerate(layout):
            for c, key in enumerate(row):
                self._add_key(grid, key, r, c)
        if decimals:
            self._add_key(grid, ".", 3, 0)
        else:
            clear = TouchButton(QCoreApplication.translate("Keypad", "Clear"), key=True)
            clear.setProperty("word", True)  # a word, not a digit: body size fits the key
            clear.clicked.connect(self.clear)
            self.keys["clear"] = clear
            grid.addWidget(clear, 3, 0)
        self._add_key(grid, "0", 3, 1)
        erase = icon_button(
            "backspace", QCoreApplication.translate("Keypad", "Erase"), size=metrics.mm(9)
        )
        erase.setProperty("key", True)
        erase.clicked.connect(self.erase)
        self.keys["erase"] = erase
        grid.addWidget(erase, 3, 2)
        for button in self.keys.values():
            button.setMinimumSize(metrics.primary, metrics.primary)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(metrics.gap)
        if not display_apart:
            box.addWidget(self.display)
        box.addLayout(grid)
        self._show()

    def _add_key(self, grid: QGridLayout, key: str, row: int, col: int) -> None:
        button = TouchButton(key, key=True)
        button.clicked.connect(lambda: self.press(key))
        self.keys[key] = button
        grid.addWidget(button, row, col)

    @property
    def value(self) -> str:
        return self._value

    def set_value(self, value: str) -> None:
        self._value = value[: self._max_length]
        self._show()

    def press(self, key: str) -> None:
        if len(self._value) >= self._max_length:
            return
        if key == "." and "." in self._value:
            return
        self._value += key
        self._show()

    def erase(self) -> None:
        self._value = self._value[:-1]
        self._show()

    def clear(self) -> None:
        self._value = ""
        self._show()

    def _show(self) -> None:
        self.display.setText("•" * len(self._value) if self._masked else (self._value or "0"))
        self.changed.emit(self._value)
