"""The README's Caddyfile in front of a real server: TLS from the plant's own CA, a kiosk
enrolled with ``--ca-bundle`` that keeps using it, and the kiosk's address in the log."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from sync.client import SyncClient
from sync.enrolment import load
from tests.server.process import free_port, kiosk_server

README = Path(__file__).parents[2] / "README.md"
ADMIN_TOKEN = "reverse-proxy-admin-secret-0123456789"
KIOSK = Path(sys.executable).with_name("kiosk")


def readme_caddyfile() -> str:
    """The first ``caddyfile`` block of the README's TLS section, as a plant would copy it."""
    section = README.read_text(encoding="utf-8").split("### TLS in front of the server", 1)[1]
    match = re.search(r"```caddyfile\n(.*?)```", section, flags=re.S)
    assert match, "the README's TLS section has no caddyfile block"
    return match.group(1)


def for_this_test(caddyfile: str, port: int, backend: str, data: Path) -> str:
    """The plant's file with a test host, ports, storage, and no admin endpoint."""
    assert "plant.example.lan {" in caddyfile
    assert "127.0.0.1:8470" in caddyfile
    text = caddyfile.replace("plant.example.lan {", f"localhost:{port} {{")
    text = text.replace("127.0.0.1:8470", backend.removeprefix("http://"))
    extra = (
        f"\tadmin off\n\thttp_port {free_port()}\n\thttps_port {port}\n"
        f"\tstorage file_system {data}\n"
    )
    return text.replace("{\n", "{\n" + extra, 1)


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[str, str, Path, Path]]:
    """(https URL through Caddy, the server's URL, the CA root, the server's log)."""
    caddy = shutil.which("caddy")
    assert caddy, "caddy is missing: packaging/system-deps.sh --ci installs it"
    log = tmp_path / "server.log"
    env = {"KIOSK_ADMIN_TOKEN": ADMIN_TOKEN, "KIOSK_HOME": str(tmp_path / "server")}
    database = f"sqlite:///{tmp_path / 'server.db'}"
    with kiosk_server(database, env=env, log_file=log, log_level="INFO") as backend:
        port = free_port()
        config = tmp_path / "Caddyfile"
        config.write_text(for_this_test(readme_caddyfile(), port, backend, tmp_path / "caddy"))
        proc = subprocess.Popen(
            [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "caddy.log").open("wb"),
            env={**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)},
        )
        root = tmp_path / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        url = f"https://localhost:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, (tmp_path / "caddy.log").read_text()[-2000:]
                try:
                    if (
                        root.exists()
                        and requests.get(f"{url}/healthz", verify=str(root), timeout=2).ok
                    ):
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "caddy.log").read_text()[-2000:]
                time.sleep(0.2)
            yield url, backend, root, log
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def enrolment_code(url: str, root: Path) -> str:
    answer = requests.post(
        f"{url}/api/v1/devices/enrolment-codes",
        json={"workstation": "MAIN-1"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        verify=str(root),
        timeout=10,
    )
    if answer.status_code == 409 or answer.status_code == 404:
        requests.post(
            f"{url}/api/v1/workstations",
            json={"code": "MAIN-1", "name": "Main 1"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            verify=str(root),
            timeout=10,
        ).raise_for_status()
        return enrolment_code(url, root)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["code"])


def kiosk(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(KIOSK)] if KIOSK.exists() else [sys.executable, "-m", "ui.app"]
    env = {**os.environ, "KIOSK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("REQUESTS_CA_BUNDLE", None)
    return subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_kiosk_enrols_and_syncs_through_the_readme_proxy(
    proxied: tuple[str, str, Path, Path], tmp_path: Path
) -> None:
    url, _, root, _ = proxied
    home = tmp_path / "tablet"

    refused = kiosk(home, "enroll", "--server", url, "--code", enrolment_code(url, root))
    assert refused.returncode == 1, refused
    assert "certificate verify failed" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr  # no traceback

    done = kiosk(
        home, "enroll", "--server", url, "--code", enrolment_code(url, root),
        "--ca-bundle", str(root),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    os.environ["KIOSK_HOME"] = str(home)
    try:
        creds = load()
    finally:
        del os.environ["KIOSK_HOME"]
    assert creds is not None
    assert creds.server == url
    store = tmp_path / "kiosk.db"
    engine = make_engine(f"sqlite:///{store}")
    upgrade(engine)
    client = SyncClient(engine, creds.server, creds.token, creds.device_id, verify=creds.verify)
    try:
        client.sync_once()  # pull (a snapshot) and push over TLS with the kept bundle
        assert client.reachable()  # the offline probe too
        with engine.connect() as conn:
            codes = conn.execute(text("SELECT code FROM workstation")).scalars().all()
        assert "MAIN-1" in codes  # the snapshot came through the proxy
    finally:
        client.close()
        engine.dispose()


def _get_from(address: str, url: str, root: Path | None, forwarded: str | None = None) -> int:
    """A request from another loopback address (a tablet elsewhere on the network)."""
    scheme, rest = url.split("://")
    host, port = rest.split(":")
    conn: http.client.HTTPConnection
    if scheme == "https":
        context = ssl.create_default_context(cafile=str(root))
        conn = http.client.HTTPSConnection(
            host, int(port), context=context, source_address=(address, 0), timeout=10
        )
    else:
        conn = http.client.HTTPConnection(host, int(port), source_address=(address, 0), timeout=10)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    try:
        conn.request("GET", "/api/v1/sites", headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def _clients(log: Path, count: int) -> list[object]:
    """The client address of the server's access lines for GET /api/v1/sites."""
    deadline = time.monotonic() + 5
    while True:
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        clients = [
            line.get("client")
            for line in lines
            if line.get("logger") == "sync.server.access"
            and "GET /api/v1/sites " in str(line.get("msg"))
        ]
        if len(clients) >= count or time.monotonic() > deadline:
            return clients
        time.sleep(0.1)


def test_the_server_logs_the_kiosks_address_behind_the_proxy(
    proxied: tuple[str, str, Path, Path],
) -> None:
    url, backend, root, log = proxied
    assert _get_from("127.0.0.5", url, root) == 200
    # Straight to the server from an address that is not the proxy: its claim is ignored.
    assert _get_from("127.0.0.6", backend, None, forwarded="10.9.9.9") == 200
    assert _clients(log, 2) == ["127.0.0.5", "127.0.0.6"]
