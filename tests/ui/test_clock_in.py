"""Clock-in by badge scan or badge + PIN, wrong PINs, clock-out, idle clock-out, the lock."""

from __future__ import annotations

from sqlalchemy import func, select

from kiosk.commands import CommandBus
from kiosk.store.models import ClockSession, Operator

from .conftest import settle


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
    for digit in badge:
        screen.pad.keypad.keys[digit].click()
    screen.pad.pin_field.click()
    for digit in pin:
        screen.pad.keypad.keys[digit].click()
    screen.clock_in_button.click()


def test_badge_and_pin_on_the_keypad_clock_in(qtbot, kiosk):
    window = kiosk.window
    window.show_clock_in()
    assert open_sessions(kiosk, "1004") == 0
    key_in(window.clock_in, "1004", "1111")
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1004") == 1
    assert kiosk.controller.active.badge == "1004"
    assert window.stack.currentWidget() is window.board
    assert window.topbar.person.text() == kiosk.controller.active.name


def test_a_badge_scan_alone_clocks_in(qtbot, kiosk):
    window = kiosk.window
    window.show_clock_in()
    qtbot.keyClicks(window.clock_in, "1004")
    qtbot.keyClick(window.clock_in, "\r")
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1004") == 1
    assert kiosk.controller.active.badge == "1004"


def test_a_wrong_pin_is_refused_in_plain_words(qtbot, kiosk):
    window = kiosk.window
    window.show_clock_in()
    key_in(window.clock_in, "1004", "0000")
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1004") == 0
    assert "not recognised" in window.clock_in.error.text()
    assert window.clock_in.pad.pin == ""  # cleared for the next try
    assert window.stack.currentWidget() is window.clock_in


def test_wrong_pins_are_rate_limited(qtbot, kiosk):
    window = kiosk.window
    window.show_clock_in()
    for _ in range(6):
        key_in(window.clock_in, "1004", "0000")
        settle(qtbot, kiosk)
    assert "too many" in window.clock_in.error.text().lower()
    key_in(window.clock_in, "1004", "1111")  # even the right PIN waits now
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1004") == 0


def test_unknown_badge(qtbot, kiosk):
    window = kiosk.window
    window.show_clock_in()
    window.on_scan("4242")
    settle(qtbot, kiosk)
    assert "not known" in window.clock_in.error.text()


def test_clock_out_selected_person(qtbot, kiosk):
    window = kiosk.window
    window.show_clock_in()
    assert open_sessions(kiosk, "1002") == 1
    window.clock_in.people.setCurrentRow(0)
    window.clock_in.clock_out_button.click()
    settle(qtbot, kiosk)
    assert open_sessions(kiosk, "1002") == 0
    assert kiosk.controller.active is None
    assert window.clock_in.people.count() == 0


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
