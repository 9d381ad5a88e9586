"""A sub-assembly's step on the kiosk: the desk's frame is welded at WELD-1 (demo plant).

The welding station's board lists the desk's work order (assigned to ASSY-2) while the
frame's steps are still to do, and the detail names the station of each step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.station import Station
from kiosk.store.engine import make_engine
from ui.board.model import BoardModel
from ui.detail.sections import Sections, steps_summary

from .conftest import OFFSCREEN


def test_the_welding_board_and_the_detail_show_the_frames_steps(qapp, store_url):
    engine = make_engine(store_url)
    try:
        station = Station(engine, "WELD-1", "test-kiosk")
        model = BoardModel()
        model.set_rows(station.board())
        model.set_workstation("WELD-1")
        shown = {model.row(i).number: model.row(i) for i in range(model.rowCount())}
        assert "WO-000007" in shown
        assert shown["WO-000007"].workstation == "ASSY-2"

        wo = station.work_order_by_number("WO-000007")
        assert steps_summary(wo).startswith(
            "Next step: <b>Desk frame, welded: Cut and weld</b> at WELD-1 — "
        )
        sections = Sections(OFFSCREEN)
        sections.fill(wo, [])
        steps = sections.steps
        header = [
            steps.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            for c in range(steps.columnCount())
        ]
        station_col = header.index("Station")
        assert [steps.data(steps.index(r, station_col)) for r in range(steps.rowCount())] == [
            "WELD-1",
            "WELD-1",
            "ASSY-2",
            "ASSY-2",
        ]
        station.close()
    finally:
        engine.dispose()
