"""The plant server's database put back from a backup (SQLite: a copy of the file taken
while the server was stopped; PostgreSQL: ``pg_dump -Fc`` then ``pg_restore --clean``):
kiosks notice on their own, send again from their journal what the server lost, and take
a snapshot; their queues survive, every action lands once under its own name."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.engine import make_url

from kiosk.commands import (
    ClockIn,
    CreateOperator,
    CreateWorkstation,
    LogOutput,
    StartWorkOrder,
)
from kiosk.station import Station
from kiosk.store.base import utcnow
from kiosk.store.capture import enable_change_feed
from kiosk.store.engine import make_engine
from kiosk.store.models import (
    AppliedCommand,
    AuditEntry,
    BuildRun,
    ChangeLog,
    Device,
    OutboxEntry,
)
from sync.client import NotEnrolled, ServerLost, SyncClient, SyncReport
from sync.outbox import OutboxHook, prune_journal
from sync.recovery import NeedsRecovery
from sync.server import pull
from sync.server.problems import ApiProblem
from tests.builders import OFFICE, Plant, simple_plant
from tests.server.process import kiosk_server
from tests.sync.conftest import ADMIN_TOKEN, Kiosk, SyncWorld, enrol
from tests.sync.helpers import DroppingProxy, differences, kiosk_state, server_state

N, M, WAITING = 30, 20, 7  # synced before the backup, synced after it, still waiting
ENV = {"KIOSK_ADMIN_TOKEN": ADMIN_TOKEN}


def _pg(db_url: str) -> str:
    """The SQLAlchemy URL as libpq (pg_dump, pg_restore) takes it."""
    url = make_url(db_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _backup(db_url: str, dest: Path) -> None:
    if db_url.startswith("sqlite"):
        # The server is stopped; its last commits may still be in the WAL file beside it.
        path = Path(make_url(db_url).database or "")
        shutil.copy(path, dest)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copy(wal, dest.with_name(dest.name + "-wal"))
    else:
        subprocess.run(["pg_dump", "-Fc", "-f", str(dest), _pg(db_url)], check=True)


def _restore(db_url: str, src: Path) -> None:
    if db_url.startswith("sqlite"):
        path = Path(make_url(db_url).database or "")
        shutil.copy(src, path)
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        wal = src.with_name(src.name + "-wal")
        if wal.exists():
            shutil.copy(wal, path.with_name(path.name + "-wal"))
    else:
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", _pg(db_url), str(src)],
            check=True,
        )


def _kiosk(url: str, proxy: str, workstation: str, template: Path, tmp: Path) -> Kiosk:
    device_id, token = enrol(url, workstation)
    path = tmp / f"kiosk-{workstation}-{device_id[:8]}.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    station = Station(engine, workstation, device_id)
    station.use_outbox(OutboxHook())
    client = SyncClient(engine, proxy, token, device_id, timeout=(2.0, 10.0))
    return Kiosk(engine, station, client, device_id, path)


def _log(kiosk: Kiosk, wo: str, badge: str, n: int) -> None:
    for _ in range(n):
        kiosk.run(LogOutput(work_order_id=wo, qty=1, actor=kiosk.actor(badge)))


def _round(kiosk: Kiosk) -> tuple[SyncReport, float]:
    began = time.perf_counter()
    report = kiosk.client.sync_once()
    return report, time.perf_counter() - began


def test_a_restored_server_is_noticed_and_nothing_the_kiosks_did_is_lost(
    engine: Engine, db_url: str, tmp_path: Path, kiosk_template: Path
) -> None:
    enable_change_feed(engine)
    plant = Plant(engine)
    simple_plant(plant)
    for code in ("W-1", "W-2"):
        plant.run(CreateWorkstation(code=code, name=f"Station {code}", actor=OFFICE))
    for sku in ("BOLT", "PLATE"):
        plant.receive(sku, 10_000)
    for badge in ("RA", "RB"):
        plant.run(CreateOperator(badge=badge, name=f"Person {badge}", pin="1234", actor=OFFICE))
    wo_a = plant.ready_work_order("WIDGET", 1000)
    wo_b = plant.ready_work_order("WIDGET", 1000)
    engine.dispose()
    backup = tmp_path / "backup.dump"
    kiosks: list[Kiosk] = []
    proxy = DroppingProxy("http://127.0.0.1:1")

    def serving(step: Callable[[str], None]) -> None:
        with kiosk_server(
            db_url, env=ENV, log_file=tmp_path / f"server-{step.__name__}.log"
        ) as url:
            proxy.upstream = url
            step(url)

    with proxy.running():

        def before_backup(url: str) -> None:
            a = _kiosk(url, proxy.url, "W-1", kiosk_template, tmp_path)
            b = _kiosk(url, proxy.url, "W-2", kiosk_template, tmp_path)
            watcher = _kiosk(url, proxy.url, "W-2", kiosk_template, tmp_path)  # only looks
            kiosks.extend((a, b, watcher))
            for kiosk, badge, wo in ((a, "RA", wo_a), (b, "RB", wo_b)):
                kiosk.sync()
                kiosk.run(ClockIn(badge=badge, actor=kiosk.actor(badge)))
                kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
                _log(kiosk, wo, badge, N)
                kiosk.sync()
            if not db_url.startswith("sqlite"):
                _backup(db_url, backup)  # pg_dump while the server runs, as a timer would

        serving(before_backup)
        if db_url.startswith("sqlite"):
            _backup(db_url, backup)
        a, b, watcher = kiosks

        def after_backup(url: str) -> None:
            for kiosk, badge, wo in ((a, "RA", wo_a), (b, "RB", wo_b)):
                _log(kiosk, wo, badge, M)
                kiosk.sync()  # acknowledged: the kiosk's cursor and seq are past the backup
            watcher.sync()  # it pulled past the backup, and has nothing to send
            _log(a, wo_a, "RA", WAITING)  # the network is out at W-1 for these

        serving(after_backup)
        _restore(db_url, backup)
        server = make_engine(db_url)
        enable_change_feed(server)
        try:
            with kiosk_server(db_url, env=ENV, log_file=tmp_path / "server-restored.log") as url:
                proxy.upstream = url
                # The office goes on at once: a new order the kiosks must see.
                new_wo = Plant(server).ready_work_order("WIDGET", 5)
                watcher.sync()  # one round each, nobody does anything special
                assert differences(kiosk_state(watcher.engine), server_state(server)) == []
                report_a, took_a = _round(a)
                assert differences(kiosk_state(a.engine), server_state(server)) == []
                report_b, took_b = _round(b)
                assert differences(kiosk_state(b.engine), server_state(server)) == []
                fresh = _kiosk(url, proxy.url, "W-1", kiosk_template, tmp_path)
                kiosks.append(fresh)
                fresh.sync()
                a.sync()
                assert differences(kiosk_state(a.engine), kiosk_state(fresh.engine)) == []
                assert differences(kiosk_state(b.engine), kiosk_state(fresh.engine)) == []
            _check_server(server, a, b)
            assert new_wo in kiosk_state(a.engine)["work_order"]
            assert (a.client.restored_resends, b.client.restored_resends) == (M, M)
            for kiosk in (a, b):
                assert [e.seq for e in kiosk.outbox() if e.status == "pending"] == []
        finally:
            server.dispose()
            for kiosk in kiosks:
                kiosk.close()
    print(
        f"\n[{engine.dialect.name}] after the restore: W-1 sent {M} again + {WAITING} waiting "
        f"and pulled {report_a.pulled} rows in {took_a:.2f} s; W-2 sent {M} again and pulled "
        f"{report_b.pulled} rows in {took_b:.2f} s"
    )


def _check_server(server: Engine, a: Kiosk, b: Kiosk) -> None:
    """Every action of both kiosks once, under the badge that did it."""
    with server.connect() as conn:
        per_device = dict(
            conn.execute(
                select(AppliedCommand.device_id, func.count()).group_by(AppliedCommand.device_id)
            )
            .tuples()
            .all()
        )
        by_badge: dict[str | None, int] = {
            badge: int(qty)
            for badge, qty in conn.execute(
                select(BuildRun.operator_badge, func.sum(BuildRun.qty)).group_by(
                    BuildRun.operator_badge
                )
            )
        }
        sent = [e.command_id for e in a.outbox() + b.outbox()]
        audited = dict(
            conn.execute(
                select(AuditEntry.command_id, func.count())
                .where(AuditEntry.command_id.in_(sent))
                .group_by(AuditEntry.command_id)
            )
            .tuples()
            .all()
        )
    # clock-in and start, then the units
    assert per_device == {a.device_id: 2 + N + M + WAITING, b.device_id: 2 + N + M}
    assert by_badge == {"RA": N + M + WAITING, "RB": N + M}
    assert len(audited) == len(sent)
    assert set(audited.values()) == {1}


def test_a_kiosk_enrolled_after_the_backup_enrols_again_and_sends_what_the_server_lost(
    engine: Engine, db_url: str, tmp_path: Path, kiosk_template: Path
) -> None:
    plant = Plant(engine)
    simple_plant(plant)
    plant.run(CreateWorkstation(code="W-1", name="Station W-1", actor=OFFICE))
    for sku in ("BOLT", "PLATE"):
        plant.receive(sku, 10_000)
    plant.run(CreateOperator(badge="RA", name="Person RA", pin="1234", actor=OFFICE))
    wo = plant.ready_work_order("WIDGET", 1000)
    engine.dispose()
    backup = tmp_path / "backup.dump"
    _backup(db_url, backup)  # before the tablet was ever enrolled
    kiosks: list[Kiosk] = []
    try:
        with kiosk_server(db_url, env=ENV) as url:
            kiosk = _kiosk(url, url, "W-1", kiosk_template, tmp_path)
            kiosks.append(kiosk)
            kiosk.sync()
            kiosk.run(ClockIn(badge="RA", actor=kiosk.actor("RA")))
            kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor("RA")))
            _log(kiosk, wo, "RA", M)
            kiosk.sync()
            _log(kiosk, wo, "RA", WAITING)
        _restore(db_url, backup)
        with kiosk_server(db_url, env=ENV) as url:
            kiosk.client.base_url = url
            with pytest.raises(NotEnrolled):  # the restored server never met this tablet
                kiosk.sync()
            device_id, token = enrol(url, "W-1")  # the office enrols it again
            client = SyncClient(kiosk.engine, url, token, device_id, timeout=(2.0, 10.0))
            try:
                with pytest.raises(NeedsRecovery) as asked:
                    client.sync_once()
                plan = asked.value.plan
                assert (len(plan.resend), plan.lost) == (2 + M + WAITING, 2 + M)
                assert f"lost {2 + M} actions" in plan.summary
                client.recover(plan)  # a supervisor confirmed it
                client.sync_once()
            finally:
                client.close()
            server = make_engine(db_url)
            try:
                assert differences(kiosk_state(kiosk.engine), server_state(server)) == []
                with server.connect() as conn:
                    applied = conn.scalar(
                        select(func.count())
                        .select_from(AppliedCommand)
                        .where(AppliedCommand.device_id == device_id)
                    )
                    built = conn.scalar(
                        select(func.sum(BuildRun.qty)).where(BuildRun.operator_badge == "RA")
                    )
            finally:
                server.dispose()
    finally:
        for kiosk in kiosks:
            kiosk.close()
    assert applied == 2 + M + WAITING
    assert int(built or 0) == M + WAITING


def test_a_cursor_names_one_change_and_a_new_change_under_its_number_does_not_pass(
    engine: Engine,
) -> None:
    """Restores reuse change numbers (PostgreSQL's sequence and SQLite's rowid go back
    too): the cursor's hash of what the change was tells them apart."""
    site = "00000000-0000-0000-0000-000000000001"
    with engine.begin() as conn:
        conn.execute(
            insert(ChangeLog),
            [
                {"id": i, "txn": i, "site_id": site, "entity": "product", "key": f"p{i}"}
                for i in (1, 2, 3)
            ],
        )
        _, cursor, _, _ = pull.page(conn, site, "f.1.1", 10)
    assert cursor.startswith("f.3.3.")
    with engine.begin() as conn:  # the backup was taken after change 2; then another change 3
        conn.execute(delete(ChangeLog).where(ChangeLog.id == 3))
        conn.execute(
            insert(ChangeLog).values(id=3, txn=3, site_id=site, entity="work_order", key="w1")
        )
    with engine.connect() as conn:
        with pytest.raises(ApiProblem) as unknown:
            pull.page(conn, site, cursor, 10)
        assert (unknown.value.status, unknown.value.code) == (422, "cursor_unknown")
        with pytest.raises(ApiProblem):  # gone altogether
            pull.page(conn, site, "f.9.9", 10)
        assert pull.page(conn, site, "f.0.0", 10)[0] != []  # the start of the feed is anywhere
        assert pull.page(conn, site, "f.2.2", 10)[1].startswith("f.3.3.")  # an older kiosk's


def test_a_backup_older_than_the_journal_names_the_lost_actions_and_stops(
    world: SyncWorld,
) -> None:
    badge = world.operator("RJ")
    wo = world.plant.ready_work_order("WIDGET", 1000)
    kiosk = world.kiosk("W-1")
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    _log(kiosk, wo, badge, 8)
    kiosk.sync()  # 1..10 acknowledged
    with kiosk.station.bus.read() as session, session.begin():  # … and a month ago
        for entry in session.scalars(select(OutboxEntry)):
            entry.answered_at = utcnow() - timedelta(days=30)
        assert prune_journal(session, utcnow()) == 10
    # The server comes back from a backup taken after its second action.
    with world.engine.begin() as conn:
        conn.execute(update(Device).where(Device.id == kiosk.device_id).values(last_seq=2))
        conn.execute(
            delete(AppliedCommand).where(
                AppliedCommand.device_id == kiosk.device_id, AppliedCommand.seq > 2
            )
        )
    _log(kiosk, wo, badge, 1)  # 11, waiting
    with pytest.raises(ServerLost) as lost:
        kiosk.sync()
    assert "lost 8 actions this kiosk sent (numbers 3 to 10)" in str(lost.value)
    assert "Tell a supervisor" in str(lost.value)
    assert [e.seq for e in kiosk.outbox() if e.status == "pending"] == [11]  # still here
