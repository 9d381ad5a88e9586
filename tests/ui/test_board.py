"""The board: model/view contract, in-place updates, filters, live refresh, scanning."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, QPersistentModelIndex

from kiosk.commands import CommandBus, RaiseHold, StartWorkOrder
from kiosk.commands.base import Actor
from kiosk.domain.enums import WoStatus
from ui.board.model import BoardModel

from .conftest import settle


def test_board_model_passes_qt_model_tester(qtmodeltester, kiosk):
    rows = kiosk.controller.rows
    model = BoardModel()
    qtmodeltester.check(model, force_py=True)
    model.set_rows(rows)
    model.set_search("stool")
    model.set_rows([replace(r, priority=1, fingerprint=r.fingerprint + 1) for r in rows[:4]])
    model.set_search("")
    model.set_rows(rows)
    assert model.rowCount() == len(rows)


def test_refresh_updates_rows_in_place_without_a_reset(qtbot, kiosk):
    rows = kiosk.controller.rows
    model = BoardModel()
    model.set_rows(rows)
    resets, changed, removed, inserted, moved = [], [], [], [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, *_: changed.append(model.row(a.row()).id))
    model.rowsRemoved.connect(lambda p, a, b: removed.append((a, b)))
    model.rowsInserted.connect(lambda p, a, b: inserted.append(model.row(a).number))
    model.rowsMoved.connect(lambda *_: moved.append(1))
    # Same place in the order, new figures: only that row changes.
    edited = replace(rows[3], qty_done=rows[3].qty_done + 1, fingerprint=rows[3].fingerprint + 1)
    gone = model.row(0)
    fresh = [edited if r.id == edited.id else r for r in rows if r.id != gone.id]
    fresh.append(replace(rows[1], id="new-id", number="WO-999999", fingerprint=7))
    model.set_rows(fresh)
    assert resets == []
    assert removed == [(0, 0)]
    assert changed == [edited.id]
    assert inserted == ["WO-999999"]
    assert model.row_by_id(edited.id).qty_done == edited.qty_done
    assert model.rowCount(QModelIndex()) == len(fresh)
    # A priority change moves the row; a selection follows it.
    late = next(r for r in rows if r.number == "WO-000008")  # in progress, after WO-000002
    selected = QPersistentModelIndex(model.index(model.position_of(late.id), 0))
    urgent = replace(late, priority=1, fingerprint=late.fingerprint + 1)
    model.set_rows([urgent if r.id == urgent.id else r for r in fresh])
    assert moved == [1]
    assert model.row(selected.row()).id == urgent.id
    assert resets == []


def test_scope_status_and_search_filters(qtbot, kiosk):
    board = kiosk.window.board
    kiosk.window.show_board()
    station_rows = board.model.rowCount()
    assert station_rows == sum(1 for r in kiosk.controller.rows if r.workstation == "ASSY-1")
    board.scope_plant.click()
    assert board.model.rowCount() == len(kiosk.controller.rows)
    on_hold = board.chip_buttons[3]
    on_hold.click()
    assert {board.model.row(i).status for i in range(board.model.rowCount())} == {WoStatus.ON_HOLD}
    board.chip_buttons[0].click()
    board.search.setText("oak-panel")  # an input SKU
    shown = [board.model.row(i).number for i in range(board.model.rowCount())]
    assert shown
    assert all("OAK-PANEL" in board.model.row(i).input_skus for i in range(len(shown)))
    board.search.setText("TASK-CHAIR")  # an output SKU
    assert [board.model.row(i).output_skus for i in range(board.model.rowCount())] == [
        ("TASK-CHAIR",)
    ]
    board.search.setText("wo-000003")
    assert [board.model.row(i).number for i in range(board.model.rowCount())] == ["WO-000003"]


def test_sorted_with_work_in_progress_first(qtbot, kiosk):
    board = kiosk.window.board
    board.scope_plant.click()
    statuses = [board.model.row(i).status for i in range(board.model.rowCount())]
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
    index = board.model.index(0, 1)
    board.table.clicked.emit(index)
    settle(qtbot, kiosk)
    assert kiosk.window.detail.wo.id == board.model.row(0).id
