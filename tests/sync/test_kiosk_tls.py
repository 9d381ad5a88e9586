"""A kiosk behind TLS signed by the plant's own CA: ``kiosk enroll --ca-bundle`` remembers
the bundle and every later request (push, pull, the health probe) trusts it; without it
the kiosk says what to do in one line, never a traceback.

The server is the real app under uvicorn with a certificate from a throwaway CA
(``trustme``); TLS is transport only, so SQLite is enough here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import trustme
from sqlalchemy import func, select

from kiosk.commands import ClockIn, CreateOperator
from kiosk.station import Station
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import AppliedCommand
from sync.client import Offline, SyncClient
from sync.enrolment import Credentials, load
from sync.runtime import start_sync
from sync.scheduler import SyncState
from tests.builders import OFFICE, Plant
from tests.server.process import free_port
from tests.sync.conftest import ADMIN, ADMIN_TOKEN, API

_BIN = Path(sys.executable).parent


@pytest.fixture
def tls_server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """(https base URL, the CA's PEM file, the database URL) of a kiosk-server under TLS."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    plant = Plant(engine)
    plant.workstation("W-1")
    plant.run(CreateOperator(badge="T1", name="Tess", pin="1234", actor=OFFICE))
    engine.dispose()
    ca = trustme.CA(organization_name="Plant internal CA")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_pem, key, chain = tmp_path / "plant-ca.pem", tmp_path / "key.pem", tmp_path / "cert.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    cert.private_key_pem.write_to_path(str(key))
    cert.cert_chain_pems[0].write_to_path(str(chain))
    port = free_port()
    env = dict(os.environ, KIOSK_DATABASE_URL=sqlite_url, KIOSK_ADMIN_TOKEN=ADMIN_TOKEN)
    env["KIOSK_LOG_LEVEL"] = "WARNING"
    proc = subprocess.Popen(
        [
            *(str(_BIN / "python"), "-m", "uvicorn", "sync.server.__main__:app_from_env"),
            *("--factory", "--host", "127.0.0.1", "--port", str(port)),
            *("--ssl-keyfile", str(key), "--ssl-certfile", str(chain), "--log-level", "warning"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "uvicorn exited"
            try:
                if requests.get(f"{base}/healthz", verify=str(ca_pem), timeout=1).ok:
                    break
            except requests.RequestException:
                assert time.monotonic() < deadline, "the TLS server did not start"
                time.sleep(0.1)
        yield base, ca_pem, sqlite_url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _code(base: str, ca_pem: Path) -> str:
    answer = requests.post(
        f"{base}{API}/devices/enrolment-codes",
        json={"workstation": "W-1"},
        headers=ADMIN,
        verify=str(ca_pem),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["code"])


def _enroll(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KIOSK_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [str(_BIN / "kiosk"), "enroll", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=home,
    )


def test_the_ca_bundle_given_at_enrolment_is_trusted_by_every_later_sync_request(
    tls_server: tuple[str, Path, str],
    tmp_path: Path,
    kiosk_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, ca_pem, db_url = tls_server
    home = tmp_path / "kiosk-home"
    home.mkdir()
    (home / "ca.pem").write_bytes(ca_pem.read_bytes())
    done = _enroll(home, "--server", base, "--code", _code(base, ca_pem), "--ca-bundle", "ca.pem")
    assert done.returncode == 0, done.stderr
    creds = load(home / "config" / "sync.json")
    assert creds is not None
    # Remembered as an absolute path: the kiosk service starts from another directory.
    assert creds.ca_bundle == str(home / "ca.pem")
    # A system-wide bundle that does not hold the plant's CA must not win over the kiosk's.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())

    store = tmp_path / "kiosk.db"
    store.write_bytes(kiosk_template.read_bytes())
    engine = make_engine(f"sqlite:///{store}")
    station = Station(engine, "W-1", creds.device_id)
    states: list[SyncState] = []
    snapshot, pushed_and_pulled = threading.Event(), threading.Event()

    def on_state(state: SyncState) -> None:
        states.append(state)
        if state.online and not state.error and state.waiting == 0:
            (pushed_and_pulled if snapshot.is_set() else snapshot).set()

    running = start_sync(station, creds, on_state, interval=0.2)
    try:
        assert snapshot.wait(30), states[-3:]  # pulled: the kiosk knows T1 now
        station.execute(ClockIn(badge="T1", actor=station.actor("T1")))
        pushed_and_pulled.clear()
        assert pushed_and_pulled.wait(30), states[-3:]
        assert running.client.reachable()  # the probe the scheduler uses while offline
    finally:
        running.stop()
        station.close()
        engine.dispose()
    server = make_engine(db_url)
    try:
        with server.connect() as conn:
            pushed = conn.scalar(
                select(func.count())
                .select_from(AppliedCommand)
                .where(AppliedCommand.device_id == creds.device_id)
            )
    finally:
        server.dispose()
    assert pushed == 1
    assert [s.error for s in states if s.error] == []


def test_without_the_ca_bundle_the_kiosk_says_what_to_do_in_one_line(
    tls_server: tuple[str, Path, str], tmp_path: Path, kiosk_template: Path
) -> None:
    base, ca_pem, _ = tls_server
    home = tmp_path / "kiosk-home"
    home.mkdir()
    refused = _enroll(home, "--server", base, "--code", _code(base, ca_pem))
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert refused.stderr.strip().count("\n") == 0, refused.stderr
    assert "not trusted" in refused.stderr
    assert "--ca-bundle" in refused.stderr
    missing = _enroll(home, "--server", base, "--code", "x", "--ca-bundle", "nowhere.pem")
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr
    assert "nowhere.pem does not exist" in missing.stderr

    # A kiosk enrolled with the bundle whose bundle setting was lost: sync says the same.
    done = _enroll(
        home, "--server", base, "--code", _code(base, ca_pem), "--ca-bundle", str(ca_pem)
    )
    assert done.returncode == 0, done.stderr
    creds = load(home / "config" / "sync.json")
    assert isinstance(creds, Credentials)
    lost = replace(creds, ca_bundle=None)
    store = tmp_path / "kiosk.db"
    store.write_bytes(kiosk_template.read_bytes())
    engine = make_engine(f"sqlite:///{store}")
    client = SyncClient(engine, lost.server, lost.token, lost.device_id, verify=lost.verify)
    try:
        with pytest.raises(Offline) as offline:
            client.sync_once()
        assert not client.reachable()
    finally:
        client.close()
        engine.dispose()
    assert "not trusted" in str(offline.value)
    assert "--ca-bundle" in str(offline.value)
