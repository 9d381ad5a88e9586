"""Kiosks and a real kiosk-server on loopback: offline work, lost answers, conflicts,
convergence and site scoping."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from kiosk.commands import (
    CancelWorkOrder,
    CreateSite,
    CreateWorkOrder,
    CreateWorkstation,
    EditWorkOrder,
    ItemSpec,
    LogOutput,
    RaiseHold,
    StartWorkOrder,
)
from kiosk.store.models import AppliedCommand, AuditEntry, Notification
from sync.client import Offline
from tests.builders import OFFICE
from tests.server.process import free_port
from tests.sync.conftest import API, Kiosk, SyncWorld, enrol
from tests.sync.helpers import DroppingProxy, differences, kiosk_state, server_state


def go_offline(kiosk: Kiosk) -> str:
    online = kiosk.client.base_url
    kiosk.client.base_url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    return online


def applied_on_server(world: SyncWorld, kiosk: Kiosk) -> list[tuple[int, str, str]]:
    with world.engine.connect() as conn:
        rows = conn.execute(
            select(AppliedCommand.seq, AppliedCommand.command_id, AppliedCommand.status)
            .where(AppliedCommand.device_id == kiosk.device_id)
            .order_by(AppliedCommand.seq)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def audit_count(world: SyncWorld, command_id: str) -> int:
    with world.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.command_id == command_id)
            ).scalar_one()
        )


def test_offline_work_arrives_exactly_once_in_order_and_the_kiosk_catches_up(
    world: SyncWorld,
) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 100)
    kiosk = world.kiosk()
    kiosk.sync()
    online = go_offline(kiosk)
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    for _ in range(20):
        kiosk.run(LogOutput(work_order_id=wo, qty=2, actor=kiosk.actor(badge)))
        with pytest.raises(Offline):
            kiosk.sync()
    assert kiosk.station.work_order(wo).qty_done == 40  # the operator sees the work at once
    assert kiosk.station.sync_overview().waiting == 22
    # Meanwhile the office makes a WO the kiosk has not seen.
    other = world.plant.ready_work_order("WIDGET", 5)

    kiosk.client.base_url = online
    kiosk.sync()
    sent = [(e.seq, e.command_id) for e in kiosk.outbox()]
    on_server = applied_on_server(world, kiosk)
    assert [(s, c) for s, c, _ in on_server] == sent  # all of them, in seq order
    assert {status for _, _, status in on_server} == {"applied"}
    assert all(audit_count(world, c) == 1 for _, c in sent)  # exactly once
    assert world.plant.wo(wo).qty_done == 40
    assert kiosk.station.work_order(other).status == "ready"
    assert kiosk.station.sync_overview().waiting == 0
    assert differences(server_state(world.engine), kiosk_state(kiosk.engine)) == []


def test_a_response_lost_after_the_server_committed_changes_nothing_on_retry(
    world: SyncWorld,
) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 50)
    with DroppingProxy(world.url).running() as proxy:
        kiosk = world.kiosk(url=proxy.url)
        kiosk.sync()
        world.clock_in(kiosk, badge)
        kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
        for _ in range(5):
            kiosk.run(LogOutput(work_order_id=wo, qty=1, actor=kiosk.actor(badge)))
        proxy.drop_pushes = 1
        with pytest.raises(Offline):
            kiosk.sync()
        assert proxy.dropped == 1
        assert world.plant.wo(wo).qty_done == 5  # committed on the server
        assert kiosk.station.sync_overview().waiting == 7  # but the kiosk does not know
        before = server_state(world.engine)
        kiosk.sync()  # the retry: the stored results come back, nothing is applied again
    assert differences(before, server_state(world.engine)) == []
    assert world.plant.wo(wo).qty_done == 5
    assert [e.status for e in kiosk.outbox()] == ["applied"] * 7
    assert all(audit_count(world, e.command_id) == 1 for e in kiosk.outbox())


def test_a_work_order_cancelled_while_offline_records_facts_and_refuses_intentions(
    world: SyncWorld,
) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 10)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    kiosk.sync()
    online = go_offline(kiosk)
    kiosk.run(LogOutput(work_order_id=wo, qty=5, actor=kiosk.actor(badge)))
    kiosk.run(RaiseHold(work_order_id=wo, reason="machine_down", actor=kiosk.actor(badge)))
    world.plant.run(CancelWorkOrder(work_order_id=wo, reason="customer", actor=OFFICE))
    kiosk.client.base_url = online
    kiosk.sync()

    statuses = {e.type: e for e in kiosk.outbox()}
    assert statuses["log_output"].status == "flagged"
    message = statuses["log_output"].message
    number = world.plant.wo(wo).number
    assert message.startswith(f"{number} was cancelled by the office at ")
    assert message.endswith("your 5 units were recorded and a supervisor was told.")
    assert statuses["hold"].status == "flagged"  # a safety call is kept, the WO stays cancelled
    # The units are physical facts: recorded on the cancelled WO.
    assert world.plant.wo(wo).status == "cancelled"
    assert world.plant.wo(wo).qty_done == 5
    assert any("recorded anyway" in n for n in world.plant.notifications("flagged_fact"))
    unseen = kiosk.station.sync_overview().unseen
    assert message in [a.message for a in unseen]
    # The kiosk converged on the server's state (cancelled, 5 done).
    assert kiosk.station.work_order(wo).status == "cancelled"
    assert kiosk.station.work_order(wo).qty_done == 5
    kiosk.station.mark_answers_seen([a.seq for a in unseen])
    assert kiosk.station.sync_overview().unseen == ()


def test_an_intention_on_a_changed_work_order_is_refused_with_a_reason(world: SyncWorld) -> None:
    badge = world.operator("B001")
    wo = world.plant.ready_work_order("WIDGET", 1)
    kiosk = world.kiosk()
    kiosk.sync()
    world.clock_in(kiosk, badge)
    online = go_offline(kiosk)
    kiosk.run(StartWorkOrder(work_order_id=wo, actor=kiosk.actor(badge)))
    assert kiosk.station.work_order(wo).status == "in_progress"  # optimistic, locally
    world.plant.run(CancelWorkOrder(work_order_id=wo, reason="dup", actor=OFFICE))
    kiosk.client.base_url = online
    kiosk.sync()
    start = next(e for e in kiosk.outbox() if e.type == "start")
    assert start.status == "refused"
    number = world.plant.wo(wo).number
    assert start.message.startswith(f"{number} was cancelled by the office at ")
    assert start.message.endswith("your start was not applied. A supervisor was told.")
    assert kiosk.station.work_order(wo).status == "cancelled"  # the server's word, not ours
    with world.engine.connect() as conn:
        texts = conn.execute(
            select(Notification.text).where(Notification.kind == "refused_action")
        ).scalars()
        assert any("Start from W-1 was refused" in t for t in texts)


def test_two_kiosks_and_the_office_converge_on_the_servers_state(world: SyncWorld) -> None:
    a_badge, b_badge = world.operator("B001"), world.operator("B002")
    shared = world.plant.ready_work_order("WIDGET", 100)
    a, b = world.kiosk("W-1"), world.kiosk("W-2")
    for kiosk, badge in ((a, a_badge), (b, b_badge)):
        kiosk.sync()
        world.clock_in(kiosk, badge)
    a.run(StartWorkOrder(work_order_id=shared, actor=a.actor(a_badge)))
    a.sync()
    b.sync()
    for round_ in range(4):
        a.run(LogOutput(work_order_id=shared, qty=1, actor=a.actor(a_badge)))
        b.run(LogOutput(work_order_id=shared, qty=2, actor=b.actor(b_badge)))
        world.plant.run(EditWorkOrder(work_order_id=shared, notes=f"round {round_}", actor=OFFICE))
        world.plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 3)], actor=OFFICE))
        (a if round_ % 2 else b).sync()
    for kiosk in (a, b, a, b):
        kiosk.sync()
    server = server_state(world.engine)
    assert differences(server, kiosk_state(a.engine)) == []
    assert differences(server, kiosk_state(b.engine)) == []
    assert world.plant.wo(shared).qty_done == 12


def test_a_device_never_receives_another_sites_rows(world: SyncWorld) -> None:
    world.plant.run(CreateSite(code="NORTH", name="North plant", actor=OFFICE))
    world.plant.run(CreateWorkstation(code="N-1", name="North 1", site="NORTH", actor=OFFICE))
    for sku in ("BOLT", "PLATE"):
        world.plant.run(
            __import__("kiosk.commands", fromlist=["ReceiveStock"]).ReceiveStock(
                sku=sku, qty=100, site="NORTH", actor=OFFICE
            )
        )
    north = world.plant.run(
        CreateWorkOrder(items=[ItemSpec("WIDGET", 2)], site="NORTH", actor=OFFICE)
    ).data["work_order_id"]
    main = world.plant.ready_work_order("WIDGET", 2)
    _, token = enrol(world.url, "W-1")
    headers = {"Authorization": f"Bearer {token}"}
    with world.engine.connect() as conn:
        north_site = conn.execute(
            select(__import__("kiosk.store.models", fromlist=["Site"]).Site.id).where(
                __import__("kiosk.store.models", fromlist=["Site"]).Site.code == "NORTH"
            )
        ).scalar_one()

    def pull_all(cursor: str | None) -> tuple[list[dict], str]:
        seen = []
        while True:
            params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
            page = requests.get(
                f"{world.url}{API}/sync/pull", params=params, headers=headers, timeout=10
            ).json()
            seen += page["changes"]
            cursor = page["cursor"]
            if not page["more"]:
                return seen, cursor

    def foreign(change: dict) -> bool:
        data = change.get("data") or {}
        return (
            north_site in (data.get("site_id"), data.get("id"))
            or data.get("work_order_id") == north
            or change["id"] in (north, north_site)
        )

    snapshot, cursor = pull_all(None)
    assert any(c["id"] == main for c in snapshot)
    assert not [c for c in snapshot if foreign(c)]
    # Changes on both sites afterwards: the feed carries only ours.
    world.plant.run(EditWorkOrder(work_order_id=north, notes="north", actor=OFFICE))
    world.plant.run(EditWorkOrder(work_order_id=main, notes="main", actor=OFFICE))
    feed, _ = pull_all(cursor)
    assert [c["id"] for c in feed if c["entity"] == "work_order"] == [main]
    assert not [c for c in feed if foreign(c)]
