"""DOMAIN.md's work-order status table, row by row: every action in every status.

The expected table below is written from DOMAIN.md, not copied from
``kiosk.domain.status``, so a drift between the two fails here. Reverse a build
run is a supervisor correction DOMAIN.md names outside the table; it is
expected wherever build runs can exist on an open work order (in progress, on
hold).

A refused action must raise a DomainError with a code and a plain message,
change nothing in the store, and leave one ``refused`` audit row.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

import kiosk.domain.pins as pins
from kiosk import queries
from kiosk.commands import (
    Actor,
    CancelWorkOrder,
    ClockIn,
    ClockOut,
    Command,
    CompleteStep,
    CompleteWorkOrder,
    ConfirmWorkOrder,
    CreateWorkOrder,
    EditWorkOrder,
    ItemSpec,
    LogOutput,
    RaiseHold,
    ReceiveStock,
    RecordQc,
    ResumeWorkOrder,
    RetryAllocation,
    ReverseRun,
    StartWorkOrder,
)
from kiosk.domain.enums import WoStatus
from kiosk.domain.errors import (
    DomainError,
    Forbidden,
    InsufficientStock,
    InvalidTransition,
    ValidationError,
)
from kiosk.domain.status import allowed_actions, needs_supervisor
from kiosk.queries import StockView, WorkOrderView
from kiosk.store.base import new_id
from kiosk.store.engine import make_engine
from kiosk.store.models import (
    AuditEntry,
    BuildRun,
    Hold,
    LabourSegment,
    Notification,
    QcDisposition,
    StockMovement,
    WoMaterial,
    WoMessage,
    WorkOrder,
    WoStep,
)
from tests.builders import OFFICE, Plant

# -- the table, as DOMAIN.md states it ---------------------------------------------

STATUSES = ["draft", "blocked", "ready", "in_progress", "on_hold", "completed", "cancelled"]
ACTIONS = [
    "edit",
    "confirm",
    "retry_allocation",
    "start",
    "log_output",
    "complete_step",
    "qc",
    "hold",
    "resume",
    "complete",
    "cancel",
    "reverse_run",
]
ALLOWED: dict[str, set[str]] = {
    "draft": {"edit", "confirm", "cancel"},
    "blocked": {"edit", "retry_allocation", "cancel"},
    "ready": {"start", "hold", "edit", "cancel"},
    "in_progress": {
        "log_output",
        "complete_step",
        "qc",
        "hold",
        "edit",
        "complete",
        "cancel",
        "reverse_run",
    },
    "on_hold": {"resume", "qc", "cancel", "reverse_run"},
    "completed": set(),
    "cancelled": set(),
}
SUPERVISOR_ONLY = {
    ("in_progress", "cancel"),
    ("in_progress", "reverse_run"),
    ("on_hold", "cancel"),
    ("on_hold", "resume"),
    ("on_hold", "reverse_run"),
}
LABELS = {
    "draft": "draft",
    "blocked": "blocked",
    "ready": "ready",
    "in_progress": "in progress",
    "on_hold": "on hold",
    "completed": "completed",
    "cancelled": "cancelled",
}
#: Status after an allowed action, from the arrows at the top of the section.
AFTER: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "confirm"): "ready",
    ("draft", "cancel"): "cancelled",
    ("blocked", "edit"): "blocked",  # the stock is still held elsewhere
    ("blocked", "retry_allocation"): "ready",
    ("blocked", "cancel"): "cancelled",
    ("ready", "start"): "in_progress",
    ("ready", "hold"): "on_hold",
    ("ready", "edit"): "ready",
    ("ready", "cancel"): "cancelled",
    ("in_progress", "log_output"): "in_progress",
    ("in_progress", "complete_step"): "in_progress",
    ("in_progress", "qc"): "in_progress",
    ("in_progress", "hold"): "on_hold",
    ("in_progress", "edit"): "in_progress",
    ("in_progress", "complete"): "completed",
    ("in_progress", "cancel"): "cancelled",
    ("in_progress", "reverse_run"): "in_progress",
    ("on_hold", "resume"): "in_progress",
    ("on_hold", "qc"): "on_hold",
    ("on_hold", "cancel"): "cancelled",
    ("on_hold", "reverse_run"): "on_hold",
}

PLANNED = 2  # units of ITEM per work order
PER_UNIT = 2  # PART per ITEM


@pytest.fixture(autouse=True)
def _fast_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """PIN hashing is not under test here; a cheap scrypt keeps the many plants quick."""
    monkeypatch.setattr(pins, "_N", 2**4)


# -- helpers shared by the tests -----------------------------------------------------

COUNTED = (
    WorkOrder,
    WoMaterial,
    WoStep,
    StockMovement,
    BuildRun,
    QcDisposition,
    Hold,
    LabourSegment,
    Notification,
    WoMessage,
)


@dataclass(frozen=True)
class Snapshot:
    work_orders: tuple[WorkOrderView, ...]
    stock: tuple[StockView, ...]
    counts: tuple[int, ...]


def snapshot(plant: Plant, wo_ids: list[str], skus: list[str]) -> Snapshot:
    """The work orders, the stock and the size of every table that could grow, at once."""
    counts = select(*(select(func.count()).select_from(m).scalar_subquery() for m in COUNTED))
    with plant.bus.read() as session:
        return Snapshot(
            tuple(queries.work_order(session, w) for w in wo_ids),
            tuple(queries.stock_level(session, s) for s in skus),
            tuple(session.execute(counts).one()),
        )


def audit_rows(plant: Plant, command_id: str) -> list[AuditEntry]:
    with plant.bus.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.command_id == command_id)))


def assert_plain_message(err: DomainError) -> None:
    assert isinstance(err.code, str)
    assert err.code not in ("", DomainError.code)
    assert isinstance(err.message, str)
    assert err.message.strip()
    assert str(err) == err.message
    for leak in ("Traceback", "sqlalchemy", "Decimal(", "None", "WoStatus", "Action."):
        assert leak not in err.message, err.message
    assert len(err.message) < 400


def assert_refused(
    plant: Plant,
    command: Command,
    error: type[DomainError],
    *,
    wo_ids: list[str],
    skus: list[str],
    code: str | None = None,
    compare: bool = True,
) -> DomainError:
    """Run ``command``; it must be refused with ``error``, change nothing and be audited.

    ``compare=False`` leaves the before/after comparison to a caller that brackets
    several refusals with one snapshot.
    """
    before = snapshot(plant, wo_ids, skus) if compare else None
    with pytest.raises(DomainError) as caught:
        plant.run(command)
    err = caught.value
    assert isinstance(err, error), f"{type(err).__name__}: {err.message}"
    if code is not None:
        assert err.code == code
    assert_plain_message(err)
    if before is not None:
        assert snapshot(plant, wo_ids, skus) == before, "a refused command changed the store"
    rows = audit_rows(plant, command.command_id)
    assert len(rows) == 1
    row = rows[0]
    assert row.result == "refused"
    assert row.code == err.code
    assert row.detail == err.message
    assert row.command_type == command.type_name
    return err


# -- the plant every row uses ----------------------------------------------------------
#
# One database per backend for the whole module keeps its ~110 cases quick. Each
# case gets its own products, so no two cases share stock; a refused action
# changes nothing, so every refused case of one status shares one work order.


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def module_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    from kiosk.store.migrate import upgrade

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('status_table')}/plant.db")
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    from tests.conftest import _pg_server_url

    _pg_server_url()  # skips (or fails under CI) without a server
    admin, template = request.getfixturevalue("_pg_template")
    name = f"kiosk_status_table_{os.getpid()}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"')
    engine = make_engine(template.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Case:
    """One work order under test and the products it was made from."""

    wo: str
    part: str
    item: str
    hog: str | None = None

    @property
    def skus(self) -> list[str]:
        return [self.part, self.item]

    @property
    def wo_ids(self) -> list[str]:
        return [self.wo] if self.hog is None else [self.wo, self.hog]


@dataclass
class Floor:
    plant: Plant
    operator: Actor
    supervisor: Actor
    shared: dict[str, Case] = field(default_factory=dict)
    shared_numbers: dict[str, str] = field(default_factory=dict)
    _products: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def products(self) -> tuple[str, str]:
        """A fresh material and a QC'd product built from PER_UNIT of it in two steps."""
        n = next(self._products)
        part, item = self.plant.product(f"PART-{n}"), self.plant.product(f"ITEM-{n}", qc=True)
        self.plant.bom(item, {part: PER_UNIT}, steps=("Cut", "Weld"))
        return part, item

    def with_actor(self, operator: Actor) -> Floor:
        return Floor(
            self.plant, operator, self.supervisor, self.shared, self.shared_numbers, self._products
        )


@pytest.fixture(scope="module")
def floor(module_engine: Engine) -> Floor:
    plant = Plant(module_engine)
    return Floor(plant, plant.operator(), plant.operator(supervisor=True))


def finish_work(f: Floor, wo: str) -> None:
    """Build the rest, approve everything and do every step: ready to complete."""
    view = f.plant.wo(wo)
    left = view.qty_planned - view.items[0].qty_built
    if left:
        f.plant.run(LogOutput(work_order_id=wo, qty=left, actor=f.operator))
    waiting = f.plant.wo(wo).items[0].qty_awaiting_qc
    if waiting:
        f.plant.run(RecordQc(work_order_id=wo, approved=waiting, actor=f.operator))
    for step in f.plant.wo(wo).steps:
        if not step.done:
            f.plant.run(CompleteStep(work_order_id=wo, step_id=step.id, actor=f.operator))


def make(f: Floor, status: str) -> Case:
    """A work order for PLANNED units of a fresh product, brought to ``status`` by commands."""
    p = f.plant
    part, item = f.products()
    p.receive(part, PLANNED * PER_UNIT)
    if status == "draft":
        return Case(p.work_order(item, PLANNED), part, item)
    if status == "blocked":
        hog = p.ready_work_order(item, PLANNED)  # takes all the material there is
        wo = p.work_order(item, PLANNED)
        p.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
        return Case(wo, part, item, hog)
    wo = p.ready_work_order(item, PLANNED)
    case = Case(wo, part, item)
    if status == "ready":
        return case
    p.run(StartWorkOrder(work_order_id=wo, actor=f.operator))
    p.run(LogOutput(work_order_id=wo, qty=1, actor=f.operator))  # 1 unit awaits QC
    if status == "in_progress":
        return case
    if status == "on_hold":
        p.run(RaiseHold(work_order_id=wo, reason="machine_down", actor=f.operator))
        return case
    if status == "cancelled":
        p.run(CancelWorkOrder(work_order_id=wo, reason="not needed", actor=f.supervisor))
        return case
    assert status == "completed"
    finish_work(f, wo)
    p.run(CompleteWorkOrder(work_order_id=wo, actor=f.operator))
    return case


def shared_case(f: Floor, status: str) -> Case:
    """The one work order in ``status`` that every refused case of that status uses."""
    if status not in f.shared:
        f.shared[status] = make(f, status)
        f.shared_numbers[status] = f.plant.wo(f.shared[status].wo).number
    return f.shared[status]


def _pending_step(f: Floor, wo: str) -> str:
    steps = f.plant.wo(wo).steps
    return next((s.id for s in steps if not s.done), steps[0].id)


def _last_run(f: Floor, wo: str) -> str:
    runs = f.plant.wo(wo).runs
    return runs[-1].id if runs else new_id()


def _prepare(f: Floor, status: str, action: str, case: Case) -> None:
    """What has to be true for an allowed action to go through (done before the snapshot)."""
    if action == "retry_allocation" and case.hog is not None:
        # Free the stock without a receipt (a receipt would retry it automatically).
        f.plant.run(CancelWorkOrder(work_order_id=case.hog, actor=OFFICE))
    if action == "complete" and status == "in_progress":
        finish_work(f, case.wo)


COMMANDS: dict[str, Callable[[Floor, str], Command]] = {
    "edit": lambda f, wo: EditWorkOrder(work_order_id=wo, notes="edited", actor=OFFICE),
    "confirm": lambda f, wo: ConfirmWorkOrder(work_order_id=wo, actor=OFFICE),
    "retry_allocation": lambda f, wo: RetryAllocation(work_order_id=wo, actor=OFFICE),
    "start": lambda f, wo: StartWorkOrder(work_order_id=wo, actor=f.operator),
    "log_output": lambda f, wo: LogOutput(work_order_id=wo, qty=1, actor=f.operator),
    "complete_step": lambda f, wo: CompleteStep(
        work_order_id=wo, step_id=_pending_step(f, wo), actor=f.operator
    ),
    "qc": lambda f, wo: RecordQc(work_order_id=wo, approved=1, actor=f.operator),
    "hold": lambda f, wo: RaiseHold(
        work_order_id=wo, reason="tooling", note="worn die", actor=f.operator
    ),
    "resume": lambda f, wo: ResumeWorkOrder(work_order_id=wo, actor=f.supervisor),
    "complete": lambda f, wo: CompleteWorkOrder(work_order_id=wo, actor=f.operator),
    "cancel": lambda f, wo: CancelWorkOrder(
        work_order_id=wo, reason="changed plan", actor=f.supervisor
    ),
    "reverse_run": lambda f, wo: ReverseRun(
        work_order_id=wo, run_id=_last_run(f, wo), actor=f.supervisor
    ),
}


def _check_effect(
    action: str, before: WorkOrderView, after: WorkOrderView, f: Floor, case: Case
) -> None:
    """The allowed action did what it is for, beyond the status change."""
    b, a = before.items[0], after.items[0]
    if action == "edit":
        assert after.notes == "edited"
    elif action in ("confirm", "retry_allocation"):
        assert all(m.reserved == m.required for m in after.materials)
        assert f.plant.stock(case.part).reserved == PLANNED * PER_UNIT
    elif action == "log_output":
        assert a.qty_built == b.qty_built + 1
        assert a.qty_awaiting_qc == b.qty_awaiting_qc + 1
        assert len(after.runs) == len(before.runs) + 1
    elif action == "complete_step":
        assert sum(s.done for s in after.steps) == sum(s.done for s in before.steps) + 1
    elif action == "qc":
        assert a.qty_awaiting_qc == b.qty_awaiting_qc - 1
        assert a.qty_done == b.qty_done + 1
    elif action == "hold":
        assert after.hold is not None
        assert after.hold.reason == "tooling"
        assert after.hold.note == "worn die"
    elif action == "resume":
        assert after.hold is None
        assert after.holds[-1].released_by == f.supervisor.badge
    elif action == "cancel":
        assert all(m.reserved == 0 for m in after.materials)
        held_elsewhere = sum(m.reserved for m in f.plant.wo(case.hog).materials) if case.hog else 0
        assert f.plant.stock(case.part).reserved == held_elsewhere
    elif action == "reverse_run":
        assert after.runs[-1].reversed
        assert a.qty_built == b.qty_built - 1
    elif action == "complete":
        assert a.qty_done == a.qty_planned
    elif action == "start":
        assert after.status == "in_progress"
    else:  # pragma: no cover - every action above
        raise AssertionError(action)


# -- the table itself -------------------------------------------------------------------


def test_the_code_table_matches_domain() -> None:
    """kiosk.domain.status holds the same table (and the same supervisor-only cells)."""
    for status in STATUSES:
        assert {a.value for a in allowed_actions(WoStatus(status))} == ALLOWED[status], status
    from kiosk.domain.status import Action

    for status in STATUSES:
        for action in ACTIONS:
            expected = (status, action) in SUPERVISOR_ONLY
            assert needs_supervisor(WoStatus(status), Action(action)) == expected


CELLS = [(s, a) for s in STATUSES for a in ACTIONS]


@pytest.mark.parametrize(
    ("status", "action"),
    [pytest.param(s, a, id=f"{s}-{a}") for s, a in CELLS if a in ALLOWED[s]],
)
def test_allowed(floor: Floor, status: str, action: str) -> None:
    case = make(floor, status)
    assert floor.plant.wo(case.wo).status == status
    _prepare(floor, status, action, case)
    before = floor.plant.wo(case.wo)
    command = COMMANDS[action](floor, case.wo)
    result = floor.plant.run(command)
    assert result.status == "applied"
    after = floor.plant.wo(case.wo)
    assert after.status == AFTER[(status, action)]
    _check_effect(action, before, after, floor, case)
    [row] = audit_rows(floor.plant, command.command_id)
    assert (row.result, row.status_before, row.status_after) == (
        "applied",
        status,
        AFTER[(status, action)],
    )
    assert row.work_order_id == case.wo


@pytest.mark.parametrize(
    ("status", "action"),
    [pytest.param(s, a, id=f"{s}-{a}") for s, a in CELLS if a not in ALLOWED[s]],
)
def test_refused(floor: Floor, status: str, action: str) -> None:
    case = shared_case(floor, status)
    number = floor.shared_numbers[status]
    command = COMMANDS[action](floor, case.wo)
    if (status, action) == ("blocked", "start"):
        # Start refuses a blocked WO by naming what is short.
        err = assert_refused(
            floor.plant,
            command,
            InsufficientStock,
            wo_ids=case.wo_ids,
            skus=case.skus,
            code="insufficient_stock",
        )
        assert case.part in err.message
        assert "blocked" in err.message.lower()
    else:
        err = assert_refused(
            floor.plant,
            command,
            InvalidTransition,
            wo_ids=case.wo_ids,
            skus=case.skus,
            code="invalid_transition",
        )
        # Names the status and what *is* allowed.
        text = err.message.lower()
        assert LABELS[status] in text
        assert number in err.message
        if ALLOWED[status]:
            for allowed in ALLOWED[status]:
                assert allowed.replace("_", " ") in text, (allowed, err.message)
        else:
            assert "read-only" in text
    [row] = audit_rows(floor.plant, command.command_id)
    assert row.work_order_id == case.wo
    assert (row.status_before, row.status_after) == (status, status)


# -- supervisor-only actions --------------------------------------------------------------


SUPERVISOR_CASES: dict[str, tuple[str, Callable[[Floor, str], Command]]] = {
    "cancel-in-progress": (
        "in_progress",
        lambda f, wo: CancelWorkOrder(work_order_id=wo, actor=f.operator),
    ),
    "cancel-on-hold": (
        "on_hold",
        lambda f, wo: CancelWorkOrder(work_order_id=wo, actor=f.operator),
    ),
    "resume": ("on_hold", lambda f, wo: ResumeWorkOrder(work_order_id=wo, actor=f.operator)),
    "reverse-run": (
        "in_progress",
        lambda f, wo: ReverseRun(work_order_id=wo, run_id=_last_run(f, wo), actor=f.operator),
    ),
    "close-short": (
        "in_progress",
        lambda f, wo: CompleteWorkOrder(
            work_order_id=wo, close_short=True, reason="Order reduced", actor=f.operator
        ),
    ),
    "skip-step": (
        "in_progress",
        lambda f, wo: CompleteStep(
            work_order_id=wo, step_id=_pending_step(f, wo), skip=True, actor=f.operator
        ),
    ),
    "over-production": (
        "in_progress",
        lambda f, wo: LogOutput(work_order_id=wo, qty=PLANNED + 1, actor=f.operator),
    ),
}


@pytest.mark.parametrize("which", list(SUPERVISOR_CASES))
def test_supervisor_only_actions_are_forbidden_to_an_operator(floor: Floor, which: str) -> None:
    status, build = SUPERVISOR_CASES[which]
    case = make(floor, status)
    if which == "close-short":
        # Nothing awaits QC, so only the missing supervisor stands in the way.
        floor.plant.run(RecordQc(work_order_id=case.wo, approved=1, actor=floor.operator))
    err = assert_refused(
        floor.plant,
        build(floor, case.wo),
        Forbidden,
        wo_ids=case.wo_ids,
        skus=case.skus,
        code="forbidden",
    )
    assert "supervisor" in err.message.lower()
    # The same action with a supervisor standing by (PIN-elevated) goes through.
    elevated = Actor(
        badge=floor.operator.badge,
        supervisor_badge=floor.supervisor.badge,
        device_id="test-kiosk",
    )
    command = build(floor.with_actor(elevated), case.wo)
    assert floor.plant.run(command).status == "applied"
    [row] = audit_rows(floor.plant, command.command_id)
    assert row.supervisor_badge == floor.supervisor.badge


# -- hold and resume ----------------------------------------------------------------------


@pytest.mark.parametrize("left", ["ready", "in_progress"])
def test_resume_returns_to_the_status_the_hold_interrupted(floor: Floor, left: str) -> None:
    case = make(floor, left)
    floor.plant.run(RaiseHold(work_order_id=case.wo, reason="safety", actor=floor.operator))
    held = floor.plant.wo(case.wo)
    assert held.status == "on_hold"
    assert held.hold is not None
    assert held.hold.reason == "safety"
    assert floor.plant.stock(case.part).reserved == sum(m.reserved for m in held.materials)
    result = floor.plant.run(ResumeWorkOrder(work_order_id=case.wo, actor=floor.supervisor))
    assert result.data["status"] == left
    after = floor.plant.wo(case.wo)
    assert after.status == left
    assert after.hold is None
    # Reservations are untouched by a hold and its release.
    assert [m.reserved for m in after.materials] == [m.reserved for m in held.materials]


def test_hold_history_keeps_every_reason(floor: Floor) -> None:
    case = make(floor, "in_progress")
    reasons = [
        ("machine_down", "spindle"),
        ("quality_issue", "burrs"),
        ("other", "fire drill"),
    ]
    for reason, note in reasons:
        floor.plant.run(
            RaiseHold(work_order_id=case.wo, reason=reason, note=note, actor=floor.operator)
        )
        current = floor.plant.wo(case.wo).hold
        assert current is not None
        assert (current.reason, current.note) == (reason, note)
        floor.plant.run(ResumeWorkOrder(work_order_id=case.wo, actor=floor.supervisor))
    view = floor.plant.wo(case.wo)
    assert view.hold is None
    assert [(h.reason, h.note) for h in view.holds] == reasons
    for h in view.holds:
        assert h.raised_by == floor.operator.badge
        assert h.released_by == floor.supervisor.badge
        assert h.released_at is not None
        assert h.released_at >= h.raised_at


def test_hold_needs_a_known_reason_and_a_note_for_other(floor: Floor) -> None:
    case = shared_case(floor, "in_progress")
    for reason, note in (("coffee", ""), ("other", "  ")):
        err = assert_refused(
            floor.plant,
            RaiseHold(work_order_id=case.wo, reason=reason, note=note, actor=floor.operator),
            ValidationError,
            wo_ids=case.wo_ids,
            skus=case.skus,
        )
        assert "reason" in err.message.lower()


# -- start needs a clocked-in operator ----------------------------------------------------------


def test_start_requires_clock_in(floor: Floor) -> None:
    case = make(floor, "ready")
    operator = floor.plant.operator()
    assert operator.badge is not None
    floor.plant.run(ClockOut(badge=operator.badge, actor=operator))
    err = assert_refused(
        floor.plant,
        StartWorkOrder(work_order_id=case.wo, actor=operator),
        Forbidden,
        wo_ids=case.wo_ids,
        skus=case.skus,
    )
    assert "clock in" in err.message.lower()
    # Nobody at all (an office token) cannot start work either.
    assert_refused(
        floor.plant,
        StartWorkOrder(work_order_id=case.wo, actor=OFFICE),
        Forbidden,
        wo_ids=case.wo_ids,
        skus=case.skus,
    )
    floor.plant.run(ClockIn(badge=operator.badge, actor=operator))
    floor.plant.run(StartWorkOrder(work_order_id=case.wo, actor=operator))
    assert floor.plant.wo(case.wo).status == "in_progress"


def test_start_on_blocked_names_only_what_is_short(floor: Floor) -> None:
    p = floor.plant
    plenty, rare, item = p.product("PLENTY"), p.product("RARE"), p.product("TWO-PART")
    p.bom(item, {plenty: 2, rare: 1})
    p.receive(plenty, 100)
    p.receive(rare, 1)
    wo = p.work_order(item, 3)
    p.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
    assert p.wo(wo).status == "blocked"
    err = assert_refused(
        p,
        StartWorkOrder(work_order_id=wo, actor=floor.operator),
        InsufficientStock,
        wo_ids=[wo],
        skus=[plenty, rare, item],
    )
    assert rare in err.message
    assert plenty not in err.message, err.message  # 100 on hand: not short
    assert "2" in err.message  # 3 needed, 1 available


# -- edit re-allocates ---------------------------------------------------------------------------


def test_edit_quantity_reallocates_all_or_nothing(floor: Floor) -> None:
    p = floor.plant
    part, item = floor.products()
    p.receive(part, 4)
    wo = p.ready_work_order(item, 2)
    assert p.stock(part).reserved == 4
    # Growing beyond stock: nothing stays reserved, the WO is blocked.
    p.run(EditWorkOrder(work_order_id=wo, quantities={item: 3}, actor=OFFICE))
    view = p.wo(wo)
    assert view.status == "blocked"
    assert view.qty_planned == 3
    assert all(m.reserved == 0 for m in view.materials)
    assert p.stock(part).reserved == 0
    assert [m.required for m in view.materials] == [Decimal(6)]
    # Shrinking to what stock covers: ready again, everything reserved.
    p.run(EditWorkOrder(work_order_id=wo, quantities={item.lower(): 1}, actor=OFFICE))
    view = p.wo(wo)
    assert view.status == "ready"
    assert [(m.required, m.reserved) for m in view.materials] == [(Decimal(2), Decimal(2))]
    assert p.stock(part).reserved == 2


def test_edit_in_progress_is_limited_to_quantity_and_notes(floor: Floor) -> None:
    case = make(floor, "in_progress")
    assert_refused(
        floor.plant,
        EditWorkOrder(work_order_id=case.wo, name="Renamed", actor=OFFICE),
        InvalidTransition,  # allowed before the start: the status decides (409)
        wo_ids=case.wo_ids,
        skus=case.skus,
    )
    floor.plant.run(
        EditWorkOrder(work_order_id=case.wo, quantities={case.item: 3}, notes="more", actor=OFFICE)
    )
    view = floor.plant.wo(case.wo)
    assert (view.status, view.qty_planned, view.notes) == ("in_progress", 3, "more")


# -- quantities --------------------------------------------------------------------------------

BAD_QUANTITIES = [
    pytest.param(0, id="zero"),
    pytest.param(-1, id="negative"),
    pytest.param("-2.5", id="negative-text"),
    pytest.param("abc", id="non-numeric"),
    pytest.param("", id="empty"),
    pytest.param("1.00001", id="too-many-decimals"),
    pytest.param("1e12", id="absurd"),
    pytest.param("NaN", id="nan"),
    pytest.param(None, id="none"),
    pytest.param(True, id="bool"),
]


@pytest.mark.parametrize("bad", BAD_QUANTITIES)
def test_bad_quantities_are_refused_without_change(floor: Floor, bad: Any) -> None:
    case = shared_case(floor, "in_progress")
    f, wo = floor, case.wo
    commands: dict[str, Command] = {
        "log output": LogOutput(work_order_id=wo, qty=bad, actor=f.operator),
        "receive stock": ReceiveStock(sku=case.part, qty=bad, actor=OFFICE),
        "create work order": CreateWorkOrder(items=[ItemSpec(case.item, bad)], actor=OFFICE),
        "edit quantity": EditWorkOrder(work_order_id=wo, quantities={case.item: bad}, actor=OFFICE),
        "qc approved": RecordQc(work_order_id=wo, approved=bad, actor=f.operator),
    }
    before = snapshot(f.plant, case.wo_ids, case.skus)
    for what, command in commands.items():
        err = assert_refused(
            f.plant,
            command,
            ValidationError,
            wo_ids=case.wo_ids,
            skus=case.skus,
            code="validation",
            compare=False,
        )
        assert err.message.endswith("."), (what, err.message)
    assert snapshot(f.plant, case.wo_ids, case.skus) == before, "a refusal changed the store"


def test_units_of_finished_goods_are_whole_but_materials_are_decimal(floor: Floor) -> None:
    case = shared_case(floor, "in_progress")
    err = assert_refused(
        floor.plant,
        LogOutput(work_order_id=case.wo, qty="1.5", actor=floor.operator),
        ValidationError,
        wo_ids=case.wo_ids,
        skus=case.skus,
    )
    assert "whole" in err.message
    part, _item = floor.products()
    for _ in range(3):
        floor.plant.receive(part, "0.1")
    on_hand = floor.plant.stock(part).on_hand
    assert isinstance(on_hand, Decimal)
    assert on_hand == Decimal("0.3")  # exact, never 0.30000000000000004
