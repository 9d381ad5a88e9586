"""Durability: kill -9 of a kiosk mid-work loses no acknowledged command; and the pull
cursor never skips a transaction that committed late (PostgreSQL)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.commands import EditWorkOrder, StartWorkOrder
from kiosk.store.engine import make_engine
from kiosk.store.models import AppliedCommand, AuditEntry, WorkOrder
from tests.builders import OFFICE
from tests.sync.conftest import SyncWorld

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 150


def _run_until_killed(args: list[str], acked: list[str], kill: tuple[int, float] | None) -> None:
    """Run the crash kiosk; with ``kill = (acks, delay)``, kill -9 it ``delay`` seconds
    after its ``acks``-th acknowledgement in this run — counted, not timed, so a faster
    kiosk is still killed mid-work."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.crash_kiosk", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    reached = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        seen = 0
        for line in proc.stdout:
            if line.startswith("ACK "):
                acked.append(line.split()[1])
                seen += 1
                if kill is not None and seen >= kill[0]:
                    reached.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if kill is not None:
        assert reached.wait(timeout=60), "the crash kiosk acknowledged too few commands"
        time.sleep(kill[1])
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=120)
    reader.join(timeout=10)


def test_kill_9_at_random_moments_loses_no_acknowledged_command(world: SyncWorld) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 5000)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    kiosk.sync()
    token = kiosk.client.http.headers["Authorization"].removeprefix("Bearer ")
    kiosk.engine.dispose()

    rng = random.Random(5)
    acked: list[str] = []
    kills = 0
    while len(acked) < TOTAL:
        left = TOTAL - len(acked)
        args = [str(kiosk.path), world.url, token, kiosk.device_id, wo, badge, str(left)]
        kill = (rng.randint(5, 30), rng.uniform(0.0, 0.02)) if kills < 3 else None
        _run_until_killed(args, acked, kill)
        kills += kill is not None
    assert kills >= 3

    fresh = make_engine(f"sqlite:///{kiosk.path}")
    with fresh.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    fresh.dispose()
    kiosk.sync()  # whatever the kills left queued
    outbox = kiosk.outbox()
    assert {e.status for e in outbox} == {"applied"}
    assert [e.seq for e in outbox] == list(range(1, len(outbox) + 1))  # no gaps
    with world.engine.connect() as conn:
        on_server = set(
            conn.execute(
                select(AppliedCommand.command_id).where(AppliedCommand.device_id == kiosk.device_id)
            ).scalars()
        )
        audits = dict(
            conn.execute(
                select(AuditEntry.command_id, func.count())
                .where(AuditEntry.command_id.in_(acked))
                .group_by(AuditEntry.command_id)
            ).all()
        )
    assert set(acked) <= on_server
    assert all(audits[c] == 1 for c in acked)  # exactly once
    logged = len([e for e in outbox if e.type == "log_output"])
    assert world.plant.wo(wo).qty_done == logged >= TOTAL


def test_the_pull_cursor_never_skips_a_transaction_that_commits_late(pg_world: SyncWorld) -> None:
    # PostgreSQL only: SQLite serializes writers, so nothing can commit late there.
    world = pg_world
    early_wo = world.plant.ready_work_order("WIDGET", 1)
    late_wo = world.plant.ready_work_order("WIDGET", 1)
    kiosk = world.kiosk()
    kiosk.sync()
    with Session(world.engine) as late, late.begin():
        # Starts first and writes first...
        row = late.get(WorkOrder, late_wo)
        assert row is not None
        row.notes = "committed late"
        late.flush()
        # ...while a later transaction commits, and the kiosk pulls past it.
        world.plant.run(
            EditWorkOrder(work_order_id=early_wo, notes="committed early", actor=OFFICE)
        )
        kiosk.sync()
        assert kiosk.station.work_order(early_wo).notes == "committed early"
        assert kiosk.station.work_order(late_wo).notes == ""
    kiosk.sync()
    assert kiosk.station.work_order(late_wo).notes == "committed late"
