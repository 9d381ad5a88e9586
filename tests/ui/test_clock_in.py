"""Clock-in by badge scan or badge + PIN, the site's policy, lockouts, clock-out, the lock."""

from __future__ import annotations

from sqlalchemy import func, select

from kiosk.commands import Actor, CommandBus, EditSite
from kiosk.store.models import ClockSession, Operator
from ui.dialogs.credentials import CredentialsOverlay

from .conftest import audit, key_pin, scan, settle

SUPERVISOR, SUPERVISOR_PIN = "9001", "9999"


def open_sessions(kiosk, badge: str) -> int:
    with CommandBus(kiosk.station.engine).read() as session:
        return session.scalar(
            select(func.count())
            .select_from(ClockSession)
            .join(Operator, ClockSession.operator_id == Operator.id)
            .where(Operator.badge == badge, ClockSession.clocked_out_at.is_(None))
        )


def key_in(screen, badge: str, pin: str) -> None:
    screen.pad.badge_field.click()
    screen.pad.keypad.keys["clear"].click()
    for digit in badge:
        screen.pad.keypad.keys[digit].click()
    if pin:
        key_pin(screen, pin)
    screen.clock_in_button.click()


def test_badge_and_pin_on_the_keypad_clock_in(qtbot, fresh_kiosk):
    window = fresh_kiosk.window
    assert open_sessions(fresh_kiosk, "1004") == 0
    key_in(window.clock_in, "1004", "1111")
    settle(qtbot, fresh_kiosk)
    assert open_sessions(fresh_kiosk, "1004") == 1
    assert fresh_kiosk.controller.active.badge == "1004"
    assert window.stack.currentWidget() is window.board
    assert window.topbar.person.text() == "Samuel Okafor"


def test_a_badge_scan_alone_clocks_in(qtbot, fresh_kiosk):
    scan(qtbot, fresh_kiosk, "1004")
    assert open_sessions(fresh_kiosk, "1004") == 1
    assert fresh_kiosk.controller.active.badge == "1004"
    (row,) = audit(fresh_kiosk, "clock_in")
    assert (row.result, row.operator_badge, row.payload["method"]) == ("applied", "1004", "scan")


def test_a_badge_keyed_in_needs_its_pin(qtbot, fresh_kiosk):
    """Anyone can type a badge number: keyed in, it is not enough on its own."""
    screen = fresh_kiosk.window.clock_in
    screen.pad.badge_field.click()
    for digit in "1004":
        screen.pad.keypad.keys[digit].click()
    assert not screen.clock_in_button.isEnabled()
    assert "PIN" in screen.prompt.text()
    screen.submit()  # even if it were tapped
    settle(qtbot, fresh_kiosk)
    assert open_sessions(fresh_kiosk, "1004") == 0
    assert "PIN" in screen.prompt.text()


def test_a_wrong_pin_is_refused_in_plain_words(qtbot, fresh_kiosk):
    window = fresh_kiosk.window
    key_in(window.clock_in, "1004", "0000")
    settle(qtbot, fresh_kiosk)
    assert open_sessions(fresh_kiosk, "1004") == 0
    assert "not recognised" in window.clock_in.prompt.text()
    assert "4 more tries" in window.clock_in.prompt.text()
    assert window.clock_in.pad.pin == ""  # cleared for the next try
    assert window.clock_in.pad.badge == "1004"  # the badge stays
    assert window.stack.currentWidget() is window.clock_in


def test_five_wrong_pins_lock_that_badge_not_the_kiosk_and_a_supervisor_unlocks_it(
    qtbot, fresh_kiosk
):
    window, screen = fresh_kiosk.window, fresh_kiosk.window.clock_in
    for _ in range(5):
        key_in(screen, "1004", "0000")
        settle(qtbot, fresh_kiosk)
    assert "locked" in screen.prompt.text().lower()
    assert screen.unlock_button.isVisible()
    key_in(screen, "1004", "1111")  # even the right PIN waits now
    settle(qtbot, fresh_kiosk)
    assert open_sessions(fresh_kiosk, "1004") == 0
    # Someone else, and a supervisor, are not locked out with her.
    key_in(screen, "1003", "1111")
    settle(qtbot, fresh_kiosk)
    assert fresh_kiosk.controller.active.badge == "1003"
    window.show_clock_in()
    key_in(screen, "1004", "0000")  # locked still: the button comes back
    settle(qtbot, fresh_kiosk)
    screen.unlock_button.click()
    overlay = window.flows.current
    assert isinstance(overlay, CredentialsOverlay)
    scan(qtbot, fresh_kiosk, SUPERVISOR)
    key_pin(overlay, SUPERVISOR_PIN)
    overlay.ok_button.click()
    settle(qtbot, fresh_kiosk)
    assert "Unlocked" in screen.prompt.text()
    key_in(screen, "1004", "1111")
    settle(qtbot, fresh_kiosk)
    assert open_sessions(fresh_kiosk, "1004") == 1
    # The audit log tells the story, and the lockout went to the supervisors.
    codes = [r.code for r in audit(fresh_kiosk, "clock_in") if r.operator_badge == "1004"]
    assert codes == ["wrong_pin"] * 4 + ["badge_locked"] * 3 + [None]
    (lockout,) = audit(fresh_kiosk, "pin_lockout")
    assert (lockout.result, lockout.payload["badge"]) == ("applied", "1004")
    (unlock,) = audit(fresh_kiosk, "clear_pin_lockout")
    assert (unlock.result, unlock.supervisor_badge) == ("applied", SUPERVISOR)


def test_a_site_that_asks_for_the_pin_asks_for_it_after_a_scan(qtbot, fresh_kiosk):
    fresh_kiosk.station.bus.execute(  # the office set it; the kiosk pulled it
        EditSite(identify_by="badge_and_pin", actor=Actor(principal="office"))
    )
    fresh_kiosk.controller.refresh()
    settle(qtbot, fresh_kiosk)
    screen = fresh_kiosk.window.clock_in
    assert "PIN" in screen.prompt.text()
    scan(qtbot, fresh_kiosk, "1004")
    assert open_sessions(fresh_kiosk, "1004") == 0
    assert fresh_kiosk.controller.active is None
    assert "key in your PIN" in screen.prompt.text()
    key_pin(screen, "1111")
    screen.clock_in_button.click()
    settle(qtbot, fresh_kiosk)
    assert open_sessions(fresh_kiosk, "1004") == 1
    assert audit(fresh_kiosk, "clock_in")[-1].payload["method"] == "scan"


def test_unknown_badge(qtbot, fresh_kiosk):
    scan(qtbot, fresh_kiosk, "4242")
    assert "not known" in fresh_kiosk.window.clock_in.prompt.text()
    assert fresh_kiosk.controller.active is None


def test_clock_out_the_person_working(qtbot, kiosk):
    window = kiosk.window
    window.show_clock_in()
    assert open_sessions(kiosk, "1002") == 1
    window.clock_in.people.setCurrentRow(0)
    window.clock_in.clock_out_button.click()
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1002") == 0
    assert kiosk.controller.active is None
    assert window.clock_in.people.count() == 0


def test_clocking_out_someone_else_takes_their_pin_or_a_supervisors(qtbot, kiosk):
    """Tom is working; Samuel clocks in and works; Tom cannot be clocked out by Samuel."""
    window = kiosk.window
    scan(qtbot, kiosk, "1004")
    window.show_clock_in()
    names = [window.clock_in.people.item(i).text() for i in range(window.clock_in.people.count())]
    tom = next(i for i, n in enumerate(names) if n.startswith("Tom Becker"))
    window.clock_in.people.setCurrentRow(tom)
    window.clock_in.clock_out_button.click()
    overlay = window.flows.current
    assert isinstance(overlay, CredentialsOverlay)
    assert "Tom Becker" in overlay.title.text()
    key_pin(overlay, "0000")  # not his PIN
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1002") == 1
    assert "not recognised" in overlay.message
    key_pin(overlay, "1111")
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1002") == 0
    assert kiosk.controller.active.badge == "1004"  # Samuel is still the one working


def test_idle_clock_out(qtbot, kiosk):
    window = kiosk.window
    window.show_board()
    window.idle.setInterval(50)
    window.idle.start()
    qtbot.waitUntil(lambda: kiosk.controller.active is None, timeout=3000)
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1002") == 0
    assert window.stack.currentWidget() is window.clock_in


def test_closing_the_kiosk_needs_a_supervisor(qtbot, kiosk):
    window = kiosk.window
    window.close()
    qtbot.wait(10)
    assert window.isVisible()
    overlay = window.flows.current
    assert overlay is not None
    assert "supervisor" in overlay.title.text().lower()


def test_a_supervisor_clocks_someone_else_out_with_a_scan_and_a_pin(qtbot, kiosk):
    window = kiosk.window
    scan(qtbot, kiosk, "1004")  # Samuel works now; Tom went home without clocking out
    window.show_clock_in()
    badges = [p.badge for p in kiosk.controller.people]
    window.clock_in.people.setCurrentRow(badges.index("1002"))
    window.clock_in.clock_out_button.click()
    overlay = window.flows.current
    assert isinstance(overlay, CredentialsOverlay)
    scan(qtbot, kiosk, SUPERVISOR)  # a scan alone is not enough for someone else
    assert open_sessions(kiosk, "1002") == 1
    assert "PIN" in overlay.message
    key_pin(overlay, SUPERVISOR_PIN)
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1002") == 0
    (row,) = audit(kiosk, "clock_out")
    assert (row.payload["badge"], row.operator_badge, row.supervisor_badge) == (
        "1002",
        None,
        SUPERVISOR,
    )
    assert [r.code for r in audit(kiosk, "verify_pin")] == [None]  # no wrong PIN counted
