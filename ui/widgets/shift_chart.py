"""Units done today against plan: one big figure and a bar per hour, readable at a glance."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from kiosk.domain.quantities import fmt_qty
from kiosk.station import ShiftSummary
from ui.theme import Metrics, colour


class HourBars(QWidget):
    """Bars for the hours of the shift so far; the current hour outlined."""

    def __init__(self, metrics: Metrics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metrics = metrics
        self.summary: ShiftSummary | None = None
        self.setMinimumHeight(metrics.mm(12))
        self.setMinimumWidth(metrics.mm(35))
        self.setAccessibleName(QCoreApplication.translate("Shift", "Units per hour today"))

    def set_summary(self, summary: ShiftSummary) -> None:
        self.summary = summary
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), colour("surface"))
        now_hour = datetime.now().astimezone().hour
        hours = list(range(max(now_hour - 9, 0), now_hour + 1))
        by_hour = dict(self.summary.by_hour) if self.summary else {}
        peak = max([float(v) for v in by_hour.values()] + [1.0])
        slot = self.width() / max(len(hours), 1)
        base = self.height() - 1
        for i, hour in enumerate(hours):
            value = float(by_hour.get(hour, 0))
            h = round((self.height() - 4) * value / peak)
            bar = QRect(round(i * slot + slot * 0.15), base - h, round(slot * 0.7), h)
            painter.fillRect(bar, colour("in_progress"))
            if hour == now_hour:
                painter.setPen(QPen(colour("text"), 2))
                painter.drawRect(round(i * slot + slot * 0.1), 1, round(slot * 0.8), base - 1)
        painter.setPen(QPen(colour("line"), 2))
        painter.drawLine(0, base, self.width(), base)


class ShiftPanel(QWidget):
    """“Today: 42 of 60” beside the hourly bars."""

    def __init__(self, metrics: Metrics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = QLabel()
        self.figure.setProperty("role", "title")
        self.figure.setWordWrap(True)  # two short lines rather than squeeze the filters
        self.figure.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        self.bars = HourBars(metrics)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(metrics.gap)
        layout.addWidget(self.figure)
        layout.addWidget(self.bars, 1)
        self.set_summary(None)

    def set_summary(self, summary: ShiftSummary | None) -> None:
        if summary is None:
            self.figure.setText(QCoreApplication.translate("Shift", "Today: —"))
            return
        self.figure.setText(
            QCoreApplication.translate("Shift", "Today: %s of %s units")
            % (fmt_qty(summary.done), fmt_qty(summary.planned))
        )
        self.bars.set_summary(summary)
