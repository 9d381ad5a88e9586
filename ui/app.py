"""The ``kiosk`` command: the full-screen touch app, a headless screenshot tool, a text board.

kiosk [--demo] [--windowed] [--database URL] [--workstation CODE] [--config FILE] ...
kiosk [--demo] screenshot --screen NAME --out FILE.png [--size 1280x800]
kiosk [--demo] board
kiosk --print-config                   each setting and where it came from
kiosk --diagnostics [--out FILE.zip]   a support bundle (no secrets)

Settings (kiosk.settings): the file in the config dir, ``KIOSK_*`` variables,
then these options. A bad value exits with code 2 and one line on stderr.
Logs go to rotating files in the log dir (kiosk.logs), never to the screen.
Exit codes (kiosk.exits): 75 another kiosk holds the store, 78 the store is
from a newer version (the session unit does not restart on 78).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.settings import Settings

DEMO_WORKSTATION = "ASSY-1"
NEEDS_KIOSK_EXTRA = "the kiosk's screens need the kiosk extra: pip install 'shopfloor-kiosk[kiosk]'"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk", description="Shop-floor kiosk.")
    parser.add_argument("--demo", action="store_true", help="start on a fresh demo plant")
    parser.add_argument("--database", help="SQLAlchemy URL of the local store")
    parser.add_argument("--windowed", action="store_true", help="a window, not full-screen")
    parser.add_argument("--size", default="1280x800", help="window size when windowed")
    parser.add_argument("--config", type=Path, help="settings file (default: config dir)")
    from kiosk.settings import SETTINGS

    for setting in SETTINGS:  # validated by kiosk.settings, not argparse: one error format
        parser.add_argument(setting.option, dest=setting.name, help=setting.help)
    parser.add_argument(
        "--print-config", action="store_true", help="show each setting and where it came from"
    )
    parser.add_argument(
        "--diagnostics", action="store_true", help="write a support bundle (zip, no secrets)"
    )
    parser.add_argument("--out", dest="diagnostics_out", type=Path, help="file for --diagnostics")
    sub = parser.add_subparsers(dest="command")
    shot = sub.add_parser("screenshot", help="render one screen with demo data to a PNG")
    from ui.screenshot import SCREENS

    shot.add_argument("--screen", required=True, choices=sorted(SCREENS))
    shot.add_argument("--out", required=True, type=Path)
    # Also here, where the README and --help put it (after the subcommand).
    shot.add_argument("--size", dest="shot_size", help="window size, e.g. 1280x800")
    sub.add_parser("board", help="print the board in the terminal")
    enroll = sub.add_parser("enroll", help="enrol this kiosk with a plant server")
    enroll.add_argument(
        "--server", help="the plant server's URL (default: server_url from the settings)"
    )
    enroll.add_argument("--code", required=True, help="one-time enrolment code from the office")
    enroll.add_argument("--name", help="this kiosk's name on the server (default: host name)")
    enroll.add_argument("--ca-bundle", help="CA bundle to trust for the server's TLS certificate")
    args = parser.parse_args(argv)
    if getattr(args, "shot_size", None):
        args.size = args.shot_size
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must look like 1280x800, not {args.size!r}")
    args.width, args.height = w, h
    return args


def enrolled_settings(settings: Settings) -> tuple[Settings, list[str]]:
    """The settings with the enrolment (sync.json) on top, and what disagrees with it."""
    from kiosk.settings import with_enrolment
    from sync.enrolment import credentials_path, load

    try:
        creds = load()
    except (ValueError, TypeError, OSError) as err:
        return settings, [f"the enrolment {credentials_path()} cannot be read: {err}"]
    if creds is None:
        return settings, []
    return with_enrolment(settings, creds.server, creds.workstation, credentials_path())


def load_settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from kiosk.settings import SETTINGS, load

    return load({s.name: getattr(args, s.name, None) for s in SETTINGS}, file=args.config)


def main(argv: Sequence[str] | None = None) -> int:
    try:  # a server-only install has no Qt: say what to install, not a traceback
        import PySide6  # noqa: F401
    except ImportError:
        print(f"kiosk: error: {NEEDS_KIOSK_EXTRA}", file=sys.stderr)
        return 2
    args = parse_args(argv)
    from kiosk.settings import SettingsError

    try:
        args.settings = load_settings(args)
    except SettingsError as e:
        print(f"kiosk: error: {e}", file=sys.stderr)
        return 2
    if args.print_config:
        from kiosk.settings import describe
        from sync.enrolment import credentials_path

        settings, warnings = enrolled_settings(args.settings)
        print("\n".join(describe(settings, warnings, credentials_path())))
        return 0
    if args.diagnostics:
        return write_diagnostics(args)
    if args.command == "screenshot" and not args.database:
        # A private demo plant: never touch the operator's store to take a picture.
        os.environ["KIOSK_HOME"] = tempfile.mkdtemp(prefix="kiosk-shot-")
        args.demo = True
    from kiosk.config import paths
    from kiosk.logs import mask_argv, setup_logging

    setup_logging(paths().log_dir)
    logging.getLogger(__name__).info(
        "kiosk %s starting: %s",
        _version(),
        " ".join(mask_argv(sys.argv[1:] if argv is None else argv)),
    )
    from kiosk import exits
    from kiosk.store.lock import StoreBusy
    from kiosk.store.migrate import StoreTooNew

    try:
        return _run_command(args)
    except (StoreTooNew, StoreBusy) as err:
        logging.getLogger(__name__).error("%s", err)  # one line: the log file and stderr
        return exits.STORE_TOO_NEW if isinstance(err, StoreTooNew) else exits.STORE_BUSY


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "board":
        from kiosk.app import board_lines

        print("\n".join(board_lines(_engine(args))))
        return 0
    if args.command == "enroll":
        from kiosk.logs import mask_text
        from sync.enrolment import EnrolmentFailed, enrol, save

        server = args.server or args.settings.server_url
        if not server:
            print(
                "kiosk enroll: error: name the server: --server URL, or server_url in "
                f"{args.settings.file}",
                file=sys.stderr,
            )
            return 2
        try:
            creds = enrol(server, args.code, name=args.name, ca_bundle=args.ca_bundle)
        except EnrolmentFailed as err:
            print(f"kiosk enroll: {mask_text(str(err))}", file=sys.stderr)
            return 1
        print(
            f"Enrolled as device {creds.device_id} at workstation {creds.workstation} "
            f"(site {creds.site}); token kept in {save(creds)}"
        )
        return 0
    if args.command == "screenshot":
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from kiosk.station import Station
        from ui.screenshot import screenshot

        station = Station(_engine(args), DEMO_WORKSTATION, "screenshot")
        screenshot(station, args.screen, args.out, (args.width, args.height))
        print(args.out)
        return 0
    from ui.composition_root import run

    return run(args)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("shopfloor-kiosk")
    except metadata.PackageNotFoundError:
        return "(unknown version)"


def write_diagnostics(args: argparse.Namespace) -> int:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    from kiosk.diagnostics import default_out, write_bundle

    out = write_bundle(
        args.diagnostics_out or default_out(),
        args.settings,
        args.database,
        extra_versions={"qt": qVersion(), "pyside6": pyside_version, "kiosk": _version()},
    )
    print(out)
    return 0


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from kiosk.app import fresh_demo_store, open_store
    from kiosk.config import paths, sqlite_url

    if args.demo:
        return fresh_demo_store()
    return open_store(args.database or sqlite_url(paths().local_store))


def display_up() -> bool:
    """Is there a screen someone can read (not the offscreen/minimal test platforms)?"""
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.platformName() not in ("offscreen", "minimal", "")


def choose_workstation(configured: str | None, enrolled: str | None, *, demo: bool) -> str | None:
    """Where this kiosk stands: its settings, else where the office enrolled it (the
    enrolment code names a workstation), else the demo's; None shows the whole plant.
    (A disagreement is logged at the start, by kiosk.settings.with_enrolment.)"""
    return configured or enrolled or (DEMO_WORKSTATION if demo else None)


def _install_translation(app, language: str) -> None:  # type: ignore[no-untyped-def]
    """resources/translations/kiosk_<language>.qm when there is one; else the English text."""
    from PySide6.QtCore import QTranslator

    from ui.resources import resources_dir

    for name in (language, language.split("_")[0]):
        qm = resources_dir() / "translations" / f"kiosk_{name}.qm"
        translator = QTranslator(app)
        if qm.is_file() and translator.load(str(qm)):
            app.installTranslator(translator)
            return
    if language.split("_")[0] != "en":
        logging.getLogger(__name__).warning("no translation for %r; showing English", language)


if __name__ == "__main__":
    sys.exit(main())
