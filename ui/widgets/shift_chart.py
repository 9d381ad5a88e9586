"""Good units today against plan: one big figure and a labelled bar per hour."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from PySide6.QtCore import QCoreApplication, QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.domain.quantities import fmt_qty
from kiosk.station import ShiftSummary
from ui.theme import Metrics, colour

#: Hours shown: this one and the ones before it.
HOURS = 8
ZERO = Decimal(0)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Shift", text)


class HourBars(QWidget):
    """A bar per hour of the shift so far, its hour under it and its count on it;
    the current hour outlined."""

    def __init__(self, metrics: Metrics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metrics = metrics
        self.summary: ShiftSummary | None = None
        self.setMinimumHeight(metrics.mm(18))
        self.setMinimumWidth(metrics.mm(36))
        self.setAccessibleName(_tr("Good units per hour today"))

    def hours(self) -> list[int]:
        now_hour = datetime.now().astimezone().hour
        return list(range(max(now_hour - HOURS + 1, 0), now_hour + 1))

    def set_summary(self, summary: ShiftSummary) -> None:
        self.summary = summary
        by_hour = dict(summary.by_hour)
        self.setAccessibleDescription(
            ", ".join(f"{h:02d}:00 {fmt_qty(by_hour.get(h, ZERO))}" for h in self.hours())
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), colour("surface"))
        hours = self.hours()
        now_hour = hours[-1]
        by_hour = dict(self.summary.by_hour) if self.summary else {}
        peak = max([float(v) for v in by_hour.values()] + [1.0])
        small = painter.font()  # the axis is read second: a smaller size leaves the bars room
        small.setPixelSize(max(round(small.pixelSize() * 0.8), 8))
        painter.setFont(small)
        fm = painter.fontMetrics()
        label_h = fm.height()
        slot = self.width() / max(len(hours), 1)
        base = self.height() - label_h - 2
        for i, hour in enumerate(hours):
            value = by_hour.get(hour, ZERO)
            h = round((base - label_h - 2) * float(value) / peak)
            left = round(i * slot + slot * 0.12)
            bar = QRect(left, base - h, round(slot * 0.76), h)
            painter.fillRect(bar, colour("in_progress"))
            if value:
                painter.setPen(colour("text"))
                above = QRect(round(i * slot), base - h - label_h, round(slot), label_h)
                painter.drawText(above, Qt.AlignmentFlag.AlignCenter, fmt_qty(value))
            if hour == now_hour:
                painter.setPen(QPen(colour("text"), 2))
                painter.drawRect(round(i * slot + slot * 0.06), 1, round(slot * 0.88), base - 1)
            # Every other hour is named (and the current one): two digits fit a slot.
            if (now_hour - hour) % 2 == 0:
                painter.setPen(colour("muted"))
                under = QRect(round(i * slot - slot / 2), base + 2, round(slot * 2), label_h)
                painter.drawText(under, Qt.AlignmentFlag.AlignCenter, f"{hour:02d}")
        painter.setPen(QPen(colour("line"), 2))
        painter.drawLine(0, base, self.width(), base)


class ShiftPanel(QWidget):
    """“Good today / 42 of 60” beside the hourly bars."""

    def __init__(self, metrics: Metrics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(_tr("Good today"))
        self.caption.setProperty("role", "muted")
        self.figure = QLabel()
        self.figure.setProperty("role", "title")
        self.figure.setAccessibleName(_tr("Good units today against plan"))
        words = QVBoxLayout()
        words.setContentsMargins(0, 0, 0, 0)
        words.setSpacing(0)
        words.addWidget(self.caption)
        words.addWidget(self.figure)
        self.bars = HourBars(metrics)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(metrics.gap)
        layout.addLayout(words)
        layout.addWidget(self.bars, 1)
        self.set_summary(None)

    def set_summary(self, summary: ShiftSummary | None) -> None:
        if summary is None:
            self.figure.setText("—")
            return
        self.figure.setText(_tr("%s of %s") % (fmt_qty(summary.done), fmt_qty(summary.planned)))
        self.bars.set_summary(summary)
