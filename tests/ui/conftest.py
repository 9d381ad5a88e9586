"""UI tests drive the real kiosk window (offscreen) over a copy of the demo plant."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kiosk.app import open_store
from kiosk.commands import CommandBus
from kiosk.demo import seed_demo_plant
from kiosk.station import Station
from kiosk.store.engine import make_engine
from kiosk.store.models import AuditEntry
from ui.composition import Kiosk, build
from ui.theme import Metrics

#: A 10.1" 1280×800 tablet: ~149 dpi.
TABLET = Metrics(1280 / 216.5)
#: What the offscreen platform reports (100 dpi), used for the screenshot size.
OFFSCREEN = Metrics(100 / 25.4)


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
    yield from _kiosk(qtbot, qapp, store_url, OFFSCREEN)


@pytest.fixture
def tablet_kiosk(qtbot: QtBot, qapp: object, store_url: str) -> Iterator[Kiosk]:
    """The kiosk sized for a real 10.1-inch 1280×800 tablet (~149 dpi): millimetres are
    half as many pixels again as offscreen, so this is where space runs out."""
    yield from _kiosk(qtbot, qapp, store_url, TABLET)


def _kiosk(qtbot: QtBot, qapp: object, store_url: str, metrics: Metrics) -> Iterator[Kiosk]:
    station = Station(make_engine(store_url), "ASSY-1", "test-kiosk")
    k = build(qapp, station, metrics=metrics)  # type: ignore[arg-type]
    qtbot.addWidget(k.window)
    k.window.resize(1280, 800)
    k.window.show()
    settle(qtbot, k)
    yield k
    k.window._may_close = True
    k.close()
    station.engine.dispose()
    # The kiosk turned automatic GC off (see ui.composition); collect here, on the
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
