"""``kiosk-server``: migrate, optionally seed the demo plant, and serve the API with uvicorn.

kiosk-server [--config FILE] [--database URL] [--host H] [--port P] [--workers N]
             [--inbox-processes N] [--demo]
kiosk-server --print-config
kiosk-server admin create-token [--name NAME] [--database URL] [--create]
kiosk-server admin create-user NAME [--role office|admin] [--database URL] [--create]

Every command reads the same settings (``sync.server.settings``): the file, the
environment, the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlalchemy import make_url

from sync.server import logs, settings
from sync.server.database import DatabaseError, open_database, shown

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("sync.server")


def app_from_env() -> FastAPI:
    """The factory each uvicorn worker calls; the parent process resolved the settings."""
    from kiosk.store.engine import make_engine
    from sync.server.app import create_app

    config = settings.resolved()
    logs.configure(config["log_level"])
    return create_app(make_engine(config.database_url), config.app_settings())


def _setting_options(parser: argparse.ArgumentParser) -> None:
    for s in settings.SETTINGS:
        if s.option is not None:
            kind = int if isinstance(s.default, int) else str
            parser.add_argument(s.option, dest=s.name, type=kind, help=s.help)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-server", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        type=Path,
        help=f"settings file (default: {settings.FILE_NAME} in the config dir)",
    )
    _setting_options(parser)
    parser.add_argument("--demo", action="store_true", help="seed the demo plant if empty")
    parser.add_argument(
        "--print-config", action="store_true", help="show each setting and where it came from"
    )
    sub = parser.add_subparsers(dest="command")
    admin = sub.add_parser("admin", help="administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    token = admin_sub.add_parser("create-token", help="print a new admin token (shown once)")
    token.add_argument("--name", default="admin")
    token.add_argument("--database", dest="admin_database", help="as kiosk-server --database")
    token.add_argument(
        "--create", action="store_true", help="set up the database if it has no plant schema yet"
    )
    user = admin_sub.add_parser(
        "create-user",
        help="add an office console user (the password is asked for, or read from stdin)",
    )
    user.add_argument("username")
    user.add_argument("--role", choices=["office", "admin"], default="office")
    user.add_argument("--database", dest="admin_database", help="as kiosk-server --database")
    user.add_argument(
        "--create", action="store_true", help="set up the database if it has no plant schema yet"
    )
    return parser


def _fail(message: str, code: int = 2) -> int:
    print(f"kiosk-server: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cli = {s.name: getattr(args, s.name, None) for s in settings.SETTINGS}
    if getattr(args, "admin_database", None):
        cli["database_url"] = args.admin_database
    try:
        config = settings.load(cli, file=args.config)
    except settings.SettingsError as err:
        return _fail(str(err))
    if args.print_config:
        print("\n".join(settings.describe(config)))
        return 0
    logs.configure(config["log_level"])
    try:
        if args.command == "admin":
            return _admin(args, config)
        return _serve_command(args, config)
    except DatabaseError as err:
        return _fail(str(err), err.exit_code)


def _password() -> str | None:
    """The new user's password: asked twice on a terminal, else stdin's first line."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        return None
    return first


def _create_user(args: argparse.Namespace, config: settings.ServerConfig) -> int:
    from kiosk.domain.errors import DomainError
    from sync.server.office.accounts import create_user
    from sync.server.state import ServerState

    password = _password()
    if password is None:
        return _fail("the two passwords differ; nothing was created")
    engine = open_database(config.database_url, create=args.create)
    try:
        state = ServerState.build(engine, config.app_settings())
        with state.write() as session:
            person = create_user(session, args.username, args.role, password, by="cli")
    except DomainError as err:
        return _fail(err.message)
    finally:
        engine.dispose()
    print(f"office user {person.username} ({person.role}) created")
    return 0


def _admin(args: argparse.Namespace, config: settings.ServerConfig) -> int:
    if args.admin_command == "create-user":
        return _create_user(args, config)
    from sync.server.auth import create_admin_token
    from sync.server.state import ServerState

    engine = open_database(config.database_url, create=args.create)
    try:
        state = ServerState.build(engine, config.app_settings())
        print(create_admin_token(state, args.name))
    finally:
        engine.dispose()
    log.info("admin token %r created in %s", args.name, shown(config.database_url))
    return 0


def _serve_command(args: argparse.Namespace, config: settings.ServerConfig) -> int:
    url = config.database_url
    if config["workers"] > 1 and make_url(url).get_backend_name() == "sqlite":
        return _fail("several workers need PostgreSQL (--database / KIOSK_DATABASE_URL)")
    # Serving is the install step: an empty database gets the schema (said in the log).
    engine = open_database(url, create=True)
    if args.demo:
        from kiosk.demo import is_seeded, seed_demo_plant

        if not is_seeded(engine):
            seed_demo_plant(engine)
            log.info("demo plant seeded")
        from sqlalchemy.orm import Session

        from sync.server.office.accounts import DEMO_PASSWORD, DEMO_USER, ensure_demo_user

        with Session(engine) as session, session.begin():
            ensure_demo_user(session)
        log.warning(
            "demo: office console at http://%s:%s/office/ - sign in as %s / %s",
            config["host"],
            config["port"],
            DEMO_USER,
            DEMO_PASSWORD,
        )
    engine.dispose()
    import uvicorn

    os.environ[settings.RESOLVED_ENV] = config.to_env()
    # Before prometheus_client is first imported (here or in a worker): see sync.server.metrics.
    from kiosk.config import paths
    from sync.server.metrics_dir import prepare_dir

    prepare_dir(paths().data_dir / f"metrics-{config['port']}")
    log.info(
        "serving %s on %s:%s (%s web workers, %s)",
        shown(url),
        config["host"],
        config["port"],
        config["workers"],
        f"{config.inbox_processes} inbox processes"
        if config.inbox_processes
        else "the inbox in a thread of each",
    )
    trusted = config["forwarded_allow_ips"]
    uv_config = uvicorn.Config(
        "sync.server.__main__:app_from_env",
        factory=True,
        host=config["host"],
        port=config["port"],
        workers=config["workers"],
        log_config=None,
        access_log=False,  # RequestIdMiddleware writes the one access line
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )
    from sync.server.inbox_process import InboxProcesses

    with InboxProcesses(config.inbox_processes, os.environ.copy()):
        return _serve(uv_config)


class _Stopped(Exception):
    """SIGTERM: stop serving and end what the server started."""


def _stopped(*_: object) -> None:
    raise _Stopped


def _serve(config: uvicorn.Config) -> int:
    """``uvicorn.run`` for a prepared config, with TCP_NODELAY kept for several workers.

    With ``workers > 1`` uvicorn binds the listening socket itself with ``proto`` 0;
    accepted sockets inherit it and asyncio sets ``TCP_NODELAY`` only on sockets that
    say ``IPPROTO_TCP``, so every keep-alive answer after the first waited ~40 ms for
    the client's delayed ACK (uvicorn issue #3149). The socket is re-wrapped as TCP.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if config.workers <= 1:
        server = uvicorn.Server(config)
        # uvicorn raises the SIGTERM it handled again once it has shut down; with the
        # default handler the process would die there, before its inbox processes end.
        signal.signal(signal.SIGTERM, _stopped)
        with contextlib.suppress(KeyboardInterrupt, _Stopped):
            server.run()
        return 0 if server.started else 3  # uvicorn's STARTUP_FAILURE
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        sock.set_inheritable(True)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock]).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
