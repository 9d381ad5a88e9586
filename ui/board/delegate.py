"""Paints board cells: progress bars, status badges, materials and the unlinked marker."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from kiosk.station import BoardRow
from ui.board.model import ROW_ROLE, Col, materials_text, progress_text, status_cell
from ui.theme import Metrics, colour
from ui.widgets.status import status_colours

Index = QModelIndex | QPersistentModelIndex

_ALIGN_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_WRAP = int(_ALIGN_LEFT) | int(Qt.TextFlag.TextWordWrap)


class BoardDelegate(QStyledItemDelegate):
    def __init__(self, metrics: Metrics, parent: object = None) -> None:
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
        elif col == Col.MATERIALS:
            self._materials(painter, inner, row)
        else:
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            if col == Col.NAME:
                bold = painter.font()
                bold.setBold(True)
                first, _, rest = text.partition("\n")
                painter.setFont(bold)
                top = inner.adjusted(0, 0, 0, -inner.height() // 2)
                painter.drawText(top, _ALIGN_LEFT, _elide(painter, first, top.width()))
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
            share = float(min(row.qty_done / row.qty_planned, 1))
            filled = QRect(bar.left(), bar.top(), round(bar.width() * share), bar.height())
            painter.fillRect(filled, colour("ok"))

    def _status(self, painter: QPainter, inner: QRect, row: BoardRow) -> None:
        bg, fg = status_colours(row.status)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(inner, self.metrics.mm(1.5), self.metrics.mm(1.5))
        painter.setPen(fg)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        text = status_cell(row)
        painter.drawText(
            inner.adjusted(self.metrics.mm(1.5), 0, -self.metrics.mm(1.5), 0),
            int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
            text,
        )

    def _materials(self, painter: QPainter, inner: QRect, row: BoardRow) -> None:
        text = materials_text(row)
        if row.short_skus:
            painter.setPen(colour("bad"))
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            text = "⚠ " + text
        elif text and text != "—":
            painter.setPen(colour("ok"))
            text = "✔ " + text
        painter.drawText(inner, _WRAP, text)


def _elide(painter: QPainter, text: str, width: int) -> str:
    return painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width)
