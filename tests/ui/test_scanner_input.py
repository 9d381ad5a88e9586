"""Scanner keys land where they belong: a traveler opens its work order and types nowhere,
a person typing is not taken for a scan, the window keeps the keyboard, Escape cancels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from ui.dialogs.hold import HoldOverlay
from ui.dialogs.message import MessageOverlay
from ui.scanner import ScanListener
from ui.widgets.touch_keyboard import TextEntryOverlay

from .conftest import open_wo, scan, settle


def test_a_traveler_scan_opens_its_work_order_and_types_nowhere(qtbot, kiosk):
    window, board = kiosk.window, kiosk.window.board
    window.show_board()
    shown = board.count.text()
    scan(qtbot, kiosk, "WO-000003")
    assert window.stack.currentWidget() is window.detail
    assert window.detail.wo.number == "WO-000003"
    window.show_board()
    assert board.search.text() == ""
    assert board.count.text() == shown
    scan(qtbot, kiosk, "wo-000006")  # a second scan: no appending anywhere
    assert window.detail.wo.number == "WO-000006"
    window.show_board()
    assert board.search.text() == ""
    assert kiosk.window.scanner.holding == ""


def test_the_search_box_never_takes_the_keyboard(qtbot, kiosk):
    window, board = kiosk.window, kiosk.window.board
    window.show_board()
    assert board.search.focusPolicy() == Qt.FocusPolicy.NoFocus
    qtbot.mouseClick(board.search, Qt.MouseButton.LeftButton)
    keyboard = window.flows.current
    assert isinstance(keyboard, TextEntryOverlay)
    assert QApplication.focusWidget() is not board.search
    for char in "stool":
        keyboard.keyboard.keys[char].click()
    keyboard.ok_button.click()
    assert board.search.text() == "stool"
    assert board.model.rowCount() < board.model.total
    assert board.clear_search.isVisible()
    board.clear_search.click()
    assert board.search.text() == ""


def test_a_scan_while_the_keyboard_is_open_does_not_type_into_it(qtbot, kiosk):
    window = kiosk.window
    window.show_board()
    window.type_search("")
    keyboard = window.flows.current
    assert isinstance(keyboard, TextEntryOverlay)
    scan(qtbot, kiosk, "WO-000003")
    assert keyboard.closed
    assert window.board.search.text() == ""
    assert window.detail.wo.number == "WO-000003"


def test_the_window_keeps_the_keyboard_after_taps_and_dialogs(qtbot, kiosk):
    window = kiosk.window
    open_wo(qtbot, kiosk, "WO-000002")
    window.detail.section_buttons["Materials"].click()  # a tap
    assert QApplication.focusWidget() in (window, None)
    window.flows.refuse(_failure("Nothing to see."))
    window.flows.current.ok_button.click()
    settle(qtbot, kiosk)
    assert QApplication.focusWidget() is window
    scan(qtbot, kiosk, "WO-000006")
    assert window.detail.wo.number == "WO-000006"


def test_escape_cancels_the_dialog_on_top_and_nothing_else(qtbot, kiosk):
    window = kiosk.window
    open_wo(qtbot, kiosk, "WO-000002")
    from ui.detail.actions import Button

    window.detail.buttons[Button.HOLD].click()
    hold = window.flows.current
    assert isinstance(hold, HoldOverlay)
    hold.note.tapped.emit()
    keyboard = window.flows.current
    assert isinstance(keyboard, TextEntryOverlay)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Escape)
    assert keyboard.closed
    assert not hold.closed
    assert window.flows.current is hold
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Escape)
    assert hold.closed
    assert window.flows.current is None
    assert window.stack.currentWidget() is window.detail


def test_leaving_the_kiosk_can_be_cancelled(qtbot, kiosk):
    window = kiosk.window
    window.ask_to_leave()
    supervisor = window.flows.current
    supervisor.scanned("9001")
    for digit in "9999":
        supervisor.pad.keypad.keys[digit].click()
    supervisor.ok_button.click()
    settle(qtbot, kiosk)
    ask = window.flows.current
    assert isinstance(ask, MessageOverlay)
    labels = {b.text() for b in ask.findChildren(type(ask.ok_button)) if b.isVisible()}
    assert {"Cancel", "Window mode", "Quit"} <= labels
    ask.cancel_button.click()
    assert window.isVisible()
    assert window.flows.current is None


# -- the listener on its own: a person typing is not a scan --------------------------


def _field(qtbot) -> tuple[QWidget, QLineEdit, ScanListener, list[str]]:
    holder = QWidget()
    field = QLineEdit()
    QVBoxLayout(holder).addWidget(field)
    qtbot.addWidget(holder)
    holder.show()
    field.setFocus()
    listener = ScanListener(holder)
    QApplication.instance().installEventFilter(listener)
    scans: list[str] = []
    listener.scanned.connect(scans.append)
    return holder, field, listener, scans


def test_keys_typed_at_a_persons_pace_reach_the_field_in_order(qtbot):
    holder, field, listener, scans = _field(qtbot)
    try:
        for char in "abc":
            QTest.keyClick(holder.windowHandle(), char)
            qtbot.wait(150)  # a person's pace (QTest's own delay does not wait here)
        QTest.keyClick(holder.windowHandle(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: field.text() == "abc", timeout=2000)
        assert scans == []
    finally:
        QApplication.instance().removeEventFilter(listener)


def test_a_burst_ending_in_enter_is_a_scan_and_never_reaches_the_field(qtbot):
    holder, field, listener, scans = _field(qtbot)
    try:
        for char in "1001":
            QTest.keyClick(holder.windowHandle(), char)
        QTest.keyClick(holder.windowHandle(), Qt.Key.Key_Return)
        qtbot.wait(400)  # longer than the listener waits before handing keys on
        assert scans == ["1001"]
        assert field.text() == ""
    finally:
        QApplication.instance().removeEventFilter(listener)


def _failure(text: str):
    from ui.worker import Failure

    return Failure(text, "notice", RuntimeError(text))


def test_a_closed_kiosk_leaves_no_listener_and_gc_back_on(qtbot, qapp, store_url):
    """A kiosk built and closed (a test, a re-enrolment) must not keep its app-wide scan
    listener: it held every later window's keys and handed them on out of order."""
    import gc

    from kiosk.station import Station
    from kiosk.store.engine import make_engine
    from ui.composition_root import build

    station = Station(make_engine(store_url), "ASSY-1", "test-kiosk")
    kiosk = build(qapp, station)
    assert not gc.isenabled()  # while the worker runs, the GUI thread collects
    kiosk.close()
    kiosk.window.close()
    assert gc.isenabled()
    holder = QWidget()
    field = QLineEdit()
    QVBoxLayout(holder).addWidget(field)
    qtbot.addWidget(holder)
    holder.show()
    field.setFocus()
    QTest.keyClick(holder.windowHandle(), "a")
    assert field.text() == "a"  # at once: nothing held it back
    station.engine.dispose()
