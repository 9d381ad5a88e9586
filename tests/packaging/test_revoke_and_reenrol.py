"""A revoked kiosk says so and keeps its outbox; ``kiosk enroll`` while it runs takes effect.

The real kiosk UI (pytest-qt) syncing with a real kiosk-server on loopback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.app import open_store
from kiosk.config import paths, sqlite_url
from kiosk.station import Station
from sync.enrolment import enrol, save
from tests.packaging.conftest import PlantServer, run_kiosk
from ui import sync_link
from ui.composition_root import Kiosk, build


@pytest.fixture
def running(
    kiosk_home: Path, plant_server: PlantServer, qapp: QApplication
) -> Iterator[tuple[Kiosk, sync_link.RunningSync]]:
    save(enrol(plant_server.url, plant_server.code("ASSY-1")))
    station = Station(open_store(sqlite_url(paths().local_store)), None, "kiosk-test")
    kiosk = build(qapp, station)
    kiosk.window.resize(1280, 800)
    kiosk.window.show()
    sync = sync_link.start(station, kiosk.controller, demo=False, data_dir=paths().data_dir)
    try:
        yield kiosk, sync
    finally:
        sync.stop()
        kiosk.close()
        kiosk.window.close()


def test_revoked_kiosk_shows_it_then_a_command_line_enrolment_takes_effect_running(
    running: tuple[Kiosk, sync_link.RunningSync],
    plant_server: PlantServer,
    kiosk_home: Path,
    qtbot,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    kiosk, sync = running
    controller, banner = kiosk.controller, kiosk.window.revoked
    qtbot.waitUntil(lambda: controller.sync_status.online is True, timeout=30_000)
    assert sync.sync is not None
    first_device = sync.sync.client.device_id
    assert banner.isHidden()

    with caplog.at_level(logging.WARNING):
        plant_server.revoke(first_device)
        sync.retry()  # within a sync round (5 s) anyway; now, to keep the test short
        qtbot.waitUntil(lambda: not controller.sync_status.enrolled, timeout=20_000)
        # Every screen's top bar says so; the board says it in full.
        qtbot.waitUntil(lambda: "NOT ENROLLED" in kiosk.window.topbar.sync.text(), timeout=5_000)
        kiosk.window.show_board()
        qtbot.waitUntil(banner.isVisible, timeout=5_000)
    assert "revoked" in banner.text()
    assert "a supervisor must enrol it again" in banner.text()
    refusals = [r for r in caplog.records if "refused this kiosk's token" in r.getMessage()]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.WARNING
    kiosk.window.grab().save(str(tmp_path / "revoked.png"))
    assert banner.geometry().bottom() < 800

    # IT enrols the tablet again from a shell while the kiosk keeps running.
    done = run_kiosk(
        "enroll", "--server", plant_server.url, "--code", plant_server.code(), home=kiosk_home
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(
        lambda: sync.sync is not None and sync.sync.client.device_id != first_device,
        timeout=15_000,
    )
    qtbot.waitUntil(
        lambda: controller.sync_status.enrolled and controller.sync_status.online is True,
        timeout=30_000,
    )
    qtbot.waitUntil(banner.isHidden, timeout=5_000)
