"""A store from a newer version is refused in one line, and the session does not loop on it."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from kiosk import exits
from kiosk.app import open_store
from kiosk.config import paths, sqlite_url
from tests.packaging.conftest import run_kiosk
from ui.refusal import RefusalScreen

FUTURE = "0099_from_a_newer_kiosk"
UNIT = Path(__file__).resolve().parents[2] / "packaging" / "kiosk-session.service"


def _newer_store(home: Path) -> Path:
    """A real store, then stamped as a newer version would leave it."""
    path = home / "data" / "kiosk.db"
    engine = open_store(sqlite_url(path))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    engine.dispose()
    return path


def test_a_newer_store_stops_the_kiosk_with_one_line_and_the_refusal_exit_code(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    store = _newer_store(home)
    before = store.read_bytes()
    run = run_kiosk(home=home)
    assert run.returncode == exits.STORE_TOO_NEW == 78
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert FUTURE in lines[0]
    assert "newer version" in lines[0]
    assert "Traceback" not in run.stderr + run.stdout
    log = (home / "log" / "kiosk.log").read_text()
    assert "Traceback" not in log
    assert sum(FUTURE in line for line in log.splitlines()) == 1
    assert store.read_bytes() == before  # never migrated, never touched
    # The terminal view of the board refuses the same way.
    board = run_kiosk("board", home=home)
    assert board.returncode == exits.STORE_TOO_NEW
    assert len(board.stderr.strip().splitlines()) == 1


def test_the_session_unit_does_not_restart_on_a_newer_store_but_does_on_a_busy_one() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(UNIT)
    service = unit["Service"]
    assert service["Restart"] == "always"
    prevent = service["RestartPreventExitStatus"].split()
    assert str(exits.STORE_TOO_NEW) in prevent
    assert str(exits.STORE_BUSY) not in prevent


def test_with_a_display_the_refusal_screen_shows_and_closing_it_exits_78(
    kiosk_home: Path,
    qapp: QApplication,
    monkeypatch: pytest.MonkeyPatch,
    logging_restored: None,
    tmp_path: Path,
) -> None:
    from ui import app as kiosk_app

    _newer_store(kiosk_home)
    monkeypatch.setattr(kiosk_app, "display_up", lambda: True)
    seen: list[str] = []

    def tap_close() -> None:
        shown = [
            w for w in qapp.topLevelWidgets() if isinstance(w, RefusalScreen) and w.isVisible()
        ]
        if not shown:
            QTimer.singleShot(50, tap_close)
            return
        [screen] = shown
        seen.append(screen.reason.text())
        image = screen.grab()
        image.save(str(tmp_path / "refusal.png"))
        assert screen.close_button.height() >= 80  # a gloved finger's target at 96 dpi
        assert screen.close_button.geometry().bottom() <= 800
        screen.close_button.click()

    QTimer.singleShot(200, tap_close)
    assert kiosk_app.main(["--windowed", "--size", "1280x800"]) == exits.STORE_TOO_NEW
    assert seen
    assert FUTURE in seen[0]
    assert (tmp_path / "refusal.png").stat().st_size > 0
    assert paths().local_store.is_file()
