"""Records say what happened, in words an operator uses: good units, names, units."""

from __future__ import annotations

from kiosk.commands import LogOutput, RecordQc
from ui.controller import local_midnight_utc

from .conftest import open_wo, settle

TOM = "1002"


def good_today(kiosk):
    return kiosk.station.shift(local_midnight_utc()).done


def test_the_shift_counts_good_units_not_scrap_and_not_what_waits_for_qc(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000002")  # chair bases, with QC, at WELD-1
    chairs = kiosk.window.detail.wo
    assert chairs.items[0].qc_required
    kiosk.station.workstation = "WELD-1"  # count the chairs' station
    actor = kiosk.station.actor(TOM)
    before = good_today(kiosk)
    kiosk.station.execute(LogOutput(work_order_id=chairs.id, qty=2, actor=actor))
    assert good_today(kiosk) == before  # built, not good yet: they wait for QC
    kiosk.station.execute(
        RecordQc(
            work_order_id=chairs.id,
            approved="1",
            failed="1",
            reason="Surface damage",
            category="Cosmetic",
            failed_action="scrap",
            actor=actor,
        )
    )
    assert good_today(kiosk) == before + 1  # the approved one; the scrapped one is not


def test_the_shift_panel_says_good_units_and_labels_its_hours(qtbot, kiosk):
    panel = kiosk.window.board.shift
    kiosk.controller.refresh()
    settle(qtbot, kiosk)
    assert panel.caption.text() == "Good today"
    assert " of " in panel.figure.text()
    hours = panel.bars.hours()
    assert f"{hours[-1]:02d}:00" in panel.bars.accessibleDescription()


def test_the_detail_names_people_and_says_what_an_order_is_for(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000003")  # on hold, raised by Aiko Tanaka (badge 1003)
    detail = kiosk.window.detail
    assert "raised by Aiko Tanaka" in detail.hold_banner.text()
    assert "1003" not in detail.hold_banner.text()
    assert "MTS" not in detail.subtitle.text()
    assert detail.subtitle.text().startswith("For stock")
    runs = detail.sections.runs
    operators = {runs.data(runs.index(r, 3)) for r in range(runs.rowCount())}
    assert operators
    assert all(name and not name.isdigit() for name in operators)
    states = {runs.data(runs.index(r, 4)) for r in range(runs.rowCount())}
    assert "Counted" not in states

    open_wo(qtbot, kiosk, "WO-000006")  # for sales order #1042
    assert detail.subtitle.text().startswith("For order #1042")
    links = detail.sections.links
    assert links.data(links.index(0, 1)) == "TASK-CHAIR"  # the product, not "l1"
    assert links.data(links.index(0, 2)).endswith("units")
    materials = detail.sections.materials
    required = materials.data(materials.index(0, 1))
    assert required.split()[-1] in ("pcs", "pc", "m", "kg", "units", "unit")


def test_a_long_name_keeps_the_order_it_is_for_in_view(qtbot, tablet_kiosk):
    open_wo(qtbot, tablet_kiosk, "WO-000006")  # "Task chair for order #1042"
    title = tablet_kiosk.window.detail.title
    title.resize(tablet_kiosk.metrics.mm(40), title.height())
    qtbot.wait(1)
    shown = super(type(title), title).text()
    assert "…" in shown
    assert shown.endswith("1042")
