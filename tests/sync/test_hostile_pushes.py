"""Pushes a kiosk should never send, and one it might: refused with a stored result, on
every backend, never applied to another site, never a stuck queue."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import select

from kiosk.commands import (
    ConfirmWorkOrder,
    CreateSite,
    CreateWorkOrder,
    CreateWorkstation,
    ItemSpec,
    LogOutput,
    ReceiveStock,
    StartWorkOrder,
)
from kiosk.store.models import AuditEntry, WorkOrder
from tests.builders import OFFICE
from tests.sync.conftest import API, SyncWorld, enrol


class Device:
    """A kiosk talking raw HTTP: what a broken or hostile client could send."""

    def __init__(self, world: SyncWorld, workstation: str) -> None:
        self.world = world
        self.id, token = enrol(world.url, workstation)
        self.auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.seq = 0

    def command(self, type_: str, payload: dict[str, Any], badge: str | None = None) -> str:
        """A command as JSON text, with the next seq (raw, so 1e309 and NaN stay raw)."""
        self.seq += 1
        body = {
            "id": str(uuid.uuid4()),
            "seq": self.seq,
            "type": type_,
            "at": datetime.now(UTC).isoformat(),
            "actor": {"operator_badge": badge},
            "payload": payload,
        }
        return json.dumps(body)

    def push(self, *commands: str) -> requests.Response:
        data = f'{{"device_id": "{self.id}", "commands": [{", ".join(commands)}]}}'
        return requests.post(
            f"{self.world.url}{API}/sync/push", data=data, headers=self.auth, timeout=20
        )


def results(answer: requests.Response) -> list[tuple[str, str | None]]:
    assert answer.status_code == 200, answer.text
    return [(r["status"], r.get("code")) for r in answer.json()["results"]]


@pytest.mark.parametrize("raw", ["1e309", "-1e309", "NaN", "Infinity", '"NaN"', "1e-400"])
def test_a_quantity_no_number_can_hold_is_refused_and_stored(world: SyncWorld, raw: str) -> None:
    badge = world.operator("Q1")
    wo = world.plant.started_work_order("WIDGET", 5, world.plant.operator(workstation="W-1"))
    device = Device(world, "W-1")
    clock_in = device.command("clock_in", {"badge": badge}, badge)
    bad = device.command("log_output", {"work_order_id": wo, "qty": 0}, badge).replace(
        '"qty": 0', f'"qty": {raw}'
    )
    first = device.push(clock_in, bad)
    assert results(first)[1] == ("refused", "validation")
    again = device.push(clock_in, bad)  # a retry gets the stored answer, changes nothing
    assert results(again) == results(first)
    good = device.command(
        "log_output", {"work_order_id": wo, "qty": 1, "run_id": str(uuid.uuid4())}, badge
    )
    assert results(device.push(good)) == [("applied", None)]  # the queue moved on
    assert world.plant.wo(wo).items[0].qty_built == 1


def test_a_run_id_must_be_a_uuid(world: SyncWorld) -> None:
    badge = world.operator("R1")
    wo = world.plant.started_work_order("WIDGET", 5, world.plant.operator(workstation="W-1"))
    device = Device(world, "W-1")
    answers = results(
        device.push(
            device.command("clock_in", {"badge": badge}, badge),
            device.command("log_output", {"work_order_id": wo, "qty": 1, "run_id": 12}, badge),
            device.command("log_output", {"work_order_id": wo, "qty": 1, "run_id": "x"}, badge),
        )
    )
    assert answers[1:] == [("refused", "validation")] * 2
    assert world.plant.wo(wo).items[0].qty_built == 0


# -- another site's ids --------------------------------------------------------------


def _other_site(world: SyncWorld) -> dict[str, str]:
    """A work order in progress at site EAST, with a build run, a step and QC waiting."""
    plant = world.plant
    plant.run(CreateSite(code="EAST", name="East plant", actor=OFFICE))
    plant.run(CreateWorkstation(code="E-1", name="East 1", site="EAST", actor=OFFICE))
    for sku in ("BOLT", "PLATE", "WIDGET"):
        plant.run(ReceiveStock(sku=sku, qty=100, site="EAST", actor=OFFICE))
    made = plant.run(
        CreateWorkOrder(items=[ItemSpec("GADGET", 4)], site="EAST", workstation="E-1", actor=OFFICE)
    )
    wo = str(made.data["work_order_id"])
    plant.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
    east = plant.operator(workstation="E-1")
    plant.run(StartWorkOrder(work_order_id=wo, actor=east))
    run = plant.run(LogOutput(work_order_id=wo, qty=2, actor=east)).data["run_id"]
    view = plant.wo(wo)
    return {"wo": wo, "run": str(run), "step": view.steps[0].id}


FOREIGN = {
    "start": lambda ids: {"work_order_id": ids["wo"]},
    "log_output": lambda ids: {
        "work_order_id": ids["wo"],
        "qty": 1,
        "run_id": str(uuid.uuid4()),
    },
    "complete_step": lambda ids: {"work_order_id": ids["wo"], "step_id": ids["step"]},
    "hold": lambda ids: {"work_order_id": ids["wo"], "reason": "tooling"},
    "resume": lambda ids: {"work_order_id": ids["wo"]},
    "qc_disposition": lambda ids: {
        "work_order_id": ids["wo"],
        "approved": 1,
        "failed": 0,
    },
    "complete": lambda ids: {"work_order_id": ids["wo"]},
    "reverse_run": lambda ids: {"work_order_id": ids["wo"], "run_id": ids["run"]},
    "accept_sales_order_change": lambda ids: {"work_order_id": ids["wo"]},
    "keep_as_stock": lambda ids: {"work_order_id": ids["wo"]},
}


@pytest.mark.parametrize("command_type", sorted(FOREIGN))
def test_a_kiosk_cannot_touch_another_sites_work_order(world: SyncWorld, command_type: str) -> None:
    ids = _other_site(world)
    before = world.plant.wo(ids["wo"])
    badge = world.operator("A1")
    supervisor = world.operator("A9", supervisor=True)
    device = Device(world, "W-1")  # at site MAIN
    answers = results(
        device.push(
            device.command("clock_in", {"badge": badge}, badge),
            device.command(command_type, FOREIGN[command_type](ids), badge).replace(
                '"actor": {"operator_badge": "A1"}',
                f'"actor": {{"operator_badge": "A1", "supervisor_badge": "{supervisor}"}}',
            ),
        )
    )
    assert answers[1] == ("refused", "not_found")
    after = world.plant.wo(ids["wo"])
    assert (after.status, after.version, after.items, after.runs) == (
        before.status,
        before.version,
        before.items,
        before.runs,
    )
    with world.plant.bus.read() as session:
        refused = session.scalars(
            select(AuditEntry).where(
                AuditEntry.command_type == command_type, AuditEntry.result == "refused"
            )
        ).all()
        assert [r.code for r in refused] == ["not_found"]
        # Nothing of site EAST's order leaks back in the refusal.
        assert "GADGET" not in (refused[0].detail or "")
        number = session.get(WorkOrder, ids["wo"]).number  # type: ignore[union-attr]
    assert number not in json.dumps(answers)


# -- people and their PIN hashes ------------------------------------------------------


def test_a_kiosk_gets_the_pin_hashes_of_its_own_sites_people_only(world: SyncWorld) -> None:
    """Kiosks check PINs offline, so they need hashes; only of people who may work there,
    and scrypt at full cost (the tests elsewhere make it cheap, this one does not)."""
    from kiosk.commands import CreateOperator
    from kiosk.store.models import Operator

    plant = world.plant
    plant.run(CreateSite(code="EAST", name="East plant", actor=OFFICE))
    plant.run(CreateOperator(badge="M-1", name="Main one", pin="2468", site="MAIN", actor=OFFICE))
    plant.run(CreateOperator(badge="E-1", name="East one", pin="1357", site="EAST", actor=OFFICE))
    plant.run(
        CreateOperator(badge="ALL", name="Roams", pin="1122", role="supervisor", actor=OFFICE)
    )
    kiosk = world.kiosk("W-1")  # at MAIN
    kiosk.sync()
    with kiosk.station.bus.read() as session:
        people = {op.badge: op.pin_hash for op in session.scalars(select(Operator))}
    assert "E-1" not in people
    assert {"M-1", "ALL"} <= set(people)
    for pin_hash in (people["M-1"], people["ALL"]):
        scheme, n, r, *_ = pin_hash.split("$")
        assert (scheme, int(n) >= 2**14, int(r) >= 8) == ("scrypt", True, True)


def test_another_sites_person_cannot_clock_in_or_act_here(world: SyncWorld) -> None:
    from kiosk.commands import CreateOperator

    world.plant.run(CreateSite(code="EAST", name="East plant", actor=OFFICE))
    world.plant.run(
        CreateOperator(badge="E-9", name="East nine", pin="1357", site="EAST", actor=OFFICE)
    )
    device = Device(world, "W-1")
    answers = results(device.push(device.command("clock_in", {"badge": "E-9"}, "E-9")))
    assert answers == [("refused", "not_found")]


# -- what a kiosk's supervisor does reaches the server --------------------------------


def test_a_supervisors_acknowledgement_and_cancel_on_a_kiosk_reach_the_server(
    world: SyncWorld,
) -> None:
    """Both used to stay on the tablet (a side list of pushed types forgot them); the next
    snapshot then wiped the acknowledgement."""
    from kiosk.commands import AcknowledgeNotification, CancelWorkOrder, IngestSalesOrder, LineSpec
    from kiosk.store.models import Notification

    supervisor = world.operator("S-7", supervisor=True)
    wo = world.plant.ready_work_order("WIDGET", 3)
    world.plant.run(  # an unknown SKU: a notification for the supervisors
        IngestSalesOrder(external_id="SO-1", lines=[LineSpec("1", "NOPE", 1)], actor=OFFICE)
    )
    kiosk = world.kiosk("W-1")
    kiosk.sync()
    with kiosk.station.bus.read() as session:
        note = session.scalars(select(Notification.id)).one()
    actor = kiosk.actor(supervisor)
    kiosk.run(AcknowledgeNotification(notification_id=note, actor=actor))
    kiosk.run(CancelWorkOrder(work_order_id=wo, actor=actor))
    kiosk.sync()
    assert [e.status for e in kiosk.outbox()] == ["applied", "applied"]
    with world.plant.bus.read() as session:
        assert session.get(Notification, note).acknowledged_by == supervisor  # type: ignore[union-attr]
    assert world.plant.wo(wo).status == "cancelled"
    kiosk.client._set_cursor(None)  # a snapshot, as a kiosk far behind gets
    kiosk.sync()
    with kiosk.station.bus.read() as session:
        assert session.get(Notification, note).acknowledged_by == supervisor  # type: ignore[union-attr]


def test_a_kiosk_cannot_acknowledge_another_sites_notification(world: SyncWorld) -> None:
    from kiosk.commands import IngestSalesOrder, LineSpec
    from kiosk.store.models import Notification

    world.plant.run(CreateSite(code="EAST", name="East plant", actor=OFFICE))
    world.plant.run(
        IngestSalesOrder(
            external_id="SO-E", lines=[LineSpec("1", "NOPE", 1)], site="EAST", actor=OFFICE
        )
    )
    with world.plant.bus.read() as session:
        note = session.scalars(select(Notification.id)).one()
    supervisor = world.operator("S-8", supervisor=True)
    device = Device(world, "W-1")
    answers = results(
        device.push(
            device.command("acknowledge_notification", {"notification_id": note}, supervisor)
        )
    )
    assert answers == [("refused", "not_found")]
    with world.plant.bus.read() as session:
        assert session.get(Notification, note).acknowledged_at is None  # type: ignore[union-attr]


# -- a server bug never blocks a queue for ever ----------------------------------------


def test_a_command_the_server_keeps_failing_on_is_refused_as_internal_and_the_queue_moves(
    world: SyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.commands import LogOutput as LogOutputCommand
    from kiosk.commands.base import HANDLERS
    from kiosk.store.models import Notification, PushFailure
    from sync.server.push import MAX_INTERNAL_ATTEMPTS
    from tests.sync.conftest import ADMIN

    badge = world.operator("I1")
    wo = world.plant.started_work_order("WIDGET", 5, world.plant.operator(workstation="W-1"))
    device = Device(world, "W-1")
    assert results(device.push(device.command("clock_in", {"badge": badge}, badge)))
    fixed = HANDLERS[LogOutputCommand]

    def broken(ctx, cmd):  # type: ignore[no-untyped-def]
        raise KeyError("a bug in the server")

    monkeypatch.setitem(HANDLERS, LogOutputCommand, broken)  # the server runs in this process
    run_id = str(uuid.uuid4())
    bad = device.command("log_output", {"work_order_id": wo, "qty": 2, "run_id": run_id}, badge)
    good = device.command("hold", {"work_order_id": wo, "reason": "tooling"}, badge)
    for _ in range(MAX_INTERNAL_ATTEMPTS - 1):
        assert device.push(bad, good).status_code == 503  # a retry may help: not yet given up
    answers = results(device.push(bad, good))
    assert answers == [("refused", "internal"), ("applied", None)]  # and the queue moved on
    assert results(device.push(bad)) == [("refused", "internal")]  # stored, like any result
    assert world.plant.wo(wo).status == "on_hold"
    with world.plant.bus.read() as session:
        failure = session.get(PushFailure, json.loads(bad)["id"])
        assert failure is not None
        assert (failure.attempts, failure.given_up_at is not None) == (MAX_INTERNAL_ATTEMPTS, True)
        assert failure.command["payload"]["qty"] == 2
        assert "a bug in the server" in failure.last_error
        notes = session.scalars(select(Notification.text)).all()
    assert any("could not apply" in n for n in notes)
    # Fixed: a supervisor replays it, once; the units are counted once.
    monkeypatch.setitem(HANDLERS, LogOutputCommand, fixed)
    listed = requests.get(f"{world.url}{API}/sync/failures", headers=ADMIN, timeout=10).json()
    assert [f["command_id"] for f in listed] == [json.loads(bad)["id"]]
    for _ in range(2):
        replayed = requests.post(
            f"{world.url}{API}/sync/failures/{json.loads(bad)['id']}/replay",
            headers=ADMIN,
            timeout=10,
        )
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["replay_result"].startswith(("applied", "flagged"))
    assert world.plant.wo(wo).items[0].qty_built == 2


def test_a_refusal_carries_a_reason_a_client_can_decide_on(world: SyncWorld) -> None:
    """``code`` stays the broad name API.md lists (``forbidden``); ``reason`` says which
    ``forbidden`` it is, so a client asks for a supervisor without reading the words —
    and the stored answer to a retry says the same."""
    badge = world.operator("R1")
    wo = world.plant.started_work_order("WIDGET", 5, world.plant.operator(workstation="W-1"))
    device = Device(world, "W-1")
    clock_in = device.command("clock_in", {"badge": badge}, badge)
    reverse = device.command(
        "reverse_run", {"work_order_id": wo, "run_id": str(uuid.uuid4())}, badge
    )
    hold = device.command("hold", {"work_order_id": wo, "reason": "safety"}, None)
    incomplete = device.command("resume", {}, badge)
    answer = device.push(clock_in, reverse, hold, incomplete)
    got = [(r["status"], r.get("code"), r.get("reason")) for r in answer.json()["results"]]
    assert got == [
        ("applied", None, None),
        ("refused", "forbidden", "needs_supervisor"),
        ("refused", "forbidden", "not_clocked_in"),
        ("refused", "validation", "incomplete"),
    ]
    again = device.push(clock_in, reverse, hold, incomplete)
    assert [r.get("reason") for r in again.json()["results"]] == [
        None,
        "needs_supervisor",
        "not_clocked_in",
        "incomplete",
    ]


def test_a_push_is_one_transaction_and_a_refusal_inside_it_blocks_nothing(
    world: SyncWorld,
) -> None:
    """A kiosk back from an outage sends hundreds of commands: they commit together (one
    COMMIT, one fsync, however many there are), each in its own savepoint, so the
    refused one in the middle is stored and the rest still apply, in order."""
    from sqlalchemy import event

    badge = world.operator("T1")
    wo = world.plant.started_work_order("WIDGET", 50, world.plant.operator(workstation="W-1"))
    device = Device(world, "W-1")
    assert results(device.push(device.command("clock_in", {"badge": badge}, badge)))

    def run(qty: int) -> str:
        payload = {"work_order_id": wo, "qty": qty, "run_id": str(uuid.uuid4())}
        return device.command("log_output", payload, badge)

    commits: list[int] = []
    listener = lambda _conn: commits.append(1)  # noqa: E731 - the server runs in this process
    event.listen(world.engine, "commit", listener)
    try:
        assert results(device.push(run(1))) == [("applied", None)]
        one = len(commits)
        commits.clear()
        batch = [
            run(1),
            run(2),
            run(0),
            run(3),
            device.command("hold", {"work_order_id": wo}, badge),
        ]
        answers = results(device.push(*batch))
        five = len(commits)
    finally:
        event.remove(world.engine, "commit", listener)
    assert answers == [
        ("applied", None),
        ("applied", None),
        ("refused", "validation"),
        ("applied", None),
        ("refused", "validation"),
    ]
    assert world.plant.wo(wo).items[0].qty_built == 7
    assert five == one  # five commands, as many COMMITs as one
    assert results(device.push(*batch)) == answers  # stored: a retry changes nothing
