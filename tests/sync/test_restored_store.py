"""A kiosk's store put back from an old copy: detected, then recovered under a new
enrolment — what the server has is not sent again, what it never got arrives once."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from kiosk.commands import LogOutput, StartWorkOrder
from kiosk.store.models import AppliedCommand, BuildRun, OutboxEntry
from sync.client import Diverged, SyncClient
from sync.recovery import NeedsRecovery
from tests.sync.conftest import SyncWorld, enrol


def _log(kiosk, wo: str, badge: str, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        kiosk.run(LogOutput(work_order_id=wo, qty=1, actor=kiosk.actor(badge)))


def test_a_restored_copy_recovers_under_a_new_enrolment_losing_and_doubling_nothing(
    world: SyncWorld,
) -> None:
    badge = world.operator("RS1")
    wo = world.plant.ready_work_order("WIDGET", 1000)
    kiosk = world.kiosk("W-1")
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    _log(kiosk, wo, badge, 88)
    kiosk.sync()  # 90 commands on the server
    _log(kiosk, wo, badge, 10)  # 91..100 wait on the kiosk
    # The backup: a copy of the store at command 100, with 10 waiting.
    kiosk.engine.dispose()
    backup = kiosk.path.with_name("backup.db")
    shutil.copy(kiosk.path, backup)
    _log(kiosk, wo, badge, 100)  # the tablet goes on to 200 …
    kiosk.sync()  # … and syncs them all
    assert world.plant.wo(wo).items[0].qty_built == 198

    # The copy is put back; the operator works on, offline: 20 new actions.
    kiosk.engine.dispose()
    shutil.copy(backup, kiosk.path)
    for suffix in ("-wal", "-shm"):
        kiosk.path.with_name(kiosk.path.name + suffix).unlink(missing_ok=True)
    _log(kiosk, wo, badge, 20)
    with pytest.raises(Diverged):  # the server holds other commands under those numbers
        kiosk.sync()
    assert world.plant.wo(wo).items[0].qty_built == 198  # nothing applied twice

    # Re-enrolled as the server's message advises: a new device, the same store.
    device_id, token = enrol(world.url, "W-1")
    client = SyncClient(kiosk.engine, world.url, token, device_id, timeout=(2.0, 10.0))
    try:
        with pytest.raises(NeedsRecovery) as asked:
            client.sync_once()
        plan = asked.value.plan
        # The supervisor sees it first: 10 the server has, 20 it never got, in order.
        assert len(plan.known) == 10
        assert len(plan.resend) == 20
        assert [w.type for w in plan.resend] == ["log_output"] * 20
        assert "20 actions" in plan.summary
        client.recover(plan)
        client.sync_once()
        client.sync_once()
    finally:
        client.close()
    assert world.plant.wo(wo).items[0].qty_built == 218  # every unit once
    with world.plant.bus.read() as session:
        runs = session.scalar(select(func.count()).select_from(BuildRun))
        assert runs == 218
        per_device = dict(
            session.execute(
                select(AppliedCommand.device_id, func.count()).group_by(AppliedCommand.device_id)
            ).all()
        )
    assert per_device == {kiosk.device_id: 200, device_id: 20}
    with kiosk.station.bus.read() as session:
        waiting = session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == "pending")
        )
    assert waiting == 0
    assert kiosk.station.work_order(wo).items[0].qty_built == 218  # the kiosk agrees


def test_a_restored_copy_with_nothing_waiting_just_starts_again(world: SyncWorld) -> None:
    kiosk = world.kiosk("W-1")
    kiosk.sync()
    device_id, token = enrol(world.url, "W-1")
    client = SyncClient(kiosk.engine, world.url, token, device_id, timeout=(2.0, 10.0))
    try:
        client.sync_once()  # no recovery to confirm: nothing was waiting
    finally:
        client.close()
