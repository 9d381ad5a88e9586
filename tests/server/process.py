"""A real kiosk-server on a free loopback port: a process, or uvicorn in a thread.

``kiosk_server`` is for the tests and benchmarks that must see what production sees:
separate worker processes, each with its own engine and inbox worker, against one
database. ``serving`` runs the app in a thread on an engine the test also holds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import uvicorn
from sqlalchemy import Engine

from sync.server.app import create_app
from sync.server.settings import Settings

#: The console script next to this interpreter (the venv's), else ``python -m``.
_SCRIPT = Path(sys.executable).with_name("kiosk-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(engine: Engine, admin_token: str, port: int | None = None) -> Iterator[str]:
    """The app (uvicorn in a thread, no inbox worker) on ``engine``; its base URL."""
    port = port or free_port()
    app = create_app(engine, Settings(admin_token=admin_token, inbox_worker=False))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _command() -> list[str]:
    if _SCRIPT.exists():
        return [str(_SCRIPT)]
    return [sys.executable, "-m", "sync.server"]


@contextmanager
def kiosk_server(
    database: str | None,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log_file: Path | None = None,
    log_level: str = "WARNING",
    start_timeout: float = 30.0,
    extra_args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Run ``kiosk-server --database DATABASE --workers N`` until the block ends; its base URL.

    ``database=None`` passes no ``--database``: the server finds it in ``env`` or its file.

    The server answers ``/healthz`` before the block starts. Its log (JSON lines) goes
    to ``log_file`` (default: discarded); when it fails to start, the tail is raised.
    """
    port = free_port()
    environment = os.environ.copy()
    environment.update(env or {})
    args = [
        *_command(),
        *(["--database", database] if database is not None else []),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        log_level,
        *extra_args,
    ]
    log = open(log_file, "wb") if log_file else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        args,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its workers form a group we can end together
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(proc, base, start_timeout, log_file)
        yield base
    finally:
        _stop(proc)
        if log_file:
            log.close()  # type: ignore[union-attr]


def _wait_until_healthy(
    proc: subprocess.Popen[bytes], base: str, timeout: float, log_file: Path | None
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"kiosk-server exited with {proc.returncode}{_tail(log_file)}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"kiosk-server did not answer within {timeout:.0f} s{_tail(log_file)}"
            )
        time.sleep(0.1)


def _tail(log_file: Path | None) -> str:
    if not log_file or not log_file.exists():
        return ""
    return "; log tail:\n" + log_file.read_text(errors="replace")[-3000:]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn shuts its workers down gracefully); SIGKILL to its group if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # Not reaped yet, so the group id is still ours: the supervisor and its workers.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def processes() -> dict[int, tuple[int, bytes]]:
    """Every process on this machine (Linux): its parent's pid and its command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline)
    return found


def server_pid(base: str) -> int:
    """The ``kiosk-server`` process that :func:`kiosk_server` started for ``base``."""
    listening = f"--port {base.rsplit(':', 1)[1]} ".encode()
    (pid,) = [pid for pid, (_, cmd) in processes().items() if listening in cmd]
    return pid
