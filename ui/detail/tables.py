"""A small read-only table model over frozen records, and a touch-styled view for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QScroller,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.theme import Metrics

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    text: Callable[[T], str]
    #: Optional text colour for the cell (e.g. red for a shortage).
    colour: Callable[[T], QColor | None] | None = None


class RecordModel(QAbstractTableModel, Generic[T]):
    def __init__(self, columns: Sequence[Column[T]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.records: list[T] = []

    def set_records(self, records: Sequence[T]) -> None:
        if len(records) == len(self.records):
            self.records = list(records)
            if records:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(records) - 1, len(self.columns) - 1)
                )
            return
        self.beginResetModel()
        self.records = list(records)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self.records[index.row()]
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(record)
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            return column.colour(record)
        return None


class TransposedModel(QAbstractTableModel, Generic[T]):
    """Records as columns and their fields as rows: a work order's few items, each with
    five quantities, read down one column rather than squeezed across six."""

    def __init__(
        self,
        rows: Sequence[Column[T]],
        header: Callable[[T], str],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.all_fields = list(rows)
        self.fields = list(rows)
        self.header = header
        self.records: list[T] = []

    def set_records(self, records: Sequence[T], *, shown: Sequence[str] | None = None) -> None:
        """``shown``: the headers of the fields that matter for these records (all if None)."""
        self.beginResetModel()
        self.records = list(records)
        self.fields = [f for f in self.all_fields if shown is None or f.header in shown]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self.records else len(self.fields)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1 + len(self.records)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "" if section == 0 else self.header(self.records[section - 1])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        field = self.fields[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if index.column() == 0:
                return field.header
            return field.text(self.records[index.column() - 1])
        if role == Qt.ItemDataRole.ForegroundRole and field.colour and index.column():
            return field.colour(self.records[index.column() - 1])
        return None


def record_view(
    model: QAbstractTableModel, metrics: Metrics, name: str, max_rows: int = 0
) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the window keeps the keyboard (scanner)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setWordWrap(True)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.verticalHeader().setMinimumSectionSize(metrics.mm(11))
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    QScroller.grabGesture(view.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    if max_rows:
        model.modelReset.connect(lambda: _fit(view, max_rows))
        model.dataChanged.connect(lambda *_: _fit(view, max_rows))
        _fit(view, max_rows)
    return view


def _fit(view: QTableView, max_rows: int) -> None:
    """As tall as its rows (up to ``max_rows``), so short tables leave no empty boxes."""
    view.resizeRowsToContents()
    rows = min(view.model().rowCount(), max_rows)
    height = view.horizontalHeader().height() + 6
    height += (
        sum(view.rowHeight(r) for r in range(rows)) or view.verticalHeader().minimumSectionSize()
    )
    view.setFixedHeight(height)


def when(at: datetime | None) -> str:
    return "—" if at is None else at.astimezone().strftime("%d %b %H:%M")


def page(widgets: Sequence[QWidget], metrics: Metrics) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(metrics.gap)
    for widget in widgets:
        layout.addWidget(widget)
    return holder


def stretch() -> QWidget:
    """Takes the spare height at the bottom of a page."""
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
    return spacer
