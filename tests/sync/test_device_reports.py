"""A kiosk's push and pull say how much waits in its outbox and what its clock says;
``GET /devices`` and ``/metrics`` show that with when and from where it was last seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from kiosk.commands import LogOutput, StartWorkOrder
from kiosk.store.base import utcnow
from tests.sync.conftest import ADMIN, API, SyncWorld

AHEAD = timedelta(seconds=90)


def _device(world: SyncWorld, device_id: str) -> dict[str, object]:
    answer = requests.get(f"{world.url}{API}/devices", headers=ADMIN, timeout=10)
    assert answer.status_code == 200
    return next(d for d in answer.json() if d["id"] == device_id)


def test_devices_show_last_seen_actions_waiting_and_clock_drift(
    world: SyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    kiosk = world.kiosk()
    never = _device(world, kiosk.device_id)
    assert never["last_seen_at"] is None
    assert never["actions_waiting"] is None
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    kiosk.run(LogOutput(work_order_id=wo, qty=2, actor=kiosk.actor(badge)))
    # The tablet's clock runs 90 s ahead; it pulls before it pushes its three commands.
    monkeypatch.setattr("sync.client.utcnow", lambda: utcnow() + AHEAD)
    before = datetime.now(UTC)
    kiosk.client.pull()
    seen = _device(world, kiosk.device_id)
    assert seen["actions_waiting"] == 3
    assert 85 < float(seen["clock_drift_seconds"]) < 95  # type: ignore[arg-type]
    assert seen["last_seen_address"] == "127.0.0.1"
    last = datetime.fromisoformat(str(seen["last_seen_at"]))
    assert before - timedelta(seconds=1) <= last <= datetime.now(UTC)

    metrics = requests.get(f"{world.url}/metrics", headers=ADMIN, timeout=10).text
    assert f'kiosk_device_outbox_depth{{device="{kiosk.device_id}",' in metrics
    depth = [line for line in metrics.splitlines() if line.startswith("kiosk_device_outbox_depth{")]
    assert depth == [
        f'kiosk_device_outbox_depth{{device="{kiosk.device_id}",name="tablet",'
        f'site="MAIN",workstation="W-1"}} 3.0'
    ]

    monkeypatch.setattr("sync.client.utcnow", utcnow)
    kiosk.sync()  # push: the server applies them; the pull after it says 0 wait
    seen = _device(world, kiosk.device_id)
    assert seen["actions_waiting"] == 0
    assert abs(float(seen["clock_drift_seconds"])) < 5  # type: ignore[arg-type]
    metrics = requests.get(f"{world.url}/metrics", headers=ADMIN, timeout=10).text
    assert 'kiosk_push_results_total{outcome="applied"} 3.0' in metrics
