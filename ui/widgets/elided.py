"""A one-line label that ends in "…" when it is narrower than its text.

A plain QLabel demands its whole text's width from the layout; a long station or work
order name then pushes the screen wider than a 10-inch tablet and squeezes the buttons
beside it until their words are cut. This one gives way instead; ``text()`` stays whole.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

#: A name that ends in what it is for: "… for order #1042", "… PO-7731".
_ENDS_IN_A_NUMBER = re.compile(r"(#\s*\d+|\b[A-Z]{1,5}-\d+)\W*$")


def elide_mode(text: str) -> Qt.TextElideMode:
    """Cut a name in the middle when its end names an order (keep that in view), else at
    the end as usual."""
    if _ENDS_IN_A_NUMBER.search(text):
        return Qt.TextElideMode.ElideMiddle
    return Qt.TextElideMode.ElideRight


class ElidedLabel(QLabel):
    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        *,
        mode: Qt.TextElideMode | None = Qt.TextElideMode.ElideRight,
    ) -> None:
        """``mode``: where to cut; None: by the text (:func:`elide_mode`)."""
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setText(text)

    def text(self) -> str:  # type: ignore[override]
        return self._full

    def setText(self, text: str) -> None:  # type: ignore[override]
        self._full = text
        self.setToolTip(text)
        self.setAccessibleName(text)
        self._elide()
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        width = metrics.horizontalAdvance(self._full) + margins.left() + margins.right() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        # Room for a few letters and the ellipsis; the layout gives it more when it can.
        width = self.fontMetrics().horizontalAdvance("WO-0…")
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: object) -> None:
        super().changeEvent(event)  # type: ignore[arg-type]
        self._elide()  # the style sheet's font arrives after construction

    def _elide(self) -> None:
        room = self.contentsRect().width()
        mode = self._mode if self._mode is not None else elide_mode(self._full)
        shown = self.fontMetrics().elidedText(self._full, mode, room)
        if shown != super().text():
            super().setText(shown)
