"""``kiosk --demo``'s own plant server: kiosk-server on loopback, in a thread, on a demo
SQLite of its own, with this kiosk enrolled to it, so the first command shows the whole
system (floor actions reach the server; office changes reach the kiosk)."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from kiosk.demo import seed_demo_plant
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from sync.enrolment import Credentials, enrol

log = logging.getLogger(__name__)


@dataclass
class DemoServer:
    url: str
    admin_token: str
    credentials: Credentials
    _server: object
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True  # type: ignore[attr-defined]
        self._thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_demo_server(data_dir: Path, workstation: str) -> DemoServer:
    """A fresh demo plant served on 127.0.0.1 (a random free port), this kiosk enrolled."""
    import uvicorn

    from sync.server.app import create_app
    from sync.server.settings import Settings

    path = data_dir / "demo-server.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_demo_plant(engine)
    from sqlalchemy.orm import Session

    from sync.server.office.accounts import DEMO_PASSWORD, DEMO_USER, ensure_demo_user

    with Session(engine) as session, session.begin():
        ensure_demo_user(session)
    admin = "demo-" + secrets.token_urlsafe(24)
    app = create_app(engine, Settings(admin_token=admin, inbox_worker=False))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo server did not start")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    code = requests.post(
        f"{url}/api/v1/devices/enrolment-codes",
        json={"workstation": workstation},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=10,
    ).json()["code"]
    creds = enrol(url, code, name="demo kiosk")
    log.info("demo server on %s; kiosk enrolled as %s", url, creds.device_id)
    # Said on the terminal, not only in the log: the README's first command shows the office.
    print(f"Office console: {url}/office/  (sign in as {DEMO_USER} / {DEMO_PASSWORD})", flush=True)
    return DemoServer(url, admin, creds, server, thread)
