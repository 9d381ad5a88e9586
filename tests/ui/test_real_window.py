"""The real kiosk in a real X window, driven as a person would: a keyboard-wedge scan typed
by xdotool to whatever has the focus, taps on the screen. On a bare X server (no window
manager, as some kiosk set-ups run) and under openbox. The audit log must name the
person who scanned for what they tapped."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from sqlalchemy import create_engine, select

from kiosk.config import Paths
from kiosk.store.models import AuditEntry
from ui.detail.actions import Button

from .conftest import open_wo
from .x11 import Display, require_tools, xvfb

MARIA = "1001"  # clocked in at WELD-1 in the demo plant: she moves to ASSY-1


def wait_for(what: str, condition: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def audit_rows(store: Path, command_type: str) -> list[tuple[str, str | None, str | None]]:
    if not store.exists():
        return []
    engine = create_engine(f"sqlite:///{store}")
    try:
        with engine.connect() as conn:
            return [
                (r.result, r.operator_badge, r.workstation)
                for r in conn.execute(
                    select(AuditEntry).where(AuditEntry.command_type == command_type)
                )
            ]
    except Exception:  # the kiosk may be creating it right now
        return []
    finally:
        engine.dispose()


def centre(widget, window) -> tuple[int, int]:
    point = widget.mapTo(window, QPoint(widget.width() // 2, widget.height() // 2))
    return point.x(), point.y()


@pytest.mark.parametrize("window_manager", [False, True], ids=["bare-x", "openbox"])
def test_the_real_kiosk_records_the_person_who_scanned(
    qtbot, kiosk, tmp_path: Path, window_manager: bool
) -> None:
    require_tools(*(["openbox"] if window_manager else []))
    # Where things are on the real screen: the same layout, offscreen at the same size and
    # dpi (Xvfb runs at 100 dpi, as the offscreen platform reports).
    window = kiosk.window
    window.show_board()
    harmless = centre(window.board.count, window)  # "N of M shown": nothing to tap there
    open_wo(qtbot, kiosk, "WO-000006")
    start = centre(window.detail.buttons[Button.START], window)

    home = tmp_path / "home"
    store = Paths(home / "data", home / "config", home / "log").demo_store
    with xvfb(window_manager=window_manager) as display:
        log = (tmp_path / "kiosk.log").open("w")
        app = subprocess.Popen(
            [sys.executable, "-m", "ui.app", "--demo"],
            env={**display.env, "KIOSK_HOME": str(home)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _walk(display, store, harmless, start)
        finally:
            app.terminate()
            try:
                app.wait(15)
            except subprocess.TimeoutExpired:
                app.kill()
            log.close()
    assert "Traceback" not in (tmp_path / "kiosk.log").read_text()


def _walk(display: Display, store: Path, harmless: tuple[int, int], start: tuple[int, int]) -> None:
    window = display.find_window("Shop-floor kiosk")
    # Full-screen with or without a window manager, and holding the keyboard itself.
    wait_for("a full-screen window", lambda: display.geometry(window) == (0, 0, 1280, 800))
    wait_for("the keyboard focus", lambda: display.focused() == window)
    time.sleep(1.0)  # the first board has painted
    seeded = audit_rows(store, "start")  # the demo plant's own history
    display.scan(MARIA)
    wait_for(
        "Maria's clock-in here",
        lambda: ("applied", MARIA, "ASSY-1") in audit_rows(store, "clock_in"),
    )

    # The keyboard goes to nobody (a window manager would hand it back by itself); a
    # finger on the screen brings it back to the kiosk.
    display.drop_focus()
    if not display.window_manager:
        assert display.focused() != window
    display.tap(*harmless)
    wait_for("the keyboard back", lambda: display.focused() == window)

    display.scan("WO-000006")  # a traveler: opens the work order
    time.sleep(1.5)
    display.tap(*start)
    new = wait_for("a start", lambda: audit_rows(store, "start")[len(seeded) :])
    assert new == [("applied", MARIA, "ASSY-1")]  # hers, nobody else's, once
