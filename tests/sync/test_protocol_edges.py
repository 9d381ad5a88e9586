"""The push/pull contract at its edges: gaps, restored stores, batch limits, scoping,
and pending actions staying visible over newer server data (the rebase)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import update

from kiosk.commands import ClockOut, EditWorkOrder, LogOutput, StartWorkOrder
from kiosk.domain.errors import DomainError
from kiosk.store.models import OutboxEntry, SyncState
from sync.client import Diverged, SyncClient
from tests.builders import OFFICE
from tests.sync.conftest import ADMIN, API, SyncWorld, enrol


def _command(seq: int, cid: str) -> dict[str, object]:
    return {
        "id": cid,
        "seq": seq,
        "type": "clock_out",
        "at": datetime.now(UTC).isoformat(),
        "actor": {"operator_badge": "B001"},
        "payload": {"badge": "B001"},
    }


def test_a_gap_in_seq_is_refused_with_the_expected_value(world: SyncWorld) -> None:
    device_id, token = enrol(world.url, "W-1")
    auth = {"Authorization": f"Bearer {token}"}
    answer = requests.post(
        f"{world.url}{API}/sync/push",
        json={"device_id": device_id, "commands": [_command(2, "c2")]},
        headers=auth,
        timeout=10,
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "expected_seq"
    assert answer.json()["expected"] == 1
    # Another device's id, or an admin token: not allowed.
    other = requests.post(
        f"{world.url}{API}/sync/push",
        json={"device_id": "someone-else", "commands": []},
        headers=auth,
        timeout=10,
    )
    assert other.status_code == 403
    admin = requests.get(f"{world.url}{API}/sync/pull", headers=ADMIN, timeout=10)
    assert admin.status_code == 403


def test_the_client_resends_from_the_expected_seq(world: SyncWorld) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    kiosk.run(LogOutput(work_order_id=wo, qty=1, actor=kiosk.actor(badge)))
    # The kiosk wrongly believes seq 1 was answered (say its store was patched by hand).
    with kiosk.engine.begin() as conn:
        conn.execute(update(OutboxEntry).where(OutboxEntry.seq == 1).values(status="applied"))
    kiosk.sync()
    assert world.plant.wo(wo).qty_done == 1
    assert world.plant.wo(wo).status == "in_progress"


def test_a_restored_old_copy_of_the_store_is_told_it_diverged(world: SyncWorld) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    backup = kiosk.path.with_name("backup.db")
    kiosk.engine.dispose()
    shutil.copy(kiosk.path, backup)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    kiosk.sync()
    # The old copy comes back and reuses seq 2 for a different command.
    kiosk.engine.dispose()
    shutil.copy(backup, kiosk.path)
    for suffix in ("-wal", "-shm"):
        kiosk.path.with_name(kiosk.path.name + suffix).unlink(missing_ok=True)
    kiosk.run(ClockOut(badge=badge, actor=kiosk.actor(badge)))
    with pytest.raises(Diverged):
        kiosk.sync()


def test_a_batch_over_the_limit_is_halved(world: SyncWorld) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 500)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    for _ in range(8):
        kiosk.run(LogOutput(work_order_id=wo, qty=1, actor=kiosk.actor(badge)))
    token = kiosk.client.http.headers["Authorization"].removeprefix("Bearer ")
    greedy = SyncClient(kiosk.engine, world.url, token, kiosk.device_id, batch=400)
    # Make the server's limit bite: 10 commands against a limit patched to 4.
    import sync.server.routers.sync as router

    limit = router.MAX_PUSH_BATCH
    router.MAX_PUSH_BATCH = 4
    try:
        assert greedy.push() == 10
    finally:
        router.MAX_PUSH_BATCH = limit
        greedy.close()
    assert world.plant.wo(wo).qty_done == 8


def test_pending_actions_stay_visible_over_newer_server_data(world: SyncWorld) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    kiosk.sync()
    kiosk.run(LogOutput(work_order_id=wo, qty=3, actor=kiosk.actor(badge)))
    world.plant.run(EditWorkOrder(work_order_id=wo, notes="from the office", actor=OFFICE))
    kiosk.client.pull()  # the server's newer WO arrives; our 3 units are not on it yet
    view = kiosk.station.work_order(wo)
    assert view.notes == "from the office"
    assert view.qty_done == 3  # the pending action is replayed on top, not lost
    assert world.plant.wo(wo).qty_done == 0
    kiosk.sync()
    assert world.plant.wo(wo).qty_done == 3
    assert kiosk.station.work_order(wo).qty_done == 3


def test_a_snapshot_replaces_server_data_but_never_the_outbox(world: SyncWorld) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    kiosk.run(LogOutput(work_order_id=wo, qty=2, actor=kiosk.actor(badge)))
    queued = [(e.seq, e.command_id, e.status) for e in kiosk.outbox()]
    with kiosk.engine.begin() as conn:  # a kiosk too far behind starts over
        conn.execute(update(SyncState).values(cursor=None))
    kiosk.client.pull()
    assert [(e.seq, e.command_id, e.status) for e in kiosk.outbox()] == queued
    view = kiosk.station.work_order(wo)
    assert (view.status, view.qty_done) == ("in_progress", 2)  # pending work still shown
    kiosk.sync()
    assert world.plant.wo(wo).qty_done == 2


def test_a_command_refused_on_the_kiosk_is_not_queued(world: SyncWorld) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    with pytest.raises(DomainError):
        kiosk.run(LogOutput(work_order_id=wo, qty=1, actor=kiosk.actor(badge)))  # not started
    assert [e.type for e in kiosk.outbox()] == ["clock_in"]
