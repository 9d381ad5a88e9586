"""Paints board cells: progress bars, status badges, materials and the unlinked marker."""

from __future__ import annotations

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
)
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from kiosk.station import BoardRow
from ui.board.model import ROW_ROLE, Col, hold_text, materials_text, progress_text
from ui.theme import Metrics, colour
from ui.widgets.elided import elide_mode
from ui.widgets.status import status_colours, status_text

Index = QModelIndex | QPersistentModelIndex

_ALIGN_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_WRAP = int(_ALIGN_LEFT) | int(Qt.TextFlag.TextWordWrap)


class BoardDelegate(QStyledItemDelegate):
    def __init__(self, metrics: Metrics, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.metrics = metrics

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row: BoardRow = index.data(ROW_ROLE)
        rect: QRect = option.rect
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(rect, colour("selection" if selected else "surface"))
        pad = self.metrics.mm(2)
        inner = rect.adjusted(pad, pad // 2, -pad, -pad // 2)
        col = index.column()
        font = option.font
        painter.setFont(font)
        painter.setPen(colour("text"))
        if col == Col.NUMBER:
            self._number(painter, inner, rect, row)
        elif col == Col.PROGRESS:
            self._progress(painter, inner, row)
        elif col == Col.STATUS:
            self._status(painter, inner, row)
        else:
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            if col == Col.NAME:
                bold = painter.font()
                bold.setBold(True)
                first, _, rest = text.partition("\n")
                painter.setFont(bold)
                top = inner.adjusted(0, 0, 0, -inner.height() // 2)
                # A name ending in the order it is for is cut in the middle.
                painter.drawText(
                    top,
                    _ALIGN_LEFT,
                    _elide(painter, first, top.width(), elide_mode(first)),
                )
                painter.setFont(font)
                painter.setPen(colour("muted"))
                bottom = inner.adjusted(0, inner.height() // 2, 0, 0)
                painter.drawText(bottom, _ALIGN_LEFT, _elide(painter, rest, bottom.width()))
            else:
                painter.drawText(inner, _WRAP, text)
        painter.setPen(QPen(colour("line"), 1))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.restore()

    def _number(self, painter: QPainter, inner: QRect, rect: QRect, row: BoardRow) -> None:
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        if not row.unlinked:
            painter.drawText(inner, _ALIGN_LEFT, row.number)
            return
        stripe = self.metrics.mm(2.5)
        painter.fillRect(QRect(rect.left(), rect.top(), stripe, rect.height()), colour("amber"))
        top = inner.adjusted(stripe, 0, 0, -inner.height() // 2)
        painter.drawText(top, _ALIGN_LEFT, row.number)
        tag = inner.adjusted(stripe, inner.height() // 2, 0, 0)
        label = QCoreApplication.translate("Board", "Unlinked")
        width = painter.fontMetrics().horizontalAdvance(label) + self.metrics.mm(3)
        tag.setWidth(min(width, tag.width()))
        painter.fillRect(tag, colour("amber"))
        painter.setPen(colour("on_amber"))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)

    def _progress(self, painter: QPainter, inner: QRect, row: BoardRow) -> None:
        text_rect = inner.adjusted(0, 0, 0, -inner.height() // 2)
        painter.drawText(text_rect, _ALIGN_LEFT, progress_text(row))
        bar = inner.adjusted(0, inner.height() // 2 + self.metrics.mm(1), 0, -self.metrics.mm(1))
        painter.setPen(QPen(colour("line"), 2))
        painter.fillRect(bar, colour("bg"))
        painter.drawRect(bar)
        if row.qty_planned > 0:
            share = min(float(row.qty_done / row.qty_planned), 1.0)
            filled = QRect(bar.left(), bar.top(), round(bar.width() * share), bar.height())
            painter.fillRect(filled, colour("ok"))

    def _status(self, painter: QPainter, inner: QRect, row: BoardRow) -> None:
        """The badge in the upper half; the hold reason or the materials line under it."""
        bg, fg = status_colours(row.status)
        badge = inner.adjusted(0, 0, 0, -inner.height() * 2 // 5)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(badge, self.metrics.mm(1.5), self.metrics.mm(1.5))
        painter.setPen(fg)
        font = painter.font()
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(
            badge.adjusted(self.metrics.mm(1), 0, -self.metrics.mm(1), 0),
            Qt.AlignmentFlag.AlignCenter,
            status_text(row.status, row.closed_short),
        )
        below = inner.adjusted(0, inner.height() * 3 // 5, 0, 0)
        hold = hold_text(row)
        if hold:
            painter.setFont(font)
            painter.setPen(colour("text"))
            painter.drawText(below, _ALIGN_LEFT, _elide(painter, hold, below.width()))
            return
        text = materials_text(row)
        if not text:
            return
        if row.short_skus:
            # Under a red "Blocked" the warning sign says "short"; the room goes to what.
            painter.setPen(colour("bad"))
            more = len(row.short_skus) - 1
            text = "⚠ " + row.short_skus[0] + (f" +{more}" if more else "")
        else:
            painter.setFont(font)
            painter.setPen(colour("ok"))
            text = "✔ " + text
        painter.drawText(below, _ALIGN_LEFT, _elide(painter, text, below.width()))


def _elide(
    painter: QPainter, text: str, width: int, mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight
) -> str:
    return painter.fontMetrics().elidedText(text, mode, width)
