"""Big touch buttons; their sizes come from the theme's millimetre metrics."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QPushButton, QWidget

from ui.resources import icon_path
from ui.theme import Metrics


class TouchButton(QPushButton):
    """A push button with a pressed/busy look that shows the instant it is tapped."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        *,
        primary: bool = False,
        danger: bool = False,
        key: bool = False,
        checkable: bool = False,
    ) -> None:
        super().__init__(text, parent)
        self.setProperty("primary", primary)
        self.setProperty("danger", danger)
        self.setProperty("key", key)
        self.setCheckable(checkable)
        self.setAutoRepeat(False)
        # A tap must not move the keyboard focus off the window: the scanner types there.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if text:
            self.setAccessibleName(text.replace("&", ""))

    @property
    def is_primary(self) -> bool:
        return bool(self.property("primary")) or bool(self.property("key"))

    def set_busy(self, busy: bool) -> None:
        self.setProperty("busy", busy)
        self.style().unpolish(self)
        self.style().polish(self)
        self.repaint()  # paint the busy state now, not after the operation returns


def icon_button(
    icon: str, accessible_name: str, parent: QWidget | None = None, *, size: int = 0
) -> TouchButton:
    """An icon-only button; the accessible name is what screen readers and tests see."""
    button = TouchButton("", parent)
    button.setIcon(QIcon(icon_path(icon)))
    if size:
        button.setIconSize(QSize(size, size))
    button.setAccessibleName(accessible_name)
    button.setToolTip(accessible_name)
    return button


def back_button(metrics: Metrics, name: str) -> TouchButton:
    """The screens' "back" arrow: a 15 mm navigation target, not a primary action (the
    height a 20 mm one would take is what a 10-inch tablet lacks)."""
    button = icon_button("back", name, size=metrics.mm(8))
    button.setMinimumSize(metrics.target, metrics.target)
    return button
