"""One worker thread for all database work; results return to the GUI thread as signals.

Anki's pattern: screens submit an operation with success/failure callbacks and
never touch the store themselves, so a slow disk can never freeze a tap.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from kiosk.domain.errors import DomainError

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong and it has been logged. Please tell a supervisor."


@dataclass(frozen=True)
class Failure:
    """What a screen shows when an operation fails: always plain words, never a traceback."""

    message: str
    #: The error's finest stable name (``DomainError.reason``): what a screen decides on.
    code: str
    error: BaseException


@dataclass
class _Callbacks:
    on_success: Callable[[Any], None] | None
    on_failure: Callable[[Failure], None] | None


class Worker(QObject):
    """Runs submitted functions one at a time on its own thread."""

    #: Emitted on the worker thread, delivered (queued) on the GUI thread.
    _finished = Signal(int, object, object)
    busy_changed = Signal(bool)
    #: Any failure not handled by its caller, e.g. for a toast.
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue[tuple[int, Callable[[], Any]] | None] = queue.Queue()
        # Callbacks stay on the GUI thread: they hold widgets, and a widget whose last
        # reference drops on the worker thread would be destroyed there.
        self._callbacks: dict[int, _Callbacks] = {}
        self._tickets = itertools.count(1)
        self._pending = 0
        self._finished.connect(self._deliver)
        self._thread = threading.Thread(target=self._loop, name="kiosk-db", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet delivered back to the GUI thread."""
        return self._pending

    def submit(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[Failure], None] | None = None,
    ) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        ticket = next(self._tickets)
        self._callbacks[ticket] = _Callbacks(on_success, on_failure)
        self._queue.put((ticket, fn))

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            ticket, fn = item
            del item
            try:
                result = fn()
            except DomainError as exc:
                self._finished.emit(ticket, None, Failure(exc.message, exc.reason, exc))
            except Exception as exc:
                log.exception("operation failed")
                self._finished.emit(ticket, None, Failure(UNEXPECTED, "unexpected", exc))
            else:
                self._finished.emit(ticket, result, None)
                del result
            del fn

    @Slot(int, object, object)
    def _deliver(self, ticket: int, result: Any, failure: Failure | None) -> None:
        self._pending -= 1
        job = self._callbacks.pop(ticket)
        try:
            if failure is None:
                if job.on_success is not None:
                    job.on_success(result)
            elif job.on_failure is not None:
                job.on_failure(failure)
            else:
                self.failed.emit(failure)
        except Exception:
            # A bug in a screen's callback: log it, keep the kiosk alive.
            log.exception("callback failed")
            self.failed.emit(Failure(UNEXPECTED, "unexpected", RuntimeError("callback")))
        finally:
            if self._pending == 0:
                self.busy_changed.emit(False)
