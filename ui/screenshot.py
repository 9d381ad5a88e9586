"""``kiosk screenshot``: render one screen of the demo plant to a PNG, headless."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.station import Station
from ui.composition_root import Kiosk, build
from ui.dialogs.close_short import CloseShortOverlay
from ui.dialogs.credentials import CredentialsOverlay
from ui.dialogs.hold import HoldOverlay
from ui.dialogs.qc import QcOverlay
from ui.dialogs.quantity import LogOutputOverlay

#: Tom Becker, clocked in at ASSY-1 in the demo plant.
DEMO_OPERATOR = "1002"


def settle(app: QApplication, kiosk: Kiosk, timeout: float = 10.0) -> None:
    """Let the worker finish and the window repaint (several rounds: loads chain loads)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline and quiet < 5:
        app.processEvents()
        if kiosk.worker.pending:
            quiet = 0
            time.sleep(0.005)
        else:
            quiet += 1
            time.sleep(0.01)


def _detail(number: str, section: int = 0) -> Callable[[QApplication, Kiosk], None]:
    def go(app: QApplication, kiosk: Kiosk) -> None:
        kiosk.window.open_number(number)
        settle(app, kiosk)
        list(kiosk.window.detail.section_buttons.values())[section].click()

    return go


def _dialog(number: str, button: str) -> Callable[[QApplication, Kiosk], None]:
    def go(app: QApplication, kiosk: Kiosk) -> None:
        _detail(number)(app, kiosk)
        from ui.detail.actions import Button

        kiosk.window.detail.buttons[Button(button)].click()
        settle(app, kiosk)
        current = kiosk.window.flows.current
        if button == "qc" and current is not None:
            assert isinstance(current, QcOverlay)
            current.set_counts(2, 1)
            current.reasons.buttons()[0].click()
            current.categories.buttons()[1].click()
            current.action_choices.buttons()[0].click()
        if button == "hold" and current is not None:
            assert isinstance(current, HoldOverlay)
            current.reason_buttons[next(iter(current.reason_buttons))].click()
        if button == "log_output" and current is not None:
            assert isinstance(current, LogOutputOverlay)
            current.keypad.set_value("3")

    return go


def _board_plant(app: QApplication, kiosk: Kiosk) -> None:
    kiosk.window.show_board()
    kiosk.window.board.scope_plant.click()


def _supervisor(app: QApplication, kiosk: Kiosk) -> None:
    _detail("WO-000003")(app, kiosk)
    kiosk.window.detail.floor_actions.resume()
    settle(app, kiosk)
    current = kiosk.window.flows.current
    if current is not None:
        assert isinstance(current, CredentialsOverlay)
        current.scanned("9001")
        current.pad.keypad.set_value("99")


def _keyboard(app: QApplication, kiosk: Kiosk) -> None:
    kiosk.window.show_board()
    kiosk.window.type_search("WO-0")


def _close_short(app: QApplication, kiosk: Kiosk) -> None:
    _detail("WO-000008")(app, kiosk)
    kiosk.window.detail.floor_actions.close_short()
    settle(app, kiosk)
    current = kiosk.window.flows.current
    if current is not None:
        assert isinstance(current, CloseShortOverlay)
        current.reason_buttons[0].click()


def _identify(app: QApplication, kiosk: Kiosk) -> None:
    """Nobody has identified since the start; someone taps Start."""
    _detail("WO-000006")(app, kiosk)
    kiosk.controller.set_active(None)
    from ui.detail.actions import Button

    kiosk.window.detail.buttons[Button.START].click()


def _leave(app: QApplication, kiosk: Kiosk) -> None:
    kiosk.window.ask_to_leave()
    settle(app, kiosk)
    current = kiosk.window.flows.current
    if current is not None:
        assert isinstance(current, CredentialsOverlay)
        current.scanned("9001")
        for digit in "9999":
            current.pad.keypad.keys[digit].click()
        current.ok_button.click()


def _offline(app: QApplication, kiosk: Kiosk) -> None:
    """The network is down: the top bar says so in amber; anyone can tap for more."""
    from datetime import timedelta

    from kiosk.store.base import utcnow
    from ui.controller import SyncStatus

    kiosk.window.show_board()
    since = utcnow() - timedelta(minutes=12)
    kiosk.controller.set_sync_status(
        SyncStatus(online=False, last_sync=since, last_reached=since, waiting=3, server=True)
    )
    kiosk.window.show_sync()


def _revoked(app: QApplication, kiosk: Kiosk) -> None:
    """The server refused this kiosk's token: a red strip on every screen, nothing lost."""
    from sync.scheduler import REVOKED
    from ui.controller import SyncStatus

    kiosk.window.show_board()
    kiosk.controller.set_sync_status(
        SyncStatus(online=False, waiting=4, server=True, enrolled=False, error=REVOKED)
    )


def _enrol(app: QApplication, kiosk: Kiosk) -> None:
    kiosk.window.show_health()
    settle(app, kiosk)
    kiosk.window.health.enrol_button.click()


SCREENS: dict[str, Callable[[QApplication, Kiosk], None]] = {
    "clock-in": lambda app, k: k.window.show_clock_in(),
    "board": lambda app, k: k.window.show_board(),
    "board-plant": _board_plant,
    "detail": _detail("WO-000006"),
    "materials": _detail("WO-000006", 1),
    "materials-short": _detail("WO-000007", 1),
    "steps": _detail("WO-000002", 2),
    "history": _detail("WO-000003", 3),
    "on-hold": _detail("WO-000003"),
    "unlinked": _detail("WO-000008"),
    "log-output": _dialog("WO-000002", "log_output"),
    "qc": _dialog("WO-000002", "qc"),
    "hold": _dialog("WO-000002", "hold"),
    "supervisor": _supervisor,
    "keyboard": _keyboard,
    "close-short": _close_short,
    "identify": _identify,
    "leave": _leave,
    "offline": _offline,
    "notifications": lambda app, k: k.window.show_notifications(),
    "health": lambda app, k: k.window.show_health(),
    "enrol": _enrol,
    "revoked": _revoked,
}


def screenshot(station: Station, screen: str, out: Path, size: tuple[int, int]) -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)  # a widget app: the kiosk's window needs one
    kiosk = build(app, station)
    try:
        kiosk.window.resize(*size)
        kiosk.window.show()
        settle(app, kiosk)
        if screen != "clock-in":
            kiosk.window.scanner.feed(DEMO_OPERATOR)  # someone at the kiosk, as in a shift
            settle(app, kiosk)
            kiosk.window.toast.hide()  # the note that says so is long gone mid-shift
        SCREENS[screen](app, kiosk)
        settle(app, kiosk)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not kiosk.window.grab().save(str(out)):
            raise SystemExit(f"could not write {out}")
    finally:
        kiosk.close()
