"""The board's Qt model over frozen ``BoardRow`` objects, updated in place by id."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from kiosk.domain.enums import WoStatus
from kiosk.domain.quantities import fmt_qty
from kiosk.station import BoardRow
from ui.widgets.status import status_text

Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

# Open work first, in the order operators take them up.
_STATUS_ORDER = {
    WoStatus.IN_PROGRESS: 0,
    WoStatus.ON_HOLD: 1,
    WoStatus.READY: 2,
    WoStatus.BLOCKED: 3,
    WoStatus.DRAFT: 4,
    WoStatus.COMPLETED: 5,
    WoStatus.CANCELLED: 6,
}


class Col(IntEnum):
    NUMBER = 0
    NAME = 1
    PROGRESS = 2
    STATUS = 3
    MATERIALS = 4
    SCHEDULED = 5
    PRIORITY = 6


def _tr(text: str) -> str:
    return QCoreApplication.translate("Board", text)


def headers() -> list[str]:
    return [
        _tr("Number"),
        _tr("Work order"),
        _tr("Done"),
        _tr("Status"),
        _tr("Materials"),
        _tr("Due"),
        _tr("Prio."),
    ]


def materials_text(row: BoardRow) -> str:
    if row.status.is_terminal or not row.has_materials:
        return "—" if not row.has_materials else ""
    if row.short_skus:
        return _tr("Short: %s") % ", ".join(row.short_skus)
    if row.status in (WoStatus.DRAFT, WoStatus.BLOCKED):
        return _tr("Available")
    return _tr("All reserved")


def status_cell(row: BoardRow) -> str:
    text = status_text(row.status)
    if row.hold_reason:
        text += "\n" + row.hold_reason.replace("_", " ")
    return text


def progress_text(row: BoardRow) -> str:
    return f"{fmt_qty(row.qty_done)} / {fmt_qty(row.qty_planned)}"


def scheduled_text(at: datetime | None) -> str:
    if at is None:
        return "—"
    return at.astimezone().strftime("%d %b %H:%M")


def sort_key(row: BoardRow) -> tuple[Any, ...]:
    scheduled = row.scheduled_at.timestamp() if row.scheduled_at else float("inf")
    return (_STATUS_ORDER[row.status], row.priority, scheduled, row.number)


class BoardModel(QAbstractTableModel):
    """Rows keyed by work-order id: a refresh emits dataChanged/insert/remove, never a reset."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[BoardRow] = []
        self._index: dict[str, int] = {}
        self._rank: dict[str, int] = {}
        self._headers = headers()

    # -- Qt API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Col)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.AccessibleTextRole:
            return self._display(row, col)
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return self._rank.get(row.id, 0)
        return None

    @staticmethod
    def _display(row: BoardRow, col: int) -> str:
        if col == Col.NUMBER:
            return row.number
        if col == Col.NAME:
            return f"{row.name}\n{row.product}" if row.product else row.name
        if col == Col.PROGRESS:
            return progress_text(row)
        if col == Col.STATUS:
            return status_cell(row)
        if col == Col.MATERIALS:
            return materials_text(row)
        if col == Col.SCHEDULED:
            return scheduled_text(row.scheduled_at)
        return str(row.priority)

    # -- updates
    def row(self, source_row: int) -> BoardRow:
        return self._rows[source_row]

    def row_by_id(self, wo_id: str) -> BoardRow | None:
        i = self._index.get(wo_id)
        return None if i is None else self._rows[i]

    def set_rows(self, rows: list[BoardRow]) -> None:
        """Apply a fresh read: remove gone rows, update changed ones, append new ones."""
        new = {r.id: r for r in rows}
        gone = sorted((i for i, r in enumerate(self._rows) if r.id not in new), reverse=True)
        for first, last in _runs(gone):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
        self._reindex()
        self._rank = {r.id: i for i, r in enumerate(sorted(rows, key=sort_key))}
        last_col = len(Col) - 1
        for i, old in enumerate(self._rows):
            fresh = new[old.id]
            if fresh != old:
                self._rows[i] = fresh
                self.dataChanged.emit(self.index(i, 0), self.index(i, last_col))
        added = [r for r in rows if r.id not in self._index]
        if added:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()
        self._reindex()

    def _reindex(self) -> None:
        self._index = {r.id: i for i, r in enumerate(self._rows)}


def _runs(descending: list[int]) -> list[tuple[int, int]]:
    """Contiguous (first, last) blocks of row numbers given in descending order."""
    runs: list[tuple[int, int]] = []
    for i in descending:
        if runs and runs[-1][0] == i + 1:
            runs[-1] = (i, runs[-1][1])
        else:
            runs.append((i, i))
    return runs


class BoardFilter(QSortFilterProxyModel):
    """Workstation scope, status chips and the search box; sorted by the model's rank."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.workstation: str | None = None
        self.statuses: frozenset[WoStatus] = frozenset()
        self.needle = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_workstation(self, workstation: str | None) -> None:
        self.beginFilterChange()
        self.workstation = workstation
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_statuses(self, statuses: frozenset[WoStatus]) -> None:
        self.beginFilterChange()
        self.statuses = statuses
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self.needle = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row: BoardRow = self.sourceModel().row(source_row)  # type: ignore[attr-defined]
        if self.workstation is not None and row.workstation != self.workstation:
            return False
        if self.statuses and row.status not in self.statuses:
            return False
        return not self.needle or self.needle in row.haystack

    def row(self, proxy_row: int) -> BoardRow:
        return self.data(self.index(proxy_row, 0), ROW_ROLE)
