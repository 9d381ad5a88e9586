"""Each floor action, tapped through the UI, reaches the store as the right command and actor."""

from __future__ import annotations

from decimal import Decimal

from pytestqt.qtbot import QtBot

from kiosk.domain.enums import WoStatus
from ui.composition_root import Kiosk
from ui.detail.actions import Button
from ui.dialogs.hold import HoldOverlay
from ui.dialogs.message import MessageOverlay
from ui.dialogs.qc import QcOverlay
from ui.dialogs.quantity import LogOutputOverlay
from ui.dialogs.supervisor import SupervisorOverlay

from .conftest import audit, open_wo, settle

OPERATOR = "1002"  # Tom Becker, clocked in at ASSY-1 in the demo plant
SUPERVISOR, SUPERVISOR_PIN = "9001", "9999"


def tap(qtbot: QtBot, kiosk: Kiosk, button: Button) -> None:
    widget = kiosk.window.detail.buttons[button]
    assert widget.isEnabled(), f"{button} is disabled"
    widget.click()
    settle(qtbot, kiosk)


def elevate(qtbot: QtBot, kiosk: Kiosk, badge: str = SUPERVISOR, pin: str = SUPERVISOR_PIN):
    overlay = kiosk.window.flows.current
    assert isinstance(overlay, SupervisorOverlay)
    kiosk.window.on_scan(badge)
    for digit in pin:
        overlay.pad.keypad.keys[digit].click()
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    return overlay


def test_start_runs_as_the_clocked_in_operator_at_this_workstation(qtbot, kiosk):
    assert kiosk.controller.active is not None
    assert kiosk.controller.active.badge == OPERATOR
    open_wo(qtbot, kiosk, "WO-000006")
    tap(qtbot, kiosk, Button.START)
    assert kiosk.window.detail.wo.status == WoStatus.IN_PROGRESS
    (row,) = audit(kiosk, "start")
    assert (row.result, row.operator_badge, row.workstation, row.device_id) == (
        "applied",
        OPERATOR,
        "ASSY-1",
        "test-kiosk",
    )
    assert kiosk.window.detail.buttons[Button.LOG_OUTPUT].isEnabled()
    assert not kiosk.window.detail.buttons[Button.START].isEnabled()


def test_log_output_on_the_keypad_records_a_build_run(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000002")
    built_before = kiosk.window.detail.wo.items[0].qty_built
    tap(qtbot, kiosk, Button.LOG_OUTPUT)
    overlay = kiosk.window.flows.current
    assert isinstance(overlay, LogOutputOverlay)
    assert not overlay.ok_button.isEnabled()  # nothing keyed yet
    overlay.keypad.keys["2"].click()
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert overlay.closed
    assert kiosk.window.detail.wo.items[0].qty_built == built_before + 2
    (row,) = audit(kiosk, "log_output")
    assert row.operator_badge == OPERATOR
    assert row.payload["qty"] == "2"


def test_over_plan_asks_for_a_supervisor_and_records_both_people(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000002")
    item = kiosk.window.detail.wo.items[0]
    too_many = int(item.qty_planned - item.qty_built) + 1
    tap(qtbot, kiosk, Button.LOG_OUTPUT)
    overlay = kiosk.window.flows.current
    overlay.keypad.set_value(str(too_many))
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    elevate(qtbot, kiosk)
    rows = audit(kiosk, "log_output")
    assert [r.result for r in rows] == ["refused", "applied"]
    assert (rows[1].operator_badge, rows[1].supervisor_badge) == (OPERATOR, SUPERVISOR)
    assert kiosk.window.detail.wo.items[0].qty_built == item.qty_built + too_many


def test_hold_with_a_reason_button_then_resume_needs_a_supervisor(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000002")
    tap(qtbot, kiosk, Button.HOLD)
    overlay = kiosk.window.flows.current
    assert isinstance(overlay, HoldOverlay)
    assert not overlay.ok_button.isEnabled()
    overlay.reason_buttons[next(iter(overlay.reason_buttons))].click()
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    wo = kiosk.window.detail.wo
    assert wo.status == WoStatus.ON_HOLD
    assert wo.hold is not None
    assert wo.hold.reason == "material_shortage"
    assert kiosk.window.detail.hold_banner.isVisible()

    tap(qtbot, kiosk, Button.RESUME)
    elevate(qtbot, kiosk)
    assert kiosk.window.detail.wo.status == WoStatus.IN_PROGRESS
    (row,) = audit(kiosk, "resume")
    assert (row.operator_badge, row.supervisor_badge) == (OPERATOR, SUPERVISOR)


def test_an_operator_cannot_stand_in_for_a_supervisor(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000003")  # on hold
    tap(qtbot, kiosk, Button.RESUME)
    overlay = elevate(qtbot, kiosk, badge="1001", pin="1111")  # an operator's own PIN
    assert not overlay.closed
    assert overlay.error.isVisible()
    assert "not a supervisor" in overlay.error.text()
    assert kiosk.window.detail.wo.status == WoStatus.ON_HOLD
    assert audit(kiosk, "resume") == []


def test_qc_dialog_records_the_verdict(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000002")
    before = kiosk.window.detail.wo.items[0]
    assert before.qty_awaiting_qc == 3
    tap(qtbot, kiosk, Button.QC)
    overlay = kiosk.window.flows.current
    assert isinstance(overlay, QcOverlay)
    overlay.set_counts(2, 1)
    assert not overlay.ok_button.isEnabled()  # a failure needs a reason and rework/scrap
    overlay.reasons.buttons()[1].click()
    overlay.categories.buttons()[0].click()
    overlay.action_choices.buttons()[1].click()  # scrap
    assert overlay.ok_button.isEnabled()
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    after = kiosk.window.detail.wo.items[0]
    assert after.qty_awaiting_qc == 0
    assert after.qty_done == before.qty_done + 2
    assert after.qty_scrapped == before.qty_scrapped + 1
    (row,) = audit(kiosk, "qc_disposition")
    assert row.payload["failed_action"] == "scrap"
    assert row.payload["reason"] == "Surface damage"


def test_qc_asking_for_more_than_awaits_is_refused_in_the_dialog(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000002")
    tap(qtbot, kiosk, Button.QC)
    overlay = kiosk.window.flows.current
    overlay.set_counts(5, 0)
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert not overlay.closed
    assert overlay.error.isVisible()
    assert overlay.error.text()
    assert "Traceback" not in overlay.error.text()
    assert kiosk.window.detail.wo.items[0].qty_awaiting_qc == 3


def test_complete_says_what_is_missing_and_a_supervisor_closes_short_with_a_reason(qtbot, kiosk):
    from ui.dialogs.close_short import CloseShortOverlay

    open_wo(qtbot, kiosk, "WO-000006")  # ready: 0 of 4 built, steps to do
    tap(qtbot, kiosk, Button.START)
    tap(qtbot, kiosk, Button.COMPLETE)
    ask = kiosk.window.flows.current
    assert isinstance(ask, MessageOverlay)
    assert "still to finish" in ask.text.text()
    ask.ok_button.click()  # "Close short…"
    settle(qtbot, kiosk)
    close = kiosk.window.flows.current
    assert isinstance(close, CloseShortOverlay)
    # It says what closing short means before anyone confirms it.
    assert "will not be built" in close.what.text()
    assert "Steps to be skipped" in close.what.text()
    assert not close.ok_button.isEnabled()
    assert "why" in close.message
    close.reason_buttons[0].click()  # "Order reduced"
    assert close.ok_button.isEnabled()
    close.ok_button.click()
    settle(qtbot, kiosk)
    elevate(qtbot, kiosk)
    wo = kiosk.window.detail.wo
    assert (wo.status, wo.closed_short, wo.close_reason) == (
        WoStatus.COMPLETED,
        True,
        "Order reduced",
    )
    assert kiosk.window.detail.badge.text() == "Closed short"
    assert "skipped" in kiosk.window.detail.sections.next_step.text()
    assert "Closed short by Grace Hopper: Order reduced" in (
        kiosk.window.detail.sections.messages.text()
    )
    board = kiosk.window.board.model
    row = next(board.row(i) for i in range(board.rowCount()) if board.row(i).id == wo.id)
    assert row.closed_short
    (applied,) = [r for r in audit(kiosk, "complete") if r.result == "applied"]
    assert (applied.supervisor_badge, applied.payload["reason"]) == (SUPERVISOR, "Order reduced")


def test_reverse_a_run_is_a_supervisor_action(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000002")
    runs_before = [r for r in kiosk.window.detail.wo.runs if not r.reversed]
    tap(qtbot, kiosk, Button.MORE)
    more = kiosk.window.flows.current
    reverse = next(b for b in more.findChildren(type(more.ok_button)) if "Reverse" in b.text())
    reverse.click()
    settle(qtbot, kiosk)
    pick = kiosk.window.flows.current
    run_button = next(b for b in pick.findChildren(type(pick.ok_button)) if " by " in b.text())
    run_button.click()
    settle(qtbot, kiosk)
    elevate(qtbot, kiosk)
    runs_after = [r for r in kiosk.window.detail.wo.runs if not r.reversed]
    assert len(runs_after) == len(runs_before) - 1
    (row,) = audit(kiosk, "reverse_run")
    assert row.supervisor_badge == SUPERVISOR


def test_a_refusal_is_shown_in_plain_words(qtbot, kiosk):
    from kiosk.commands import StartWorkOrder

    open_wo(qtbot, kiosk, "WO-000002")  # in progress: starting it again is refused
    wo_id = kiosk.window.detail.wo.id
    kiosk.window.flows.run(lambda a: StartWorkOrder(work_order_id=wo_id, actor=a))
    settle(qtbot, kiosk)
    message = kiosk.window.flows.current
    assert isinstance(message, MessageOverlay)
    assert "in progress" in message.text.text().lower()
    assert "Traceback" not in message.text.text()
    assert message.title.text() == "Not done"
    assert kiosk.window.detail.wo.status == WoStatus.IN_PROGRESS
    assert [r.result for r in audit(kiosk, "start")] == ["refused"]


def test_output_is_a_decimal_in_the_store(qtbot, kiosk):
    open_wo(qtbot, kiosk, "WO-000002")
    tap(qtbot, kiosk, Button.LOG_OUTPUT)
    overlay = kiosk.window.flows.current
    overlay.keypad.set_value("1")
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert isinstance(kiosk.window.detail.wo.items[0].qty_built, Decimal)
