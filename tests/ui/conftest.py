"""UI tests drive the real kiosk window (offscreen) over a copy of the demo plant."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kiosk.app import open_store
from kiosk.commands import CommandBus
from kiosk.demo import seed_demo_plant
from kiosk.station import Station
from kiosk.store.engine import make_engine
from kiosk.store.models import AuditEntry
from ui.composition_root import Kiosk, build
from ui.theme import Metrics

#: A 10.1" 1280×800 tablet: ~149 dpi.
TABLET = Metrics(1280 / 216.5)
#: What the offscreen platform reports (100 dpi), used for the screenshot size.
OFFSCREEN = Metrics(100 / 25.4)
#: Tom Becker, clocked in at ASSY-1 in the demo plant; the kiosk fixtures start with
#: him scanning his badge (after a start nobody is acting until someone identifies).
OPERATOR = "1002"


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = open_store(f"sqlite:///{path}")
    seed_demo_plant(engine)
    engine.dispose()
    return path


@pytest.fixture
def store_url(demo_file: Path, tmp_path: Path) -> str:
    path = tmp_path / "kiosk.db"
    shutil.copy(demo_file, path)
    return f"sqlite:///{path}"


@pytest.fixture
def kiosk(qtbot: QtBot, qapp: object, store_url: str) -> Iterator[Kiosk]:
    """The kiosk at ASSY-1, Tom Becker having scanned his badge."""
    yield from _kiosk(qtbot, qapp, store_url, OFFSCREEN, badge=OPERATOR)


@pytest.fixture
def fresh_kiosk(qtbot: QtBot, qapp: object, store_url: str) -> Iterator[Kiosk]:
    """The kiosk just started: people are clocked in, nobody has identified yet."""
    yield from _kiosk(qtbot, qapp, store_url, OFFSCREEN, badge=None)


@pytest.fixture
def tablet_kiosk(qtbot: QtBot, qapp: object, store_url: str) -> Iterator[Kiosk]:
    """The kiosk sized for a real 10.1-inch 1280×800 tablet (~149 dpi): millimetres are
    half as many pixels again as offscreen, so this is where space runs out."""
    yield from _kiosk(qtbot, qapp, store_url, TABLET, badge=OPERATOR)


def _kiosk(
    qtbot: QtBot, qapp: object, store_url: str, metrics: Metrics, *, badge: str | None
) -> Iterator[Kiosk]:
    station = Station(make_engine(store_url), "ASSY-1", "test-kiosk")
    k = build(qapp, station, metrics=metrics)  # type: ignore[arg-type]
    qtbot.addWidget(k.window)
    k.window.resize(1280, 800)
    k.window.show()
    settle(qtbot, k)
    if badge is not None:
        k.window.scanner.feed(badge)
        settle(qtbot, k)
        assert k.controller.active is not None
        assert k.controller.active.badge == badge
    yield k
    k.window._may_close = True
    k.close()
    station.engine.dispose()
    # The kiosk turned automatic GC off (see ui.composition_root); collect here, on the
    # GUI thread, and give other suites their usual GC back.
    gc.collect()
    gc.enable()


def settle(qtbot: QtBot, kiosk: Kiosk) -> None:
    """Wait until every queued read or command has come back to the GUI thread."""
    qtbot.waitUntil(lambda: kiosk.worker.pending == 0, timeout=10_000)
    qtbot.wait(1)
    qtbot.waitUntil(lambda: kiosk.worker.pending == 0, timeout=10_000)


def audit(kiosk: Kiosk, command_type: str) -> list[AuditEntry]:
    with CommandBus(kiosk.station.engine).read() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.command_type == command_type,
                    AuditEntry.device_id == kiosk.station.device_id,
                )
                .order_by(AuditEntry.recorded_at)
            )
        )


def open_wo(qtbot: QtBot, kiosk: Kiosk, number: str) -> None:
    kiosk.window.open_number(number)
    settle(qtbot, kiosk)
    assert kiosk.window.detail.wo is not None
    assert kiosk.window.detail.wo.number == number


def scan(qtbot: QtBot, kiosk: Kiosk, code: str) -> None:
    """A keyboard-wedge scanner: real key events to the top-level window (as the X
    server delivers them, to whatever has the focus), one per character, then Enter."""
    handle = kiosk.window.windowHandle()
    assert handle is not None
    for char in code:
        shift = Qt.KeyboardModifier.ShiftModifier if char.isupper() else Qt.KeyboardModifier(0)
        # The stubs give QTest's C++ `char` overload as `int`; at run time it takes a 1-char str.
        QTest.keyClick(handle, char, shift)  # type: ignore[call-overload]
    QTest.keyClick(handle, Qt.Key.Key_Return)
    settle(qtbot, kiosk)


def key_pin(overlay_or_screen: object, pin: str) -> None:
    """Key a PIN on a credentials pad (the PIN field, then the digits)."""
    pad = overlay_or_screen.pad  # type: ignore[attr-defined]
    pad.pin_field.click()
    pad.keypad.keys["clear"].click()
    for digit in pin:
        pad.keypad.keys[digit].click()
