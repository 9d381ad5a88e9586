"""The sync scheduler (backoff, kicks, one round at a time, clean stop) and ``kiosk --demo``'s
local server with a kiosk syncing against it."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from kiosk.commands import ClockIn, LogOutput
from kiosk.demo import seed_demo_plant
from kiosk.domain.errors import DomainError
from kiosk.station import Station
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import WorkOrder
from sync.client import Offline, SyncReport
from sync.demo import start_demo_server
from sync.enrolment import Credentials, EnrolmentFailed, enrol, load, save
from sync.runtime import start_sync
from sync.scheduler import SyncScheduler, SyncState
from tests.sync.conftest import ADMIN, SyncWorld


def _report() -> SyncReport:
    return SyncReport(0, 0, 0, 0, None, __import__("kiosk.store.base").store.base.utcnow())


def test_backoff_grows_with_full_jitter_up_to_the_cap() -> None:
    scheduler = SyncScheduler(
        _report, lambda s: None, min_backoff=2, max_backoff=60, rng=random.Random(1)
    )
    for failures in range(1, 12):
        cap = min(60, 2 * 2 ** (failures - 1))
        delays = [scheduler.delay_after_failure(failures) for _ in range(200)]
        assert all(1 <= d <= cap for d in delays)
    assert max(scheduler.delay_after_failure(10) for _ in range(200)) > 30  # it does grow


def test_rounds_never_overlap_a_kick_runs_one_soon_and_stop_is_clean() -> None:
    running = threading.Lock()
    overlaps: list[int] = []
    states: list[SyncState] = []
    fail = {"on": True}

    def run() -> SyncReport:
        if not running.acquire(blocking=False):
            overlaps.append(1)
            raise AssertionError("two rounds at once")
        try:
            time.sleep(0.05)
            if fail["on"]:
                raise Offline("no network")
            return _report()
        finally:
            running.release()

    scheduler = SyncScheduler(
        run, states.append, interval=60, min_backoff=30, max_backoff=60, debounce=0.05, tick=0.02
    )
    scheduler.start()
    deadline = time.monotonic() + 5
    while not states and time.monotonic() < deadline:
        time.sleep(0.01)
    assert states[-1].online is False  # first round failed: backing off ≥ 15 s now
    fail["on"] = False
    scheduler.kick()  # a local command: try again at once, backoff or not
    deadline = time.monotonic() + 5
    while states[-1].online is not True and time.monotonic() < deadline:
        time.sleep(0.01)
    assert states[-1].online is True
    assert states[-1].last_reached is not None
    for _ in range(20):
        scheduler.kick()
        time.sleep(0.005)
    scheduler.stop()
    rounds = scheduler.rounds
    time.sleep(0.2)
    assert scheduler.rounds == rounds  # nothing runs after stop
    assert overlaps == []


def test_demo_server_and_a_kiosk_syncing_with_it(tmp_path: Path) -> None:
    demo = start_demo_server(tmp_path / "server", "ASSY-1")
    kiosk_engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    upgrade(kiosk_engine)
    seed_demo_plant(kiosk_engine)  # what `kiosk --demo` starts from; the snapshot replaces it
    station = Station(kiosk_engine, "ASSY-1", demo.credentials.device_id)
    states: list[SyncState] = []
    running = start_sync(station, demo.credentials, states.append, interval=0.2)
    try:
        deadline = time.monotonic() + 20
        while not (states and states[-1].online) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert states[-1].online, states[-1].error
        server_engine = make_engine(f"sqlite:///{tmp_path / 'server' / 'demo-server.db'}")
        with server_engine.connect() as s, kiosk_engine.connect() as k:
            on_server = set(s.execute(select(WorkOrder.id, WorkOrder.number)).all())
            on_kiosk = set(k.execute(select(WorkOrder.id, WorkOrder.number)).all())
        assert on_kiosk == on_server
        station.execute(ClockIn(badge="1001", actor=station.actor("1001")))
        logged = False
        for wid, _number in sorted(on_kiosk):
            if station.work_order(wid).status != "in_progress":
                continue
            try:
                station.execute(LogOutput(work_order_id=wid, qty=1, actor=station.actor("1001")))
            except DomainError:
                continue  # nothing left to build on this one
            logged = True
            break
        assert logged
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and station.sync_overview().waiting:
            time.sleep(0.05)
        assert station.sync_overview().waiting == 0
        assert station.sync_overview().answered == ()  # applied as intended
        server_engine.dispose()
    finally:
        running.stop()
        demo.stop()
        station.close()
        kiosk_engine.dispose()


def test_the_token_is_kept_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path))
    path = save(Credentials("https://plant.example", "dev-1", "kst_secret"))
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent == tmp_path / "config"
    assert load() == Credentials("https://plant.example", "dev-1", "kst_secret")


def test_enrolment_brings_the_workstation_and_site_and_a_code_works_once(
    world: SyncWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path))
    code = requests.post(
        f"{world.url}/api/v1/devices/enrolment-codes",
        json={"workstation": "W-2"},
        headers=ADMIN,
        timeout=10,
    ).json()["code"]

    creds = enrol(world.url + "/", code, name="tablet-7")
    assert creds.server == world.url
    assert creds.workstation == "W-2"
    devices = requests.get(f"{world.url}/api/v1/devices", headers=ADMIN, timeout=10).json()
    (device,) = [d for d in devices if d["id"] == creds.device_id]
    assert device["name"] == "tablet-7"
    assert (device["workstation"], device["site"]) == (creds.workstation, creds.site)
    save(creds)
    assert load() == creds
    with pytest.raises(EnrolmentFailed, match="refused"):
        enrol(world.url, code)  # single use


def test_credentials_written_by_another_version_still_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path))
    path = save(Credentials("https://plant.example", "dev-1", "kst_secret"))
    older = {"server": "https://plant.example", "device_id": "dev-1", "token": "kst_secret"}
    path.write_text(json.dumps(older), encoding="utf-8")
    assert load() == Credentials("https://plant.example", "dev-1", "kst_secret")
    path.write_text(json.dumps({**older, "workstation": "W-1", "colour": "blue"}))
    assert load() == Credentials("https://plant.example", "dev-1", "kst_secret", workstation="W-1")
