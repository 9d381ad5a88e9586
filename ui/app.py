"""The ``kiosk`` command: the full-screen touch app, a headless screenshot tool, a text board.

kiosk [--demo] [--windowed] [--database URL] [--workstation CODE]
kiosk [--demo] screenshot --screen NAME --out FILE.png [--size 1280x800]
kiosk [--demo] board
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

DEMO_WORKSTATION = "ASSY-1"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk", description="Shop-floor kiosk.")
    parser.add_argument("--demo", action="store_true", help="start on a fresh demo plant")
    parser.add_argument("--database", help="SQLAlchemy URL of the local store")
    parser.add_argument("--workstation", help="workstation code this kiosk stands at")
    parser.add_argument("--windowed", action="store_true", help="a window, not full-screen")
    parser.add_argument("--size", default="1280x800", help="window size when windowed")
    parser.add_argument("--idle-minutes", type=float, default=15.0, help="idle clock-out")
    sub = parser.add_subparsers(dest="command")
    shot = sub.add_parser("screenshot", help="render one screen with demo data to a PNG")
    from ui.screenshot import SCREENS

    shot.add_argument("--screen", required=True, choices=sorted(SCREENS))
    shot.add_argument("--out", required=True, type=Path)
    sub.add_parser("board", help="print the board in the terminal")
    args = parser.parse_args(argv)
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must look like 1280x800, not {args.size!r}")
    args.width, args.height = w, h
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "board":
        from kiosk.app import board_lines

        print("\n".join(board_lines(_engine(args))))
        return 0
    if args.command == "screenshot":
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ui.screenshot import screenshot

        if not args.database:
            # A private demo plant: never touch the operator's store to take a picture.
            os.environ["KIOSK_HOME"] = tempfile.mkdtemp(prefix="kiosk-shot-")
            args.demo = True
        from kiosk.station import Station

        station = Station(_engine(args), DEMO_WORKSTATION, "screenshot")
        screenshot(station, args.screen, args.out, (args.width, args.height))
        print(args.out)
        return 0
    return run_gui(args)


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from kiosk.app import fresh_demo_store, open_store
    from kiosk.config import paths, sqlite_url

    if args.demo:
        return fresh_demo_store()
    return open_store(args.database or sqlite_url(paths().local_store))


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from kiosk.app import device_id
    from kiosk.station import Station
    from ui.composition import build

    app = QApplication.instance() or QApplication(sys.argv[:1])
    workstation = args.workstation or os.environ.get("KIOSK_WORKSTATION")
    if workstation is None and args.demo:
        workstation = DEMO_WORKSTATION
    station = Station(_engine(args), workstation, device_id())
    kiosk = build(app, station, idle_minutes=args.idle_minutes)  # type: ignore[arg-type]
    if args.windowed:
        kiosk.window.resize(args.width, args.height)
        kiosk.window.show()
    else:
        kiosk.window.setProperty("kiosk_mode", True)
        kiosk.window.showFullScreen()
    kiosk.window.quit_requested.connect(app.quit)
    code = app.exec()
    kiosk.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
