"""One cold start, run as its own process by the ui-start benchmark; prints "painted".

python -m tests.benchmarks.ui_start bare|demo|existing
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication([])
    label = QLabel("hello")
    label.resize(1280, 800)
    label.show()
    app.processEvents()
    label.grab()  # force a paint
    print("painted", flush=True)
    os._exit(0)  # measured up to here; skip PySide's (occasionally crashing) teardown


def kiosk(demo: bool) -> None:
    from PySide6.QtWidgets import QApplication

    from kiosk.app import fresh_demo_store, open_store
    from kiosk.config import paths, sqlite_url
    from kiosk.station import Station
    from ui.composition_root import build

    app = QApplication([])
    engine = fresh_demo_store() if demo else open_store(sqlite_url(paths().demo_store))
    k = build(app, Station(engine, "ASSY-1", "bench"))
    k.window.resize(1280, 800)
    k.window.show_board()
    k.window.show()
    while not k.controller.rows:
        app.processEvents()
    k.window.grab()
    print("painted", flush=True)
    k.close()
    os._exit(0)  # measured up to here; skip PySide's (occasionally crashing) teardown


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "bare":
        bare()
    else:
        kiosk(demo=kind == "demo")
