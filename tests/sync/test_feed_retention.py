"""The change feed keeps a retention period; a kiosk away longer takes a snapshot.

Pruning removes whole transactions older than the retention and remembers the newest
one it removed. A kiosk whose cursor is at or below that is told ``too_far_behind``
(never handed a page with a hole in it) and starts over with a snapshot, keeping the
actions it took while away: they still reach the server, once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from kiosk.commands import CreateWorkOrder, ItemSpec, StartWorkOrder
from kiosk.store.base import utcnow
from kiosk.store.capture import pruned_through
from kiosk.store.models import AuditEntry, ChangeLog, Site, SyncState, WorkOrder
from sync.server.retention import FeedPruner
from tests.builders import OFFICE
from tests.sync.conftest import API, SyncWorld

RETENTION = timedelta(days=30)


def _age_feed(world: SyncWorld, days: int) -> None:
    with world.engine.begin() as conn:
        conn.execute(update(ChangeLog).values(at=utcnow() - timedelta(days=days)))


def _feed_rows(world: SyncWorld) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ChangeLog)).scalar_one())


def _site(world: SyncWorld) -> str:
    with world.engine.connect() as conn:
        return str(conn.execute(select(Site.id)).scalar_one())


def _cursor(world: SyncWorld, kiosk_index: int = 0) -> str | None:
    kiosk = world.kiosks[kiosk_index]
    with kiosk.station.bus.read() as session:
        return session.scalar(select(SyncState.cursor))


def test_a_kiosk_away_longer_than_the_history_takes_a_snapshot_and_keeps_its_actions(
    world: SyncWorld,
) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))  # offline: waits
    later = world.plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 3)], actor=OFFICE))
    new_wo = later.data["work_order_id"]
    _age_feed(world, days=40)  # the kiosk was away for 40 days
    rows, horizons = FeedPruner(world.engine, RETENTION).prune_once()
    assert rows > 0
    assert _feed_rows(world) == 0
    site = _site(world)
    with world.engine.connect() as conn:
        assert pruned_through(conn, site) == horizons[site] > 0

    old = _cursor(world)
    assert old is not None
    answer = kiosk.client.http.get(
        f"{world.url}{API}/sync/pull", params={"cursor": old}, timeout=10
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "too_far_behind"

    kiosk.sync()  # snapshot, then the waiting actions go up
    assert kiosk.station.work_order(new_wo).number  # the office's new order is here
    assert kiosk.station.work_order(wo).status == "in_progress"
    assert all(entry.status != "pending" for entry in kiosk.outbox())
    with world.engine.connect() as conn:
        starts = conn.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.command_type == "start", AuditEntry.work_order_id == wo)
        ).scalar_one()
        status = conn.execute(select(WorkOrder.status).where(WorkOrder.id == wo)).scalar_one()
    assert (starts, status) == (1, "in_progress")
    assert _cursor(world) != old


def test_pruning_keeps_what_is_newer_and_a_recent_cursor_reads_on(world: SyncWorld) -> None:
    world.plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 1)], actor=OFFICE))
    kiosk = world.kiosk()
    kiosk.sync()
    _age_feed(world, days=40)  # everything so far is old ...
    fresh = world.plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 2)], actor=OFFICE))
    before = _feed_rows(world)
    rows, horizons = FeedPruner(world.engine, RETENTION).prune_once()
    horizon = horizons[_site(world)]
    assert 0 < rows < before  # ... the new order's rows stay
    assert _feed_rows(world) == before - rows
    with world.engine.connect() as conn:
        kept = conn.execute(select(func.min(ChangeLog.txn))).scalar_one()
    assert kept > horizon
    # The kiosk's cursor is the end of its snapshot: pruned, so a snapshot again.
    kiosk.sync()
    assert kiosk.station.work_order(fresh.data["work_order_id"]).qty_planned == 2
    # From now on its cursor is above the horizon: an incremental pull, no snapshot.
    cursor = _cursor(world)
    world.plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 4)], actor=OFFICE))
    answer = kiosk.client.http.get(
        f"{world.url}{API}/sync/pull", params={"cursor": cursor}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["reset"] is False
    assert answer.json()["changes"]


def test_nothing_old_enough_prunes_nothing(world: SyncWorld) -> None:
    world.plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 2)], actor=OFFICE))
    before = _feed_rows(world)
    assert FeedPruner(world.engine, RETENTION).prune_once() == (0, {})
    assert _feed_rows(world) == before
    site = _site(world)
    with world.engine.connect() as conn:
        assert pruned_through(conn, site) == 0


@pytest.mark.parametrize("days", ["0", "3651", "ten"])
def test_a_retention_out_of_range_is_refused_naming_it(
    days: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.server.settings import SettingsError, load

    monkeypatch.setenv("KIOSK_FEED_RETENTION_DAYS", days)
    with pytest.raises(SettingsError, match="feed_retention_days"):
        load()


def test_the_retention_setting_reaches_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    from sync.server.settings import load

    monkeypatch.setenv("KIOSK_FEED_RETENTION_DAYS", "7")
    assert load().app_settings().feed_retention == timedelta(days=7)
