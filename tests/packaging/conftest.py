"""Packaging tests: every test gets its own KIOSK_HOME and no KIOSK_* settings from outside."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.settings import CONFIG_ENV, SETTINGS


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
