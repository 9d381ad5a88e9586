"""The board screen: this workstation's work orders (or the plant's), filters, shift panel."""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScroller,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.enums import WoStatus
from kiosk.station import BoardRow
from ui.board.delegate import BoardDelegate
from ui.board.model import BoardModel, Col, headers
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton, icon_button
from ui.widgets.shift_chart import ShiftPanel
from ui.widgets.touch_field import TouchField


def _tr(text: str) -> str:
    return QCoreApplication.translate("Board", text)


#: The status chips: label → statuses shown (empty = everything open or done).
def status_filters() -> list[tuple[str, frozenset[WoStatus]]]:
    return [
        (_tr("All"), frozenset()),
        (_tr("In progress"), frozenset({WoStatus.IN_PROGRESS})),
        (_tr("Ready"), frozenset({WoStatus.READY})),
        (_tr("On hold"), frozenset({WoStatus.ON_HOLD})),
        (_tr("Blocked"), frozenset({WoStatus.BLOCKED, WoStatus.DRAFT})),
        (_tr("Done"), frozenset({WoStatus.COMPLETED, WoStatus.CANCELLED})),
    ]


class BoardScreen(QWidget):
    open_work_order = Signal(str)
    #: The search field was tapped: the window opens the touch keyboard (text so far).
    search_requested = Signal(str)

    def __init__(self, metrics: Metrics, workstation: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.metrics = metrics
        self.workstation = workstation
        self.model = BoardModel(self)

        gap = metrics.gap
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap, gap, gap, gap)
        layout.setSpacing(gap)
        self._layout = layout

        top = QHBoxLayout()
        top.setSpacing(gap)
        self.scope_station = TouchButton(_tr("This station"), checkable=True)
        self.scope_plant = TouchButton(_tr("Whole plant"), checkable=True)
        scope = QButtonGroup(self)
        for button in (self.scope_station, self.scope_plant):
            # Never narrower than their words; the search box gives way instead.
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            scope.addButton(button)
            top.addWidget(button)
        self.set_home_workstation(workstation)
        self.scope_station.clicked.connect(lambda: self.model.set_workstation(self.workstation))
        self.scope_plant.clicked.connect(lambda: self.model.set_workstation(None))
        # Typed on our touch keyboard; it never takes the keyboard focus (a scan would
        # land in it).
        self.search = TouchField(_tr("Search number, name or SKU"))
        self.search.setAccessibleName(_tr("Search work orders"))
        self.search.textChanged.connect(self.model.set_search)
        self.search.tapped.connect(lambda: self.search_requested.emit(self.search.text()))
        top.addWidget(self.search, 1)
        self.clear_search = icon_button("clear", _tr("Clear the search"), size=metrics.mm(7))
        self.clear_search.clicked.connect(self.search.clear)
        self.clear_search.hide()
        self.search.textChanged.connect(lambda text: self.clear_search.setVisible(bool(text)))
        top.addWidget(self.clear_search)
        self.shift = ShiftPanel(metrics)
        top.addWidget(self.shift, 1)
        layout.addLayout(top)

        chips = QHBoxLayout()
        chips.setSpacing(gap)
        self.chips = QButtonGroup(self)
        self.chip_buttons: list[TouchButton] = []
        for label, statuses in status_filters():
            chip = TouchButton(label, checkable=True)
            chip.setProperty("chip", True)
            chip.clicked.connect(lambda _=False, s=statuses: self.model.set_statuses(s))
            self.chips.addButton(chip)
            self.chip_buttons.append(chip)
            chips.addWidget(chip)
        self.chip_buttons[0].setChecked(True)
        chips.addStretch(1)
        self.count = QLabel()
        self.count.setProperty("role", "muted")
        chips.addWidget(self.count)
        layout.addLayout(chips)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(BoardDelegate(metrics, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setShowGrid(False)
        self.table.setWordWrap(True)
        self.table.setAccessibleName(_tr("Work orders"))
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no type-to-find: keys are scans
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(metrics.mm(17))
        header = self.table.horizontalHeader()
        header.setSectionsClickable(False)
        self._size_columns()
        header.setSectionResizeMode(Col.NAME, QHeaderView.ResizeMode.Stretch)
        QScroller.grabGesture(
            self.table.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        self.table.clicked.connect(self._clicked)
        layout.addWidget(self.table, 1)

        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(self._update_count)
        self.model.layoutChanged.connect(self._update_count)

    def set_home_workstation(self, workstation: str | None) -> None:
        """The workstation this kiosk stands at (None: none, the whole plant only)."""
        self.workstation = workstation
        self.model.set_workstation(workstation)
        self.scope_station.setChecked(workstation is not None)
        self.scope_plant.setChecked(workstation is None)
        self.scope_station.setEnabled(workstation is not None)

    def _size_columns(self) -> None:
        """Columns as wide as their header or a typical value in the kiosk's bold font;
        the name takes what is left (on a 10-inch tablet, about a third)."""
        font = QFont(self.font())
        font.setBold(True)
        fm = QFontMetrics(font)
        samples = {
            Col.NUMBER: "WO-000000",
            Col.PROGRESS: "999 / 999",
            Col.STATUS: "In progress",
            Col.SCHEDULED: "24 Nov",
            Col.PRIORITY: "9",
        }
        labels = headers()
        header = self.table.horizontalHeader()
        pad = self.metrics.mm(4)
        for col, sample in samples.items():
            width = max(fm.horizontalAdvance(sample), fm.horizontalAdvance(labels[col]))
            if col == Col.STATUS:  # the badge has margins of its own; a hold reason under it
                plain = QFontMetrics(self.font())
                under = plain.horizontalAdvance("Machine down") + self.metrics.mm(2)
                width = max(width + self.metrics.mm(3), under)
            if col == Col.NUMBER:  # room for the amber stripe of an unlinked order
                width += self.metrics.mm(2.5)
            header.resizeSection(col, width + pad)

    def show_notice(self, notice: QWidget) -> None:
        """A strip above the filters (a revoked kiosk's); the table gives up the room."""
        self._layout.insertWidget(0, notice)

    def set_rows(self, rows: list[BoardRow]) -> None:
        self.model.set_rows(rows)
        self._update_count()

    def update_rows(self, rows: list[BoardRow], gone: Collection[str]) -> None:
        self.model.update_rows(rows, gone)
        self._update_count()

    def _update_count(self, *args: object) -> None:
        self.count.setText(_tr("%d of %d shown") % (self.model.rowCount(), self.model.total))

    def _clicked(self, index: QModelIndex) -> None:
        self.open_work_order.emit(self.model.row(index.row()).id)
