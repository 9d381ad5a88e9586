"""Building, QC, completion, reversal and cancellation: the arithmetic DOMAIN.md promises.

Plant used throughout (``simple_plant``): a WIDGET is 2 BOLT + 1 PLATE (steps Cut,
Weld); a GADGET (QC required) is 1 WIDGET + 1 BOLT (step Assemble).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

import kiosk.domain.pins as pins
from kiosk import queries
from kiosk.commands import (
    Actor,
    CancelWorkOrder,
    ClockOut,
    Command,
    CompleteStep,
    CompleteWorkOrder,
    ConfirmWorkOrder,
    LogOutput,
    RaiseHold,
    ReceiveStock,
    RecordQc,
    ResumeWorkOrder,
    ReverseRun,
    StartWorkOrder,
)
from kiosk.domain.errors import Conflict, DomainError, Forbidden, ValidationError
from kiosk.queries import StockView, WorkOrderView
from kiosk.store.engine import make_engine
from kiosk.store.models import (
    AuditEntry,
    BuildRun,
    LabourSegment,
    Notification,
    Operator,
    Product,
    QcDisposition,
    StockMovement,
    WoMaterial,
)
from tests.builders import OFFICE, Plant, simple_plant

D = Decimal
SKUS = ["BOLT", "PLATE", "WIDGET", "GADGET"]


@pytest.fixture(autouse=True)
def _fast_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """PIN hashing is not under test here; a cheap scrypt keeps the plants quick."""
    monkeypatch.setattr(pins, "_N", 2**4)


# -- helpers --------------------------------------------------------------------------------


@dataclass
class Shop:
    plant: Plant
    operator: Actor
    supervisor: Actor

    @property
    def elevated(self) -> Actor:
        """The operator at the kiosk with a supervisor's PIN for this one action."""
        return Actor(
            badge=self.operator.badge,
            supervisor_badge=self.supervisor.badge,
            device_id="test-kiosk",
        )

    def run(self, command: Command) -> None:
        assert self.plant.run(command).status == "applied"

    def log(
        self, wo: str, qty: int | str, *, rework: bool = False, actor: Actor | None = None
    ) -> str:
        result = self.plant.run(
            LogOutput(work_order_id=wo, qty=qty, rework=rework, actor=actor or self.operator)
        )
        return str(result.data["run_id"])

    def qc(self, wo: str, approved: int, failed: int = 0, action: str | None = None) -> None:
        self.run(
            RecordQc(
                work_order_id=wo,
                approved=approved,
                failed=failed,
                failed_action=action,
                reason="crooked weld" if failed else "",
                category="weld" if failed else "",
                actor=self.operator,
            )
        )

    def do_steps(self, wo: str) -> None:
        for step in self.plant.wo(wo).steps:
            if not step.done:
                self.run(CompleteStep(work_order_id=wo, step_id=step.id, actor=self.operator))

    def stock(self) -> dict[str, StockView]:
        return {sku: self.plant.stock(sku) for sku in SKUS}


# Every test gets its own database, copied from one seeded per backend and module
# (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL): the same
# isolation as the ``plant`` fixture without migrating and seeding 48 times.


def _seed(plant: Plant) -> tuple[Actor, Actor]:
    simple_plant(plant)
    plant.receive("BOLT", 100)
    plant.receive("PLATE", 50)
    return plant.operator(), plant.operator(supervisor=True)


@dataclass
class Seed:
    copy: Callable[[], tuple[str, Callable[[], None]]]  # a fresh URL and how to drop it
    operator: Actor
    supervisor: Actor


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def seed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seed]:
    from kiosk.store.migrate import upgrade

    numbers = itertools.count(1)
    if request.param == "sqlite":
        root = tmp_path_factory.mktemp("build_and_qc")
        template = root / "seed.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        operator, supervisor = _seed(Plant(engine))
        engine.dispose()

        def copy_file() -> tuple[str, Callable[[], None]]:
            path = root / f"test{next(numbers)}.db"
            # The backup API copies a consistent database, WAL and all.
            with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(path)) as dst:
                src.backup(dst)
            return f"sqlite:///{path}", lambda: None

        yield Seed(copy_file, operator, supervisor)
        return

    from tests.conftest import _pg_server_url

    _pg_server_url()  # skips (or fails under CI) without a server
    admin, migrated = request.getfixturevalue("_pg_template")
    base = f"kiosk_build_qc_{os.getpid()}"

    def drop(name: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create(name: str, source: str) -> str:
        drop(name)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return migrated.set(database=name).render_as_string(hide_password=False)

    engine = make_engine(create(base, str(migrated.database)))
    operator, supervisor = _seed(Plant(engine))
    engine.dispose()  # a template must have no open connections

    def copy_database() -> tuple[str, Callable[[], None]]:
        name = f"{base}_{next(numbers)}"
        return create(name, base), lambda: drop(name)

    try:
        yield Seed(copy_database, operator, supervisor)
    finally:
        drop(base)


@pytest.fixture
def shop(seed: Seed) -> Iterator[Shop]:
    url, drop = seed.copy()
    engine = make_engine(url)
    try:
        plant = Plant(engine)
        plant._operators = 2  # the seed made B001 and S002; further ones get new badges
        yield Shop(plant, seed.operator, seed.supervisor)
    finally:
        engine.dispose()
        drop()


def materials(view: WorkOrderView) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """sku -> (required, reserved, consumed)."""
    return {m.sku: (m.required, m.reserved, m.consumed) for m in view.materials}


def ledger(plant: Plant) -> list[tuple[object, ...]]:
    """Every movement row: (id, sku, kind, qty, build run, work order)."""
    with plant.bus.read() as session:
        rows = session.execute(
            select(
                StockMovement.id,
                Product.sku,
                StockMovement.kind,
                StockMovement.qty,
                StockMovement.build_run_id,
                StockMovement.work_order_id,
            )
            .join(Product, Product.id == StockMovement.product_id)
            .order_by(StockMovement.id)
        ).all()
    return [tuple(r) for r in rows]


def assert_ledger_explains_stock(plant: Plant) -> None:
    """``on_hand`` always equals the sum of its movements."""
    totals: dict[str, Decimal] = {}
    for _id, sku, _kind, qty, _run, _wo in ledger(plant):
        totals[str(sku)] = totals.get(str(sku), D(0)) + D(str(qty))
    for sku in SKUS:
        assert plant.stock(sku).on_hand == totals.get(sku, D(0)), sku


def counts(plant: Plant) -> tuple[int, ...]:
    tables = (StockMovement, BuildRun, QcDisposition, Notification, LabourSegment, WoMaterial)
    with plant.bus.read() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) or 0 for t in tables)


def snapshot(plant: Plant, wo: str) -> tuple[object, ...]:
    with plant.bus.read() as session:
        return (
            queries.work_order(session, wo),
            tuple(queries.stock_level(session, s) for s in SKUS),
            counts(plant),
        )


def assert_refused(plant: Plant, wo: str, command: Command, error: type[DomainError]) -> str:
    """Refused with ``error`` (code + plain message), nothing changed, a refused audit row."""
    before = snapshot(plant, wo)
    with pytest.raises(DomainError) as caught:
        plant.run(command)
    err = caught.value
    assert isinstance(err, error), f"{type(err).__name__}: {err.message}"
    assert err.code
    assert err.message.strip()
    assert "Traceback" not in err.message
    assert snapshot(plant, wo) == before, "a refused command changed the store"
    with plant.bus.read() as session:
        rows = list(
            session.scalars(select(AuditEntry).where(AuditEntry.command_id == command.command_id))
        )
    assert [(r.result, r.code, r.detail) for r in rows] == [("refused", err.code, err.message)]
    return err.message


# -- building consumes from the reservation -------------------------------------------------


def test_a_run_consumes_its_share_from_the_reservation(shop: Shop) -> None:
    p = shop.plant
    wo = p.started_work_order("WIDGET", 4, shop.operator)
    assert materials(p.wo(wo)) == {"BOLT": (8, 8, 0), "PLATE": (4, 4, 0)}
    assert p.stock("BOLT").reserved == 8
    run = shop.log(wo, 1)
    assert materials(p.wo(wo)) == {"BOLT": (8, 6, 2), "PLATE": (4, 3, 1)}
    assert (p.stock("BOLT").on_hand, p.stock("BOLT").reserved) == (98, 6)
    assert (p.stock("PLATE").on_hand, p.stock("PLATE").reserved) == (49, 3)
    run_rows = {(r[1], r[2], r[3]) for r in ledger(p) if r[4] == run}
    assert run_rows == {
        ("BOLT", "consumption", D(-2)),
        ("PLATE", "consumption", D(-1)),
        ("WIDGET", "production", D(1)),
    }
    assert_ledger_explains_stock(p)


# -- QC arithmetic --------------------------------------------------------------------------


def test_without_qc_built_units_are_done_at_once(shop: Shop) -> None:
    p = shop.plant
    wo = p.started_work_order("WIDGET", 3, shop.operator)
    shop.log(wo, 2)
    item = p.wo(wo).items[0]
    assert (item.qty_built, item.qty_done, item.qty_awaiting_qc) == (2, 2, 0)
    assert p.stock("WIDGET").on_hand == 2
    message = assert_refused(
        p, wo, RecordQc(work_order_id=wo, approved=1, actor=shop.operator), ValidationError
    )
    assert "WIDGET" in message


def test_done_is_what_qc_approved(shop: Shop) -> None:
    p = shop.plant
    p.receive("WIDGET", 10)
    wo = p.started_work_order("GADGET", 3, shop.operator)
    shop.log(wo, 3)
    item = p.wo(wo).items[0]
    assert (item.qty_built, item.qty_awaiting_qc, item.qty_done) == (3, 3, 0)
    assert p.stock("GADGET").on_hand == 0  # nothing enters stock before QC
    shop.qc(wo, approved=1)
    item = p.wo(wo).items[0]
    assert (item.qty_awaiting_qc, item.qty_done) == (2, 1)
    assert p.stock("GADGET").on_hand == 1
    shop.qc(wo, approved=2)
    assert p.wo(wo).items[0].qty_done == 3
    assert p.stock("GADGET").on_hand == 3
    productions = [r for r in ledger(p) if r[1] == "GADGET"]
    assert sorted(r[3] for r in productions) == [D(1), D(2)]
    assert {r[2] for r in productions} == {"production"}
    assert_ledger_explains_stock(p)


def test_approved_plus_failed_cannot_exceed_awaiting_qc(shop: Shop) -> None:
    p = shop.plant
    p.receive("WIDGET", 10)
    wo = p.started_work_order("GADGET", 4, shop.operator)
    shop.log(wo, 3)

    def verdict(approved: object, failed: object = 0, action: str | None = "scrap") -> RecordQc:
        return RecordQc(
            work_order_id=wo,
            approved=approved,  # type: ignore[arg-type]
            failed=failed,  # type: ignore[arg-type]
            failed_action=action,
            reason="dent",
            category="cosmetic",
            actor=shop.operator,
        )

    message = assert_refused(p, wo, verdict(2, 2), ValidationError)
    assert "3" in message  # names how many await QC
    assert_refused(p, wo, verdict(4, 0), ValidationError)
    assert_refused(p, wo, verdict(0, 0), ValidationError)
    assert_refused(p, wo, verdict(-1, 2), ValidationError)
    assert_refused(p, wo, verdict(1, "1.5"), ValidationError)
    assert_refused(p, wo, verdict(1, 1, action=None), ValidationError)  # rework or scrap?
    assert_refused(
        p,
        wo,
        RecordQc(
            work_order_id=wo, approved=1, failed=1, failed_action="scrap", actor=shop.operator
        ),
        ValidationError,  # a failure needs a reason and a category
    )
    shop.qc(wo, approved=2, failed=1, action="scrap")
    item = p.wo(wo).items[0]
    assert (item.qty_awaiting_qc, item.qty_done, item.qty_scrapped) == (0, 2, 1)
    assert_refused(p, wo, verdict(1), ValidationError)  # nothing awaits QC any more
    with p.bus.read() as session:
        [row] = session.scalars(select(QcDisposition)).all()
        assert (row.approved, row.failed, row.failed_action) == (2, 1, "scrap")
        assert (row.reason, row.category, row.by_badge) == (
            "crooked weld",
            "weld",
            shop.operator.badge,
        )


def test_rework_goes_back_through_build_and_qc_and_consumes_nothing(shop: Shop) -> None:
    p = shop.plant
    p.receive("WIDGET", 10)
    wo = p.started_work_order("GADGET", 2, shop.operator)
    shop.log(wo, 2)
    shop.qc(wo, approved=1, failed=1, action="rework")
    item = p.wo(wo).items[0]
    assert (item.qty_awaiting_qc, item.qty_rework_pending, item.qty_done) == (0, 1, 1)
    mats, stock, rows = materials(p.wo(wo)), shop.stock(), ledger(p)

    # More rework than is pending is refused.
    assert_refused(
        p,
        wo,
        LogOutput(work_order_id=wo, qty=2, rework=True, actor=shop.operator),
        ValidationError,
    )
    # Complete is refused while rework is pending.
    message = assert_refused(
        p, wo, CompleteWorkOrder(work_order_id=wo, actor=shop.operator), Conflict
    )
    assert "rework" in message

    run = shop.log(wo, 1, rework=True)
    item = p.wo(wo).items[0]
    assert (item.qty_built, item.qty_rework_pending, item.qty_awaiting_qc) == (2, 0, 1)
    assert [r.rework for r in p.wo(wo).runs if r.id == run] == [True]
    # A rework run consumes nothing and moves no stock.
    assert materials(p.wo(wo)) == mats
    assert shop.stock() == stock
    assert ledger(p) == rows

    shop.qc(wo, approved=1)
    assert p.wo(wo).items[0].qty_done == 2
    shop.do_steps(wo)
    shop.run(CompleteWorkOrder(work_order_id=wo, actor=shop.operator))
    assert p.wo(wo).status == "completed"
    assert p.stock("GADGET").on_hand == 2


def test_scrap_is_a_terminal_loss_that_leaves_stock_untouched(shop: Shop) -> None:
    p = shop.plant
    p.receive("WIDGET", 10)
    wo = p.started_work_order("GADGET", 2, shop.operator)
    shop.log(wo, 2)
    mats, stock, rows = materials(p.wo(wo)), shop.stock(), ledger(p)
    assert mats["BOLT"][2] == 2  # consumed by the run
    shop.qc(wo, approved=0, failed=2, action="scrap")
    item = p.wo(wo).items[0]
    assert (item.qty_scrapped, item.qty_done, item.qty_awaiting_qc) == (2, 0, 0)
    assert materials(p.wo(wo)) == mats  # material stays consumed
    assert shop.stock() == stock  # nothing enters (or leaves) stock
    assert ledger(p) == rows


def test_replacing_scrapped_units_is_not_over_production(shop: Shop) -> None:
    p = shop.plant
    p.receive("WIDGET", 10)
    wo = p.started_work_order("GADGET", 2, shop.operator)
    shop.log(wo, 2)
    shop.qc(wo, approved=1, failed=1, action="scrap")
    # One unit is still missing from the plan: building it needs no supervisor.
    shop.log(wo, 1)
    assert p.notifications("over_production") == []
    shop.qc(wo, approved=1)
    item = p.wo(wo).items[0]
    assert (item.qty_built, item.qty_done, item.qty_scrapped) == (3, 2, 1)
    # Beyond that it is over plan again.
    assert_refused(p, wo, LogOutput(work_order_id=wo, qty=1, actor=shop.operator), Forbidden)


# -- completing -----------------------------------------------------------------------------


def test_complete_needs_qc_done_steps_and_the_plan(shop: Shop) -> None:
    p = shop.plant
    p.receive("WIDGET", 10)
    wo = p.started_work_order("GADGET", 2, shop.operator)

    def complete() -> CompleteWorkOrder:
        return CompleteWorkOrder(work_order_id=wo, actor=shop.operator)

    shop.log(wo, 2)
    assert "waiting for QC" in assert_refused(p, wo, complete(), Conflict)
    shop.qc(wo, approved=1, failed=1, action="rework")
    assert "rework" in assert_refused(p, wo, complete(), Conflict)
    shop.log(wo, 1, rework=True)
    shop.qc(wo, approved=1)
    message = assert_refused(p, wo, complete(), Conflict)
    assert "Assemble" in message  # names the pending step
    shop.do_steps(wo)
    shop.run(complete())
    assert p.wo(wo).status == "completed"


def test_complete_reconciles_materials_and_releases_reservations(shop: Shop) -> None:
    p = shop.plant
    wo = p.started_work_order("WIDGET", 2, shop.operator)
    shop.log(wo, 2)
    # A third unit, over plan, with a supervisor: it consumes beyond the plan.
    shop.log(wo, 1, actor=shop.elevated)
    shop.do_steps(wo)
    shop.run(CompleteWorkOrder(work_order_id=wo, actor=shop.operator))
    view = p.wo(wo)
    assert view.status == "completed"
    assert materials(view) == {"BOLT": (6, 0, 6), "PLATE": (3, 0, 3)}
    assert (p.stock("BOLT").on_hand, p.stock("BOLT").reserved) == (94, 0)
    assert (p.stock("PLATE").on_hand, p.stock("PLATE").reserved) == (47, 0)
    assert p.stock("WIDGET").on_hand == 3
    assert_ledger_explains_stock(p)


def test_close_short_needs_a_supervisor_and_reconciles(shop: Shop) -> None:
    p = shop.plant
    wo = p.started_work_order("WIDGET", 4, shop.operator)
    shop.log(wo, 1)
    message = assert_refused(
        p, wo, CompleteWorkOrder(work_order_id=wo, actor=shop.operator), Conflict
    )
    assert "WIDGET: 3 units still to finish" in message
    assert "close it short" in message
    assert_refused(
        p,
        wo,
        CompleteWorkOrder(
            work_order_id=wo, close_short=True, reason="Order reduced", actor=shop.operator
        ),
        Forbidden,
    )
    message = assert_refused(
        p,
        wo,
        CompleteWorkOrder(work_order_id=wo, close_short=True, actor=shop.elevated),
        ValidationError,
    )
    assert "why" in message
    shop.run(
        CompleteWorkOrder(
            work_order_id=wo, close_short=True, reason="Order reduced", actor=shop.elevated
        )
    )
    view = p.wo(wo)
    assert (view.status, view.closed_short, view.close_reason) == (
        "completed",
        True,
        "Order reduced",
    )
    assert all(s.done and s.skipped for s in view.steps)
    assert [s.done_by_name for s in view.steps] == ["Person S002"] * len(view.steps)
    (note,) = [m.text for m in view.messages if m.kind == "closed_short"]
    assert note == (
        "Closed short by Person S002: Order reduced. 1 of 4 units of WIDGET finished; "
        "steps skipped: Cut, Weld."
    )
    # Planned quantities follow what was used; nothing stays reserved.
    assert materials(view) == {"BOLT": (2, 0, 2), "PLATE": (1, 0, 1)}
    assert (p.stock("BOLT").on_hand, p.stock("BOLT").reserved) == (98, 0)
    assert (p.stock("PLATE").on_hand, p.stock("PLATE").reserved) == (49, 0)
    assert view.items[0].qty_done == 1


def test_close_short_scraps_what_waited_for_rework_and_says_so(shop: Shop) -> None:
    p = shop.plant
    wo = p.started_work_order("GADGET", 3, shop.operator)
    shop.log(wo, 2)
    shop.qc(wo, approved=1, failed=1, action="rework")
    shop.run(
        CompleteWorkOrder(
            work_order_id=wo, close_short=True, reason="Material shortage", actor=shop.elevated
        )
    )
    view = p.wo(wo)
    item = view.items[0]
    assert (item.qty_done, item.qty_rework_pending, item.qty_scrapped) == (1, 0, 1)
    (note,) = [m.text for m in view.messages if m.kind == "closed_short"]
    assert "1 unit waiting for rework scrapped" in note
    assert note.startswith("Closed short by Person S002: Material shortage.")


# -- reversing a run ------------------------------------------------------------------------


def test_reverse_run_writes_compensating_rows_and_deletes_nothing(shop: Shop) -> None:
    p = shop.plant
    wo = p.started_work_order("WIDGET", 2, shop.operator)
    before_run = shop.stock()
    run = shop.log(wo, 1)
    rows = ledger(p)
    assert_refused(p, wo, ReverseRun(work_order_id=wo, run_id=run, actor=shop.operator), Forbidden)
    shop.run(ReverseRun(work_order_id=wo, run_id=run, actor=shop.supervisor))

    after = ledger(p)
    assert set(rows) <= set(after)  # nothing deleted or rewritten
    new = sorted((r[1], r[2], r[3], r[4]) for r in set(after) - set(rows))
    assert new == [
        ("BOLT", "reversal", D(2), run),
        ("PLATE", "reversal", D(1), run),
        ("WIDGET", "reversal", D(-1), run),
    ]
    # Stock is as it was before the run, materials are reserved again.
    assert shop.stock() == before_run
    view = p.wo(wo)
    assert materials(view) == {"BOLT": (4, 4, 0), "PLATE": (2, 2, 0)}
    item = view.items[0]
    assert (item.qty_built, item.qty_done) == (0, 0)
    assert [r.reversed for r in view.runs] == [True]
    assert_ledger_explains_stock(p)
    # A run is reversed once.
    assert_refused(p, wo, ReverseRun(work_order_id=wo, run_id=run, actor=shop.supervisor), Conflict)


def test_reverse_run_of_units_already_through_qc_is_refused(shop: Shop) -> None:
    p = shop.plant
    p.receive("WIDGET", 10)
    wo = p.started_work_order("GADGET", 2, shop.operator)
    first = shop.log(wo, 1)
    shop.qc(wo, approved=1)
    second = shop.log(wo, 1)
    # The second run's unit still awaits QC: it can be reversed.
    shop.run(ReverseRun(work_order_id=wo, run_id=second, actor=shop.supervisor))
    item = p.wo(wo).items[0]
    assert (item.qty_built, item.qty_awaiting_qc, item.qty_done) == (1, 0, 1)
    # The first one's unit was approved and is in stock: reverse the QC outcome instead.
    message = assert_refused(
        p, wo, ReverseRun(work_order_id=wo, run_id=first, actor=shop.supervisor), Conflict
    )
    assert "QC" in message


# -- cancelling -----------------------------------------------------------------------------


def _material_rows(plant: Plant, wo: str) -> int:
    with plant.bus.read() as session:
        return (
            session.scalar(
                select(func.count()).select_from(WoMaterial).where(WoMaterial.work_order_id == wo)
            )
            or 0
        )


def test_cancel_from_draft_deletes_the_material_lines(shop: Shop) -> None:
    p = shop.plant
    wo = p.work_order("WIDGET", 2)
    assert _material_rows(p, wo) == 2
    shop.run(CancelWorkOrder(work_order_id=wo, actor=OFFICE))
    view = p.wo(wo)
    assert view.status == "cancelled"
    assert view.materials == ()
    assert _material_rows(p, wo) == 0


@pytest.mark.parametrize("status", ["blocked", "ready"])
def test_cancel_before_start_keeps_materials_and_releases(shop: Shop, status: str) -> None:
    p = shop.plant
    if status == "blocked":
        wo = p.work_order("WIDGET", 100)  # 200 BOLT needed, 100 on hand
        shop.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
    else:
        wo = p.ready_work_order("WIDGET", 2)
        assert p.stock("BOLT").reserved == 4
    assert p.wo(wo).status == status
    required = {sku: m[0] for sku, m in materials(p.wo(wo)).items()}
    shop.run(CancelWorkOrder(work_order_id=wo, actor=OFFICE))
    view = p.wo(wo)
    assert view.status == "cancelled"
    assert materials(view) == {sku: (req, D(0), D(0)) for sku, req in required.items()}
    assert p.stock("BOLT").reserved == 0
    assert p.stock("PLATE").reserved == 0


def test_cancel_after_start_keeps_materials_and_physical_facts(shop: Shop) -> None:
    p = shop.plant
    wo = p.started_work_order("WIDGET", 4, shop.operator)
    shop.log(wo, 1)
    shop.run(RaiseHold(work_order_id=wo, reason="machine_down", actor=shop.operator))
    rows, stock = ledger(p), shop.stock()
    shop.run(CancelWorkOrder(work_order_id=wo, reason="customer left", actor=shop.supervisor))
    view = p.wo(wo)
    assert view.status == "cancelled"
    # Lines kept for reference, reservations released, consumption stays.
    assert materials(view) == {"BOLT": (8, 0, 2), "PLATE": (4, 0, 1)}
    assert p.stock("BOLT") == StockView("BOLT", stock["BOLT"].on_hand, D(0))
    assert p.stock("PLATE") == StockView("PLATE", stock["PLATE"].on_hand, D(0))
    # The built unit stays in stock; no movement is written by a cancel.
    assert p.stock("WIDGET").on_hand == 1
    assert ledger(p) == rows
    assert view.items[0].qty_done == 1
    assert view.hold is None  # the open hold is closed with the WO
    assert view.holds[0].reason == "machine_down"


# -- automatic retry on receipt -------------------------------------------------------------


def test_receipt_retries_blocked_work_orders_most_urgent_then_oldest(shop: Shop) -> None:
    p = shop.plant
    p.product("NUT")
    p.product("BRACKET")
    p.bom("BRACKET", {"NUT": 2})
    created = {}
    for name, priority in (("old-normal", 3), ("new-normal", 3), ("urgent", 1), ("low", 5)):
        created[name] = p.work_order("BRACKET", 1, priority=priority)
        shop.run(ConfirmWorkOrder(work_order_id=created[name], actor=OFFICE))
        assert p.wo(created[name]).status == "blocked"
    numbers = {name: p.wo(wo).number for name, wo in created.items()}
    short_before = len(p.notifications("material_shortage"))

    result = p.run(ReceiveStock(sku="NUT", qty=4, actor=OFFICE))
    assert result.data["unblocked"] == [numbers["urgent"], numbers["old-normal"]]
    status = {name: p.wo(wo).status for name, wo in created.items()}
    assert status == {
        "urgent": "ready",
        "old-normal": "ready",
        "new-normal": "blocked",
        "low": "blocked",
    }
    assert p.stock("NUT").reserved == 4
    assert all(m.reserved == 0 for m in p.wo(created["new-normal"]).materials)
    # Still-blocked ones stay quiet (no new shortage notification per receipt).
    assert len(p.notifications("material_shortage")) == short_before

    result = p.run(ReceiveStock(sku="NUT", qty=3, actor=OFFICE))
    assert result.data["unblocked"] == [numbers["new-normal"]]
    assert p.wo(created["low"]).status == "blocked"
    result = p.run(ReceiveStock(sku="NUT", qty=1, actor=OFFICE))
    assert result.data["unblocked"] == [numbers["low"]]
    assert p.stock("NUT").reserved == 8


# -- over-production ------------------------------------------------------------------------


def test_over_production_needs_a_supervisor_and_is_notified(shop: Shop) -> None:
    p = shop.plant
    wo = p.started_work_order("WIDGET", 2, shop.operator)
    number = p.wo(wo).number
    shop.log(wo, 2)  # exactly the plan: no supervisor, no notification
    assert p.notifications("over_production") == []
    message = assert_refused(
        p, wo, LogOutput(work_order_id=wo, qty=3, actor=shop.operator), Forbidden
    )
    assert "supervisor" in message
    assert p.notifications("over_production") == []

    run = shop.log(wo, 3, actor=shop.elevated)
    [text] = p.notifications("over_production")
    assert number in text
    assert "3 units over plan" in text
    assert shop.supervisor.badge is not None
    assert shop.supervisor.badge in text
    with p.bus.read() as session:
        built = session.get(BuildRun, run)
        assert built is not None
        assert built.over_plan
        assert built.operator_badge == shop.operator.badge
        note = session.scalars(select(Notification).where(Notification.kind == "over_production"))
        assert [n.work_order_id for n in note] == [wo]
    item = p.wo(wo).items[0]
    assert (item.qty_built, item.qty_done) == (5, 5)
    assert p.stock("WIDGET").on_hand == 5


# -- labour ---------------------------------------------------------------------------------


def _segments(plant: Plant, wo: str) -> list[tuple[str, datetime, datetime | None]]:
    with plant.bus.read() as session:
        rows = session.execute(
            select(Operator.badge, LabourSegment.started_at, LabourSegment.ended_at)
            .join(Operator, Operator.id == LabourSegment.operator_id)
            .where(LabourSegment.work_order_id == wo)
            .order_by(LabourSegment.started_at)
        ).all()
    return [(str(b), s, e) for b, s, e in rows]


def test_labour_segments_open_on_start_and_resume_close_on_hold_and_complete(shop: Shop) -> None:
    p = shop.plant
    op = shop.operator.badge
    t0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    at = [t0 + timedelta(minutes=m) for m in (0, 50, 65, 120, 121)]
    wo = p.ready_work_order("WIDGET", 1)
    assert _segments(p, wo) == []
    shop.run(StartWorkOrder(work_order_id=wo, actor=shop.operator, at=at[0]))
    assert _segments(p, wo) == [(op, at[0], None)]
    shop.run(RaiseHold(work_order_id=wo, reason="tooling", actor=shop.operator, at=at[1]))
    assert _segments(p, wo) == [(op, at[0], at[1])]
    # The supervisor releases the hold at the operator's kiosk: the operator works on.
    shop.run(ResumeWorkOrder(work_order_id=wo, actor=shop.elevated, at=at[2]))
    assert _segments(p, wo) == [(op, at[0], at[1]), (op, at[2], None)]
    shop.log(wo, 1)
    shop.do_steps(wo)
    shop.run(CompleteWorkOrder(work_order_id=wo, actor=shop.operator, at=at[3]))
    assert _segments(p, wo) == [(op, at[0], at[1]), (op, at[2], at[3])]


def test_clock_out_closes_the_open_labour_segment(shop: Shop) -> None:
    p = shop.plant
    t0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    wo = p.ready_work_order("WIDGET", 1)
    shop.run(StartWorkOrder(work_order_id=wo, actor=shop.operator, at=t0))
    assert shop.operator.badge is not None
    t1 = t0 + timedelta(hours=1)
    shop.run(ClockOut(badge=shop.operator.badge, actor=shop.operator, at=t1))
    assert _segments(p, wo) == [(shop.operator.badge, t0, t1)]
    assert p.wo(wo).status == "in_progress"  # clocking out does not stop the WO


# -- sub-assemblies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("widgets_on_shelf", "expected"),
    [
        # 3 GADGET = 3 WIDGET + 3 BOLT; each missing WIDGET = 2 BOLT + 1 PLATE.
        (0, {"BOLT": (9, 9, 0), "PLATE": (3, 3, 0)}),
        (1, {"WIDGET": (1, 1, 0), "BOLT": (7, 7, 0), "PLATE": (2, 2, 0)}),
        (5, {"WIDGET": (3, 3, 0), "BOLT": (3, 3, 0)}),
    ],
)
def test_sub_assemblies_are_drawn_from_the_shelf_first(
    shop: Shop, widgets_on_shelf: int, expected: dict[str, tuple[int, int, int]]
) -> None:
    p = shop.plant
    if widgets_on_shelf:
        p.receive("WIDGET", widgets_on_shelf)
    wo = p.ready_work_order("GADGET", 3)
    assert materials(p.wo(wo)) == expected
    assert p.stock("WIDGET").reserved == min(widgets_on_shelf, 3)


def test_a_reserved_sub_assembly_is_not_on_the_shelf(shop: Shop) -> None:
    p = shop.plant
    p.receive("WIDGET", 2)
    first = p.ready_work_order("GADGET", 2)  # takes both widgets
    assert materials(p.wo(first))["WIDGET"] == (2, 2, 0)
    second = p.ready_work_order("GADGET", 1)
    assert "WIDGET" not in materials(p.wo(second))
    assert materials(p.wo(second))["BOLT"] == (3, 3, 0)  # 1 direct + 2 for the widget
    assert p.stock("WIDGET").reserved == 2
