"""The kiosk program's composition root: store facade, worker thread, controller, theme,
window and sync wired together once (`build`); nothing else constructs them."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import threading
from dataclasses import dataclass
from types import TracebackType

from PySide6.QtCore import QTimer
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
    gc_timer: QTimer

    def close(self) -> None:
        """Undo what ``build`` did to the process: its app-wide event filters, the worker,
        the store, and automatic GC (off while the worker ran; a kiosk left installed
        would hold and reorder the keys of whatever window comes next)."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.window.scanner)
            app.removeEventFilter(self.window)
        self.gc_timer.stop()
        self.controller.poll_timer.stop()
        self.worker.stop()
        self.station.close()
        # The worker thread has stopped: collecting here, on the GUI thread, is safe.
        gc.collect()
        gc.enable()


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

    def station_changed() -> None:
        window.board.set_home_workstation(station.workstation)
        worker.submit(station.info, window.set_station)
        controller.refresh()

    controller.station_changed.connect(station_changed)
    controller.start()
    window.show_clock_in()
    return Kiosk(station, worker, controller, window, metrics, _collect_on_gui_thread(app))


def _collect_on_gui_thread(app: QApplication) -> QTimer:
    """Python's cyclic GC runs on whichever thread allocates; if that is the worker and
    the garbage holds Qt objects, Qt destroys them off their thread and crashes. So
    automatic collection is off and the GUI thread collects on a timer (qutebrowser's
    remedy)."""
    gc.disable()
    timer = QTimer(app)
    timer.setInterval(2_000)
    timer.timeout.connect(_collect_due_generation)
    timer.start()
    return timer


def _collect_due_generation() -> None:
    """Collect the oldest generation whose allocation count passed its threshold."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return


def run(args: argparse.Namespace) -> int:
    """The ``kiosk`` program, start to exit: the store (locked, migrated), the facade,
    the window (``build``), sync, the event loop, and everything closed in order."""
    from PySide6.QtWidgets import QApplication

    from kiosk import exits
    from kiosk.app import device_id, store_file
    from kiosk.station import Station
    from kiosk.store.lock import lock_store
    from kiosk.store.migrate import StoreTooNew
    from sync.enrolment import load
    from ui import app as cli
    from ui.theme import Metrics

    settings = args.settings
    path = store_file(args.database, demo=args.demo)
    # Before any window: a second kiosk on this store stops here (StoreBusy, in main).
    lock = lock_store(path) if path is not None else None
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    cli._install_translation(app, settings.language)
    try:
        engine = cli._engine(args)
    except StoreTooNew as err:
        logging.getLogger(__name__).error("%s", err)
        if cli.display_up():
            from ui.refusal import show_refusal, store_too_new_screen, themed

            screen = store_too_new_screen(themed(app, settings.screen_scale), str(err))
            size = (args.width, args.height) if args.windowed else None
            show_refusal(app, screen, exits.STORE_TOO_NEW, windowed=size)
        return exits.STORE_TOO_NEW
    creds = None if args.demo else load()
    if not args.demo:
        for warning in cli.enrolled_settings(settings)[1]:
            logging.getLogger(__name__).warning("%s", warning)
    from ui import enrol

    enrol.suggest_server(settings.server_url)  # the enrol screen starts with it filled in
    workstation = cli.choose_workstation(
        settings.workstation, creds.workstation if creds else None, demo=args.demo
    )
    station = Station(engine, workstation, device_id())
    metrics = Metrics.for_screen(app.primaryScreen(), settings.screen_scale)
    kiosk = build(app, station, idle_minutes=settings.idle_minutes, metrics=metrics)
    from kiosk.config import paths
    from ui import sync_link

    sync = sync_link.start(
        station, kiosk.controller, demo=args.demo, data_dir=paths().data_dir, creds=creds
    )
    if args.windowed:
        kiosk.window.resize(args.width, args.height)
        kiosk.window.show()
    else:
        kiosk.window.show_kiosk()
    kiosk.window.quit_requested.connect(app.quit)
    code = app.exec()
    sync.stop()
    kiosk.close()
    if lock is not None:
        lock.release()
    return code
