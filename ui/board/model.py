"""The board's Qt model over frozen ``BoardRow`` objects, updated in place by id."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from kiosk.domain.enums import HoldReason, WoStatus
from kiosk.domain.quantities import fmt_qty
from kiosk.station import BoardRow
from ui.widgets.status import status_text

Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1

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
    #: The status badge, and under it the hold reason or what the materials are doing
    #: (one column: a 10-inch tablet has no width for two).
    STATUS = 3
    SCHEDULED = 4
    PRIORITY = 5


def _tr(text: str) -> str:
    return QCoreApplication.translate("Board", text)


def headers() -> list[str]:
    return [
        _tr("Number"),
        _tr("Work order"),
        _tr("Done"),
        _tr("Status"),
        _tr("Due"),
        _tr("Prio."),
    ]


def materials_text(row: BoardRow) -> str:
    """What the materials are doing, where it matters ("" where it does not)."""
    if row.status.is_terminal or not row.has_materials:
        return ""
    if row.short_skus:
        return _tr("Short: %s") % ", ".join(row.short_skus)
    if row.status in (WoStatus.DRAFT, WoStatus.BLOCKED):
        return _tr("In stock")
    return _tr("Reserved")


def hold_text(row: BoardRow) -> str:
    return HoldReason(row.hold_reason).label if row.hold_reason in _HOLD_REASONS else ""


_HOLD_REASONS = {r.value for r in HoldReason}


def status_cell(row: BoardRow) -> str:
    """The status in words, then the hold reason or the materials line under it."""
    below = hold_text(row) or materials_text(row)
    text = status_text(row.status, row.closed_short)
    return f"{text}\n{below}" if below else text


def progress_text(row: BoardRow) -> str:
    return f"{fmt_qty(row.qty_done)} / {fmt_qty(row.qty_planned)}"


def scheduled_text(at: datetime | None, now: datetime | None = None) -> str:
    """The day it is due ("24 Nov"), or the time when that is today."""
    if at is None:
        return "—"
    local = at.astimezone()
    today = (now or datetime.now().astimezone()).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d %b")


def sort_key(row: BoardRow) -> tuple[Any, ...]:
    scheduled = row.scheduled_at.timestamp() if row.scheduled_at else float("inf")
    return (_STATUS_ORDER[row.status], row.priority, scheduled, row.number)


class BoardModel(QAbstractTableModel):
    """The visible rows, filtered and sorted in Python, keyed by work-order id.

    A refresh emits dataChanged for changed rows and insert/remove/move for rows
    that come, go or change place — never a reset, so selection and scroll
    position survive. Filtering and sorting here (not in a QSortFilterProxyModel)
    keeps Qt from calling back into Python for every comparison at 5,000 rows.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: dict[str, BoardRow] = {}
        self._rows: list[BoardRow] = []
        self._sort_keys: list[tuple[Any, ...]] = []
        #: Every row in board order, kept between keystrokes (None: re-sort on next use).
        self._ordered: list[BoardRow] | None = None
        self._keys: dict[str, tuple[int, tuple[Any, ...]]] = {}
        self._headers = headers()
        self.workstation: str | None = None
        self.statuses: frozenset[WoStatus] = frozenset()
        self.needle = ""

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
        return None

    @staticmethod
    def _display(row: BoardRow, col: int) -> str:
        if col == Col.NUMBER:
            return row.number + (" " + _tr("Unlinked") if row.unlinked else "")
        if col == Col.NAME:
            return f"{row.name}\n{row.product}" if row.product else row.name
        if col == Col.PROGRESS:
            return progress_text(row)
        if col == Col.STATUS:
            return status_cell(row)
        if col == Col.SCHEDULED:
            return scheduled_text(row.scheduled_at)
        return str(row.priority)

    # -- reading
    def row(self, visible_row: int) -> BoardRow:
        return self._rows[visible_row]

    def row_by_id(self, wo_id: str) -> BoardRow | None:
        return self._all.get(wo_id)

    @property
    def total(self) -> int:
        return len(self._all)

    # -- filters
    def set_workstation(self, workstation: str | None) -> None:
        self.workstation = workstation
        self._refilter()

    def set_statuses(self, statuses: frozenset[WoStatus]) -> None:
        self.statuses = statuses
        self._refilter()

    def set_search(self, text: str) -> None:
        self.needle = text.strip().lower()
        self._refilter()

    def _accepts(self, row: BoardRow) -> bool:
        if self.workstation is not None and not row.is_at(self.workstation):
            return False
        if self.statuses and row.status not in self.statuses:
            return False
        return not self.needle or self.needle in row.haystack

    def _key(self, row: BoardRow) -> tuple[Any, ...]:
        cached = self._keys.get(row.id)
        if cached is None or cached[0] != row.fingerprint:
            cached = (row.fingerprint, sort_key(row))
            self._keys[row.id] = cached
        return cached[1]

    def _refilter(self) -> None:
        """A new filter shows a different list: a reset is right (and cheap) here.

        All rows stay sorted between keystrokes, so a keystroke is one pass of the
        filter over an already ordered list.
        """
        if self._ordered is None:
            self._ordered = sorted(self._all.values(), key=self._key)
        accepts, keys = self._accepts, self._keys
        self.beginResetModel()
        self._rows = [r for r in self._ordered if accepts(r)]
        self._sort_keys = [keys[r.id][1] for r in self._rows]
        self.endResetModel()

    def _position(self, row: BoardRow) -> int | None:
        """Where ``row`` (as last shown) sits in the visible list, if it is shown."""
        i = bisect_left(self._sort_keys, self._key(row))
        if i < len(self._rows) and self._rows[i].id == row.id:
            return i
        return None

    # -- updates
    def set_rows(self, rows: list[BoardRow]) -> None:
        """Apply a fresh read in place: only rows whose fingerprint changed are touched.

        Each changed row is updated where it stands (dataChanged), moved to its new
        place in the order, inserted or removed — never a reset, so selection and
        scroll position survive.
        """
        old_all = self._all
        self._all = {r.id: r for r in rows}
        if not old_all:
            self._ordered = None
            self._refilter()  # the first fill
            return
        for wo_id in old_all.keys() - self._all.keys():
            self._ordered = None
            self._remove(old_all[wo_id])
            self._keys.pop(wo_id, None)
        for row in rows:
            old = old_all.get(row.id)
            if old is None or old.fingerprint != row.fingerprint:
                self._ordered = None
                self._place(old, row)

    def update_rows(self, rows: list[BoardRow], gone: Collection[str] = ()) -> None:
        """Apply a change summary's follow-up read: ``rows`` are the lines it named
        (new or changed), ``gone`` the ids that no longer exist. Only those move."""
        for wo_id in gone:
            old = self._all.pop(wo_id, None)
            if old is not None:
                self._ordered = None
                self._remove(old)
                self._keys.pop(wo_id, None)
        for row in rows:
            old = self._all.get(row.id)
            if old is None or old.fingerprint != row.fingerprint:
                self._all[row.id] = row
                self._ordered = None
                self._place(old, row)

    def _remove(self, old: BoardRow) -> None:
        i = self._position(old)
        if i is not None:
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._rows[i]
            del self._sort_keys[i]
            self.endRemoveRows()

    def _place(self, old: BoardRow | None, row: BoardRow) -> None:
        i = self._position(old) if old is not None else None
        if not self._accepts(row):
            if old is not None:
                self._remove(old)
            return
        key = self._key(row)
        if i is None:
            j = bisect_left(self._sort_keys, key)
            self.beginInsertRows(QModelIndex(), j, j)
            self._rows.insert(j, row)
            self._sort_keys.insert(j, key)
            self.endInsertRows()
            return
        j = bisect_left(self._sort_keys, key)
        if j > i:
            j -= 1  # the row leaves position i first
        if j != i:
            # Qt's destination is counted before the move: one past j when moving down.
            self.beginMoveRows(QModelIndex(), i, i, QModelIndex(), j if j < i else j + 1)
            del self._rows[i]
            del self._sort_keys[i]
            self._rows.insert(j, row)
            self._sort_keys.insert(j, key)
            self.endMoveRows()
        else:
            self._rows[i] = row
            self._sort_keys[i] = key
        self.dataChanged.emit(self.index(j, 0), self.index(j, len(Col) - 1))

    def position_of(self, wo_id: str) -> int | None:
        row = self._all.get(wo_id)
        return None if row is None else self._position(row)
