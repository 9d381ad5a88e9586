"""Wires the kiosk together: store facade, worker thread, controller, theme, window."""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from types import TracebackType

from PySide6.QtWidgets import QApplication

from kiosk.station import Station
from ui.controller import Controller
from ui.main_window import KioskWindow
from ui.theme import Metrics, apply
from ui.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class Kiosk:
    station: Station
    worker: Worker
    controller: Controller
    window: KioskWindow
    metrics: Metrics

    def close(self) -> None:
        self.controller.poll_timer.stop()
        self.worker.stop()
        self.station.close()


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """Exceptions escaping a Qt slot: log them; the operator never sees a traceback."""
    log.critical("uncaught exception", exc_info=(kind, value, tb))


def build(
    app: QApplication,
    station: Station,
    *,
    idle_minutes: float = 15.0,
    metrics: Metrics | None = None,
) -> Kiosk:
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda hook: _log_uncaught(
        hook.exc_type, hook.exc_value or Exception(), hook.exc_traceback
    )
    metrics = metrics or Metrics.for_screen(app.primaryScreen())
    apply(app, metrics)
    worker = Worker()
    controller = Controller(station, worker)
    window = KioskWindow(
        metrics, controller, workstation=station.workstation, idle_minutes=idle_minutes
    )
    app.installEventFilter(window.scanner)
    app.installEventFilter(window)
    worker.submit(station.info, window.set_station)
    controller.start()
    window.show_clock_in()
    return Kiosk(station, worker, controller, window, metrics)
