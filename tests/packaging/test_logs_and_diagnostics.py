"""Rotating logs, crash traces, and the support bundle (with every secret kept out of it)."""

from __future__ import annotations

import faulthandler
import json
import logging
import logging.handlers
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from kiosk import logs
from kiosk.app import open_store
from kiosk.config import paths, sqlite_url
from kiosk.store.migrate import head_revisions
from kiosk.store.models import Base
from ui.app import main

SECRETS = ("hunter2", "tok-3f9a7c", "sekrit-shopify", "pw-in-log")


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """setup_logging changes process-wide state; put it back after the test."""
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
    faulthandler.enable(file=sys.__stderr__)


def test_logs_rotate_in_the_log_dir_and_crashes_are_traced(
    kiosk_home: Path, logging_restored: None
) -> None:
    log_dir = paths().log_dir
    path = logs.setup_logging(log_dir)
    assert path == log_dir / "kiosk.log"
    [handler] = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert (handler.baseFilename, handler.maxBytes, handler.backupCount) == (
        str(path),
        logs.MAX_BYTES,
        logs.BACKUP_COUNT,
    )
    assert 0 < handler.maxBytes <= 10 * 1024 * 1024
    assert handler.backupCount >= 2
    # Rotation really happens (a small limit, so the test stays quick).
    handler.maxBytes = 2000
    for n in range(200):
        logging.getLogger("kiosk.test").info("line %d %s", n, "x" * 40)
    assert (log_dir / "kiosk.log.1").is_file()
    assert not (log_dir / f"kiosk.log.{logs.BACKUP_COUNT + 1}").exists()
    assert logs.tail(log_dir, 3)[-1].endswith("line 199 " + "x" * 40)
    # The sync scheduler's twice-a-second INFO lines stay out of the files.
    logging.getLogger("apscheduler.executors.default").info("Job executed successfully")
    logging.getLogger("apscheduler.scheduler").warning("Job missed")
    recent = logs.tail(log_dir, 5)
    assert recent[-1].endswith("Job missed")
    assert not any("Job executed" in line for line in recent)
    # Crash traces: faulthandler armed on the crash file, a header per start.
    assert faulthandler.is_enabled()
    assert "started" in (log_dir / "crash.log").read_text()
    # Setting up twice (a restart in-process) does not double the handlers.
    logs.setup_logging(log_dir)
    rotating = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert len(rotating) == 1


def test_a_crash_leaves_a_trace_in_the_log_dir(kiosk_home: Path, tmp_path: Path) -> None:
    import subprocess

    code = (
        "import ctypes, logging; from kiosk.logs import setup_logging; from pathlib import Path; "
        f"setup_logging(Path({str(tmp_path / 'log')!r})); "
        "logging.getLogger('x').warning('about to crash'); ctypes.string_at(0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    crash = (tmp_path / "log" / "crash.log").read_text()
    assert "Fatal Python error: Segmentation fault" in crash
    assert "Traceback" not in run.stdout


def _pending_outbox(engine: Engine) -> int:
    """Three pending commands in the outbox, when this version of the store has one."""
    outbox = Base.metadata.tables.get("outbox")
    if outbox is None:
        return 0
    rows = [
        {
            "seq": n,
            "command_id": f"00000000-0000-0000-0000-00000000000{n}",
            "type": "log_output",
            "at": datetime.now(UTC),
            "actor": {"operator": "op-1", "pin": "1234"},
            "payload": {"qty": "1"},
            "status": "pending",
            "detail": "",
            "message": "",
        }
        for n in (1, 2, 3)
    ]
    with engine.begin() as conn:
        conn.execute(insert(outbox), [{k: v for k, v in r.items() if k in outbox.c} for r in rows])
    return len(rows)


def test_diagnostics_bundle_has_what_support_needs_and_no_secrets(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(
        'server_url = "https://kiosk:hunter2@plant.example.com"\nworkstation = "ASSY-1"\n'
    )
    monkeypatch.setenv("KIOSK_TOKEN", "tok-3f9a7c")
    monkeypatch.setenv("KIOSK_SHOPIFY_SECRET", "sekrit-shopify")
    engine = open_store(sqlite_url(paths().local_store))
    pending = _pending_outbox(engine)
    engine.dispose()
    log_dir = paths().log_dir
    log_dir.mkdir(parents=True)
    (log_dir / "kiosk.log.1").write_text("old line\n")
    (log_dir / "kiosk.log").write_text(
        "INFO sync: push with Authorization: Bearer tok-3f9a7c\n"
        "INFO sync: connecting to https://kiosk:pw-in-log@plant.example.com/api\n"
        "INFO sync: enrolled, token=tok-3f9a7c\n"
        "INFO last line\n"
    )
    (log_dir / "crash.log").write_text("--- pid 1 started\nFatal Python error: Aborted\n")
    out = config_file.parent / "bundle.zip"

    assert main(["--diagnostics", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)

    with zipfile.ZipFile(out) as z:
        files = {name: z.read(name).decode() for name in z.namelist()}
    assert {
        "README.txt",
        "settings.json",
        "environment.txt",
        "versions.json",
        "store.json",
        "logs/kiosk.log",
        "logs/crash.log",
    } <= set(files)
    for name, body in files.items():
        for secret in SECRETS:
            assert secret not in body, f"{secret!r} leaked into {name}"

    settings = json.loads(files["settings.json"])
    assert settings["values"]["workstation"] == "ASSY-1"
    assert settings["values"]["server_url"] == "https://kiosk:***@plant.example.com"
    assert settings["sources"]["workstation"] == "file"
    assert "KIOSK_TOKEN=***" in files["environment.txt"]

    versions = json.loads(files["versions.json"])
    assert versions["qt"]
    assert versions["python"].startswith("3.")
    assert "SQLAlchemy" in versions["packages"]

    store = json.loads(files["store.json"])
    assert store["revision"] == sorted(head_revisions())
    assert store["up_to_date"] is True
    assert store["size_bytes"]["db"] > 0
    if pending:
        assert store["outbox"] == {"total": pending, "by_status": {"pending": pending}}
    assert store["rows"]["alembic_version"] == 1

    log_lines = files["logs/kiosk.log"].splitlines()
    assert log_lines[0] == "old line"
    assert log_lines[-1] == "INFO last line"
    assert "Bearer ***" in files["logs/kiosk.log"]
    assert "Fatal Python error: Aborted" in files["logs/crash.log"]


def test_diagnostics_without_a_store_still_writes_a_bundle(
    kiosk_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = kiosk_home / "b.zip"
    assert main(["--diagnostics", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        store = json.loads(z.read("store.json"))
    assert store["exists"] is False
    assert not paths().local_store.exists()  # diagnostics never creates or migrates a store
