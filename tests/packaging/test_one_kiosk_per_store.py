"""One kiosk per store: a second one says who holds it and stops; read-only tools still work."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from kiosk import exits
from tests.packaging.conftest import KIOSK, kiosk_env, run_kiosk


def _start(home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(KIOSK), "--windowed"],
        env=kiosk_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_holding(proc: subprocess.Popen[str], home: Path) -> None:
    """Until the kiosk has the lock and its window is up (its start line is logged)."""
    lock = home / "data" / "kiosk.db.lock"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        log = home / "log" / "kiosk.log"
        if (
            lock.is_file()
            and lock.read_text().strip() == str(proc.pid)
            and log.is_file()
            and (home / "data" / "kiosk.db").is_file()
        ):
            time.sleep(1.0)
            return
        time.sleep(0.2)
    raise AssertionError("the first kiosk did not start")


def test_a_second_kiosk_stops_in_one_line_and_starts_once_the_first_is_killed(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    first = _start(home)
    second: subprocess.Popen[str] | None = None
    try:
        _wait_until_holding(first, home)
        refused = run_kiosk(home=home, timeout=45)
        assert refused.returncode == exits.STORE_BUSY
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1, refused.stderr
        assert f"pid {first.pid}" in lines[0]
        assert "already running" in lines[0]
        # Tools that only read (or use their own store) work beside the running kiosk.
        assert run_kiosk("--print-config", home=home).returncode == 0
        bundle = tmp_path / "diag.zip"
        assert run_kiosk("--diagnostics", "--out", str(bundle), home=home).returncode == 0
        shot = tmp_path / "board.png"
        done = run_kiosk("screenshot", "--screen", "board", "--out", str(shot), home=home)
        assert done.returncode == 0, done.stderr
        assert shot.stat().st_size > 0
        assert first.poll() is None  # none of that disturbed the first one

        os.kill(first.pid, signal.SIGKILL)  # no clean-up: the OS drops the lock
        first.wait(timeout=10)
        second = _start(home)
        _wait_until_holding(second, home)
        assert second.poll() is None
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
