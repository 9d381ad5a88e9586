"""Sync fixtures: a real kiosk-server on loopback (uvicorn in a thread, on the ``engine``
fixture: SQLite and PostgreSQL) and kiosks with their own SQLite stores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, select

from kiosk.commands import Actor, ClockIn, Command, CommandResult, CreateOperator
from kiosk.station import Station
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import OutboxEntry
from sync.client import SyncClient
from sync.outbox import OutboxHook
from tests.builders import OFFICE, Plant, simple_plant
from tests.server.process import serving

ADMIN_TOKEN = "sync-test-admin-secret-0123456789"
API = "/api/v1"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def enrol(base_url: str, workstation: str) -> tuple[str, str]:
    """(device id, token) of a new kiosk enrolled at ``workstation``."""
    code = requests.post(
        f"{base_url}{API}/devices/enrolment-codes",
        json={"workstation": workstation},
        headers=ADMIN,
        timeout=10,
    ).json()["code"]
    answer = requests.post(
        f"{base_url}{API}/devices/enrol", json={"code": code, "name": "tablet"}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return body["device_id"], body["token"]


@dataclass
class Kiosk:
    """A kiosk: its own SQLite store, the Station facade with the outbox, a sync client."""

    engine: Engine
    station: Station
    client: SyncClient
    device_id: str
    path: Path
    badges: list[str] = field(default_factory=list)

    def actor(self, badge: str, supervisor: str | None = None) -> Actor:
        return self.station.actor(badge, supervisor)

    def run(self, command: Command) -> CommandResult:
        return self.station.execute(command)

    def sync(self) -> None:
        self.client.sync_once()

    def outbox(self) -> list[OutboxEntry]:
        with self.station.bus.read() as session:
            return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)))

    def close(self) -> None:
        self.client.close()
        self.station.close()
        self.engine.dispose()


@pytest.fixture(scope="session")
def kiosk_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty kiosk store migrated once; each kiosk starts from a copy."""
    path = tmp_path_factory.mktemp("kiosk-template") / "kiosk.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@dataclass
class SyncWorld:
    """The office (a Plant on the server's engine), the server URL and kiosks to make."""

    engine: Engine
    url: str
    plant: Plant
    tmp: Path
    template: Path
    kiosks: list[Kiosk] = field(default_factory=list)

    def kiosk(self, workstation: str = "W-1", *, url: str | None = None) -> Kiosk:
        device_id, token = enrol(self.url, workstation)
        path = self.tmp / f"kiosk-{len(self.kiosks) + 1}.db"
        shutil.copy(self.template, path)
        engine = make_engine(f"sqlite:///{path}")
        station = Station(engine, workstation, device_id)
        station.use_outbox(OutboxHook())
        client = SyncClient(engine, url or self.url, token, device_id, timeout=(2.0, 10.0))
        kiosk = Kiosk(engine, station, client, device_id, path)
        self.kiosks.append(kiosk)
        return kiosk

    def operator(self, badge: str, *, supervisor: bool = False) -> str:
        self.plant.run(
            CreateOperator(
                badge=badge,
                name=f"Person {badge}",
                pin="1234",
                role="supervisor" if supervisor else "operator",
                actor=OFFICE,
            )
        )
        return badge

    def clock_in(self, kiosk: Kiosk, badge: str) -> None:
        kiosk.run(ClockIn(badge=badge, actor=kiosk.actor(badge)))


@pytest.fixture
def world(engine: Engine, tmp_path: Path, kiosk_template: Path) -> Iterator[SyncWorld]:
    yield from _world(engine, tmp_path, kiosk_template)


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path, kiosk_template: Path) -> Iterator[SyncWorld]:
    """A world on PostgreSQL only, for what only PostgreSQL can do (commit out of order)."""
    engine = make_engine(pg_url)
    try:
        yield from _world(engine, tmp_path, kiosk_template)
    finally:
        engine.dispose()


def _world(engine: Engine, tmp_path: Path, kiosk_template: Path) -> Iterator[SyncWorld]:
    plant = Plant(engine)
    simple_plant(plant)
    plant.workstation("W-1")
    plant.workstation("W-2")
    for sku, qty in (("BOLT", 10_000), ("PLATE", 10_000), ("WIDGET", 1_000)):
        plant.receive(sku, qty)
    with serving(engine, ADMIN_TOKEN) as url:
        w = SyncWorld(engine, url, plant, tmp_path, kiosk_template)
        try:
            yield w
        finally:
            for kiosk in w.kiosks:
                kiosk.close()
