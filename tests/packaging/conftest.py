"""Packaging tests: every test gets its own KIOSK_HOME and no KIOSK_* settings from outside."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from kiosk.settings import CONFIG_ENV, SETTINGS
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from tests.builders import Plant, simple_plant
from tests.server.process import serving

ADMIN_TOKEN = "packaging-admin-secret-0123456789"
#: The console script the venv installed (what a plant's IT person runs).
KIOSK = Path(sys.executable).with_name("kiosk")


@pytest.fixture
def kiosk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("KIOSK_HOME", str(home))
    for name in [CONFIG_ENV, *(s.env for s in SETTINGS)]:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def config_file(kiosk_home: Path) -> Path:
    path = kiosk_home / "config" / "kiosk.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class PlantServer:
    """A real kiosk-server on loopback (uvicorn in a thread) over a small plant."""

    url: str
    plant: Plant

    def code(self, workstation: str = "ASSY-1") -> str:
        """A fresh one-time enrolment code for ``workstation``, as the office makes one."""
        answer = requests.post(
            f"{self.url}/api/v1/devices/enrolment-codes",
            json={"workstation": workstation},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["code"])

    def revoke(self, device_id: str) -> None:
        answer = requests.post(
            f"{self.url}/api/v1/devices/{device_id}/revoke",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        )
        assert answer.status_code < 300, answer.text


@pytest.fixture
def plant_server(tmp_path: Path) -> Iterator[PlantServer]:
    """The server's own SQLite database (what is tested here is the kiosk's side)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    upgrade(engine)
    plant = Plant(engine)
    simple_plant(plant)
    plant.workstation("ASSY-1")
    plant.workstation("ASSY-2")
    try:
        with serving(engine, ADMIN_TOKEN) as url:
            yield PlantServer(url, plant)
    finally:
        engine.dispose()


def run_kiosk(
    *args: str, home: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The real ``kiosk`` console script, as a person types it, on its own KIOSK_HOME."""
    return subprocess.run(
        [str(KIOSK), *args],
        env=kiosk_env(home, env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def kiosk_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KIOSK_") and k not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    env.update({"KIOSK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **(extra or {})})
    return env


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """``main`` sets up logging process-wide; put it back after the test."""
    import faulthandler
    import logging

    root = logging.getLogger()
    handlers, level, hook = list(root.handlers), root.level, sys.excepthook
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    sys.excepthook = hook
    logging.captureWarnings(False)
    if sys.__stderr__ is not None:
        faulthandler.enable(file=sys.__stderr__)
