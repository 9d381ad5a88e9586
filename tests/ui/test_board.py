"""The board: model/view contract, in-place updates, filters, live refresh, scanning."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex

from kiosk.commands import CommandBus, RaiseHold, StartWorkOrder
from kiosk.commands.base import Actor
from kiosk.domain.enums import WoStatus
from ui.board.model import BoardFilter, BoardModel

from .conftest import settle


def test_board_model_passes_qt_model_tester(qtmodeltester, kiosk):
    rows = kiosk.controller.rows
    model = BoardModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    proxy = BoardFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)


def test_refresh_updates_rows_in_place_without_a_reset(qtbot, kiosk):
    rows = kiosk.controller.rows
    model = BoardModel()
    model.set_rows(rows)
    resets, changed, removed, inserted = [], [], [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, *_: changed.append(a.row()))
    model.rowsRemoved.connect(lambda p, a, b: removed.append((a, b)))
    model.rowsInserted.connect(lambda p, a, b: inserted.append((a, b)))
    edited = replace(rows[3], priority=1)
    fresh = [edited if r.id == edited.id else r for r in rows if r.id != rows[0].id]
    fresh.append(replace(rows[1], id="new-id", number="WO-999999"))
    model.set_rows(fresh)
    assert resets == []
    assert removed == [(0, 0)]
    assert changed == [2]  # rows[3] moved up one when rows[0] went
    assert inserted == [(len(rows) - 1, len(rows) - 1)]
    assert model.row_by_id(edited.id).priority == 1
    assert model.rowCount(QModelIndex()) == len(fresh)


def test_scope_status_and_search_filters(qtbot, kiosk):
    board = kiosk.window.board
    kiosk.window.show_board()
    station_rows = board.proxy.rowCount()
    assert station_rows == sum(1 for r in kiosk.controller.rows if r.workstation == "ASSY-1")
    board.scope_plant.click()
    assert board.proxy.rowCount() == len(kiosk.controller.rows)
    on_hold = board.chip_buttons[3]
    on_hold.click()
    assert {board.proxy.row(i).status for i in range(board.proxy.rowCount())} == {WoStatus.ON_HOLD}
    board.chip_buttons[0].click()
    board.search.setText("oak-panel")  # an input SKU
    shown = [board.proxy.row(i).number for i in range(board.proxy.rowCount())]
    assert shown
    assert all("OAK-PANEL" in board.proxy.row(i).input_skus for i in range(len(shown)))
    board.search.setText("TASK-CHAIR")  # an output SKU
    assert [board.proxy.row(i).output_skus for i in range(board.proxy.rowCount())] == [
        ("TASK-CHAIR",)
    ]
    board.search.setText("wo-000003")
    assert [board.proxy.row(i).number for i in range(board.proxy.rowCount())] == ["WO-000003"]


def test_sorted_with_work_in_progress_first(qtbot, kiosk):
    board = kiosk.window.board
    board.scope_plant.click()
    statuses = [board.proxy.row(i).status for i in range(board.proxy.rowCount())]
    assert statuses[0] == WoStatus.IN_PROGRESS
    assert statuses.index(WoStatus.COMPLETED) > statuses.index(WoStatus.READY)


def test_board_updates_when_someone_else_changes_the_store(qtbot, kiosk):
    board = kiosk.window.board
    row = next(r for r in kiosk.controller.rows if r.status == WoStatus.READY)
    bus = CommandBus(kiosk.station.engine)
    bus.execute(StartWorkOrder(work_order_id=row.id, actor=Actor(badge="1002")))
    bus.execute(RaiseHold(work_order_id=row.id, reason="tooling", actor=Actor(badge="1002")))
    kiosk.controller.poll()
    settle(qtbot, kiosk)
    updated = board.model.row_by_id(row.id)
    assert updated.status == WoStatus.ON_HOLD
    assert updated.hold_reason == "tooling"


def test_scanning_a_traveler_opens_the_work_order(qtbot, kiosk):
    kiosk.window.show_board()
    kiosk.window.board.table.setFocus()
    qtbot.keyClicks(kiosk.window.board.table, "WO-000007")
    qtbot.keyClick(kiosk.window.board.table, "\r")
    settle(qtbot, kiosk)
    assert kiosk.window.stack.currentWidget() is kiosk.window.detail
    assert kiosk.window.detail.wo.number == "WO-000007"


def test_tapping_a_row_opens_its_detail(qtbot, kiosk):
    board = kiosk.window.board
    kiosk.window.show_board()
    index = board.proxy.index(0, 1)
    board.table.clicked.emit(index)
    settle(qtbot, kiosk)
    assert kiosk.window.detail.wo.id == board.proxy.row(0).id
