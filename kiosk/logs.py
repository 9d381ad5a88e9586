"""The kiosk's logs: rotating files in the log dir, crash traces, nothing on the screen.

* ``kiosk.log``: INFO and up, rotated at 1 MiB, five old files kept
  (``kiosk.log.1`` ... ``kiosk.log.5``), so a kiosk left running for years
  holds at most ~6 MiB of logs.
* ``crash.log``: ``faulthandler`` writes the Python stack of every thread there
  when the process dies of a fatal signal (segfault in Qt, abort) -- the cases
  a ``logging`` handler never sees. Each start adds a header line so a trace
  can be matched to the start it belongs to.
* stderr gets WARNING and up only (the journal, under systemd); the operator
  never sees a traceback.
* Secrets never reach a file or the journal: every line (and traceback) goes
  through :func:`mask_text`, and the start-up line's argv through
  :func:`mask_argv` (the enrolment code is a credential until it is used).
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TextIO

LOG_FILE = "kiosk.log"
CRASH_FILE = "crash.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"

log = logging.getLogger(__name__)

#: Options whose value is a credential: masked wherever a command line is logged.
SECRET_OPTIONS = ("--code", "--token", "--enrolment-code")
MASK = "***"
_SECRET_TEXT = (
    (re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"), r"\1***"),
    (re.compile(r"(?i)(://[^/\s:@]+:)[^@\s/]+@"), r"\1***@"),
    (
        re.compile(
            r"(?i)\b(\w*(?:token|secret|password|passwd|pin|enrol\w*_code)\w*)"
            r"([\"']?\s*[=:]\s*[\"']?)[^\s\"',&;]+"
        ),
        r"\1\2***",
    ),
    (re.compile(r"(?i)(--(?:enrolment-)?(?:code|token)(?:=|\s+))[^\s\"',;]+"), r"\1***"),
)


def mask_text(line: str) -> str:
    """Text with bearer tokens, URL passwords, ``token=...`` values and ``--code X`` masked."""
    for pattern, repl in _SECRET_TEXT:
        line = pattern.sub(repl, line)
    return line


def mask_argv(argv: Sequence[str]) -> list[str]:
    """A command line fit for a log: the value of every secret option masked."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append(MASK)
            hide_next = False
        elif arg in SECRET_OPTIONS:
            out.append(arg)
            hide_next = True
        elif arg.startswith(tuple(o + "=" for o in SECRET_OPTIONS)):
            out.append(arg.split("=", 1)[0] + "=" + MASK)
        else:
            out.append(arg)
    return out


class MaskingFormatter(logging.Formatter):
    """Masks secrets in the whole formatted record, traceback and all."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


#: Kept open for the life of the process: faulthandler writes to its descriptor.
_crash_file: TextIO | None = None


def setup_logging(log_dir: Path, *, stderr_level: int = logging.WARNING) -> Path:
    """Log to ``log_dir/kiosk.log`` (rotating) and arm faulthandler; returns the log file."""
    global _crash_file
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_kiosk", False)]:
        root.removeHandler(handler)
        handler.close()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    file_handler.setLevel(logging.INFO)
    file_handler.setFormatter(MaskingFormatter(FORMAT))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(stderr_level)
    console.setFormatter(MaskingFormatter("%(levelname)s %(name)s: %(message)s"))
    handlers: tuple[logging.Handler, ...] = (file_handler, console)
    for handler in handlers:
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The sync job runs twice a second; at INFO its executor would fill the rotating
    # files in hours and push out the lines support needs.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.captureWarnings(True)

    crash = log_dir / CRASH_FILE
    if crash.is_file() and crash.stat().st_size > MAX_BYTES:
        crash.replace(crash.with_name(CRASH_FILE + ".1"))
    if _crash_file is not None:
        _crash_file.close()
    _crash_file = crash.open("a", encoding="utf-8")
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    _crash_file.write(f"--- pid {os.getpid()} started {stamp}\n")
    _crash_file.flush()
    faulthandler.enable(file=_crash_file, all_threads=True)
    sys.excepthook = _log_uncaught
    return path


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    log.critical("uncaught exception", exc_info=(kind, value, tb))


def log_files(log_dir: Path) -> list[Path]:
    """The log files, oldest first (``kiosk.log.5`` ... ``kiosk.log``)."""
    rotated = [log_dir / f"{LOG_FILE}.{n}" for n in range(BACKUP_COUNT, 0, -1)]
    return [p for p in [*rotated, log_dir / LOG_FILE] if p.is_file()]


def tail(log_dir: Path, lines: int = 500) -> list[str]:
    """The last ``lines`` lines across the rotated files."""
    out: list[str] = []
    for path in reversed(log_files(log_dir)):
        with path.open(encoding="utf-8", errors="replace") as f:
            out = f.read().splitlines() + out
        if len(out) >= lines:
            break
    return out[-lines:]
