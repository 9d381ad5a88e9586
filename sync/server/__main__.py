"""``kiosk-server``: migrate, optionally seed the demo plant, and serve the API with uvicorn.

kiosk-server [--database URL] [--host 127.0.0.1] [--port 8470] [--demo] [--workers N]
kiosk-server admin create-token [--name NAME] [--database URL]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
from typing import TYPE_CHECKING

from fastapi import FastAPI

from kiosk.config import paths, sqlite_url
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from sync.server import logs
from sync.server.settings import ENV_DATABASE, Settings

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("sync.server")


def default_database() -> str:
    return sqlite_url(paths().data_dir / "server.db")


def app_from_env() -> FastAPI:
    """The factory each uvicorn worker calls; the parent process passed the URL by environment."""
    from sync.server.app import create_app

    logs.configure(os.environ.get("KIOSK_LOG_LEVEL", "INFO"))
    url = os.environ.get(ENV_DATABASE) or default_database()
    return create_app(make_engine(url), Settings.from_env())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-server", description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in the data dir)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8470)
    parser.add_argument("--demo", action="store_true", help="seed the demo plant if empty")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command")
    admin = sub.add_parser("admin", help="administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    token = admin_sub.add_parser("create-token", help="print a new admin token (shown once)")
    token.add_argument("--name", default="admin")
    token.add_argument("--database", dest="admin_database")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure(args.log_level)
    url = getattr(args, "admin_database", None) or args.database or default_database()
    engine = make_engine(url)
    upgrade(engine)
    if args.command == "admin":
        from sync.server.auth import create_admin_token
        from sync.server.state import ServerState

        print(create_admin_token(ServerState.build(engine, Settings()), args.name))
        return 0
    if args.workers > 1 and engine.dialect.name == "sqlite":
        print("kiosk-server: several workers need PostgreSQL (--database)", file=sys.stderr)
        return 2
    if args.demo:
        from kiosk.demo import is_seeded, seed_demo_plant

        if not is_seeded(engine):
            seed_demo_plant(engine)
            log.info("demo plant seeded")
    engine.dispose()
    import uvicorn

    os.environ[ENV_DATABASE] = url
    os.environ["KIOSK_LOG_LEVEL"] = args.log_level
    log.info("serving %s on %s:%s", engine.url.render_as_string(), args.host, args.port)
    config = uvicorn.Config(
        "sync.server.__main__:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )
    return _serve(config)


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
        with contextlib.suppress(KeyboardInterrupt):
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
