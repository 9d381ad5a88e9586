"""One kiosk per store: an OS file lock beside the SQLite file.

Two kiosks on one store would each think they own the outbox and the screen.
The lock is ``fcntl.flock`` on ``<store>.lock``: the kernel drops it when the
process ends in any way (exit, crash, ``kill -9``), so a stale lock can never
keep a kiosk from starting. The file also holds the owner's pid, only so the
second kiosk can say who is in the way. Read-only tools (``--diagnostics``,
``--print-config``, ``screenshot`` on its private demo store) never take it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class StoreBusy(RuntimeError):
    """Another process holds the store; ``str()`` is the one line to show."""

    def __init__(self, store: Path, pid: str) -> None:
        who = f"pid {pid}" if pid else "another process"
        super().__init__(
            f"another kiosk ({who}) is already running on the store {store}; "
            "this one stops (one kiosk per store)"
        )
        self.pid = pid


class StoreLock:
    """Held from :meth:`acquire` until :meth:`release` or the end of the process."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.path = store.with_name(store.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> StoreLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise StoreBusy(self.store, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def lock_store(store: Path) -> StoreLock:
    """Take ``store``'s lock or raise :class:`StoreBusy` naming the holder's pid."""
    return StoreLock(store).acquire()
