"""The record names the person who tapped: whoever identified last, and nobody else."""

from __future__ import annotations

from ui.detail.actions import Button
from ui.dialogs.credentials import CredentialsOverlay
from ui.dialogs.quantity import LogOutputOverlay

from .conftest import audit, key_pin, open_wo, scan, settle

MARIA = "1001"  # clocked in at WELD-1 in the demo plant
TOM = "1002"  # clocked in here, at ASSY-1
SAMUEL = "1004"  # not clocked in anywhere


def here(kiosk) -> list[str]:
    return [p.badge for p in kiosk.controller.people]


def test_a_badge_clocked_in_elsewhere_moves_here_and_she_is_the_one_acting(qtbot, kiosk):
    assert kiosk.controller.active.badge == TOM
    scan(qtbot, kiosk, MARIA)
    assert kiosk.controller.active.badge == MARIA
    assert MARIA in here(kiosk)
    assert kiosk.window.topbar.person.text() == "Maria Lopez"
    assert kiosk.window.toast.isVisible()
    assert "WELD-1" in kiosk.window.toast.text()
    # What she does now is recorded under her name, not Tom's.
    open_wo(qtbot, kiosk, "WO-000006")
    kiosk.window.detail.buttons[Button.START].click()
    settle(qtbot, kiosk)
    (row,) = audit(kiosk, "start")
    assert (row.result, row.operator_badge) == ("applied", MARIA)
    # And the refresh that followed did not hand the kiosk back to Tom.
    kiosk.controller.refresh()
    settle(qtbot, kiosk)
    assert kiosk.controller.active.badge == MARIA


def test_nobody_acts_after_a_start_until_someone_identifies(qtbot, fresh_kiosk):
    controller, window = fresh_kiosk.controller, fresh_kiosk.window
    assert controller.active is None
    assert here(fresh_kiosk) == [TOM]  # the clocked-in list survives the restart
    assert window.topbar.person.text() == "Scan your badge"
    assert not hasattr(window.clock_in, "use_button")  # no "work as selected"
    # An action asks who is working first, and records nothing until then.
    open_wo(qtbot, fresh_kiosk, "WO-000006")
    window.detail.buttons[Button.START].click()
    settle(qtbot, fresh_kiosk)
    overlay = window.flows.current
    assert isinstance(overlay, CredentialsOverlay)
    assert audit(fresh_kiosk, "start") == []
    scan(qtbot, fresh_kiosk, SAMUEL)
    assert overlay.closed
    (row,) = audit(fresh_kiosk, "start")
    assert (row.result, row.operator_badge) == ("applied", SAMUEL)
    assert controller.active.badge == SAMUEL


def test_switching_to_someone_in_the_list_takes_their_pin(qtbot, kiosk):
    scan(qtbot, kiosk, SAMUEL)  # Samuel clocks in; Tom is still clocked in here
    window = kiosk.window
    window.show_clock_in()
    window.clock_in.people.setCurrentRow(here(kiosk).index(TOM))
    window.clock_in.switch_button.click()
    overlay = window.flows.current
    assert isinstance(overlay, CredentialsOverlay)
    assert overlay.pad.badge == TOM
    key_pin(overlay, "0000")
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert kiosk.controller.active.badge == SAMUEL  # a wrong PIN switches nobody
    assert not overlay.closed
    key_pin(overlay, "1111")
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert kiosk.controller.active.badge == TOM
    assert window.stack.currentWidget() is window.board


def test_a_badge_scanned_on_the_board_switches_to_that_person(qtbot, kiosk):
    window = kiosk.window
    window.show_board()
    scan(qtbot, kiosk, SAMUEL)
    assert kiosk.controller.active.badge == SAMUEL
    assert SAMUEL in here(kiosk)
    assert window.stack.currentWidget() is window.board  # stays where it was
    scan(qtbot, kiosk, TOM)  # back to Tom: already clocked in here, a switch
    assert kiosk.controller.active.badge == TOM
    assert "Tom Becker" in window.toast.text()


def test_a_badge_scanned_during_a_dialog_closes_it_before_switching(qtbot, kiosk):
    """Tom opened Log output; Samuel scans: Tom's half-keyed dialog is not Samuel's."""
    window = kiosk.window
    open_wo(qtbot, kiosk, "WO-000002")
    window.detail.buttons[Button.LOG_OUTPUT].click()
    settle(qtbot, kiosk)
    dialog = window.flows.current
    assert isinstance(dialog, LogOutputOverlay)
    dialog.keypad.set_value("3")
    scan(qtbot, kiosk, SAMUEL)
    assert dialog.closed
    assert kiosk.controller.active.badge == SAMUEL
    assert audit(kiosk, "log_output") == []
    assert window.stack.currentWidget() is window.detail


def test_clocked_out_elsewhere_means_nobody_acts_here(qtbot, kiosk):
    """Tom clocks in at another workstation (say, synced in): this kiosk drops him."""
    from kiosk.commands import Actor, ClockIn

    kiosk.station.bus.execute(
        ClockIn(badge=TOM, actor=Actor(badge=TOM, workstation="WELD-1", device_id="weld"))
    )
    kiosk.controller.refresh()
    settle(qtbot, kiosk)
    assert kiosk.controller.active is None
    assert kiosk.window.topbar.person.text() == "Scan your badge"
