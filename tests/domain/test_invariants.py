"""Domain invariants under random command sequences (Hypothesis state machine).

The machine drives the real :class:`CommandBus` with random office, floor, QC and
sales-order commands and, after every step, reads the whole store back and checks
what must always hold:

* ``on_hand`` equals the sum of the movement ledger, per (site, product);
* ``0 <= reserved <= on_hand``, and ``reserved`` equals what the active holders
  (work-order material lines and sales-order lines) hold; every holder of a
  reservation is open (a reserving work order, an open sales order); a draft or
  blocked work order holds nothing and a ready one holds every material;
* per work-order item: ``built = awaiting QC + rework pending + done + scrapped``,
  ``done`` is what QC approved (or what was built, without QC) and ``built`` is
  what the item's unreversed normal runs built;
* consumption never runs ahead of the build: ``consumed <= required × built /
  planned`` (``consumption_target`` in kiosk/services/materials.py);
* a completed or cancelled work order never changes again (its type and unlink
  marker may, by DOMAIN's sales-order-change table, and its messages grow);
* exactly one audit row per executed command, accepted or refused;
* a refused command (DomainError) changed nothing, and ingesting an external id
  a second time changed nothing.

SQLite runs by default; PostgreSQL runs with fewer examples. Each example gets a
fresh copy of a prepared plant (a copied file / ``CREATE DATABASE ... TEMPLATE``).
``KIOSK_INVARIANT_EXAMPLES`` overrides the number of examples (both backends).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from kiosk.commands import (
    AcceptSalesOrderChange,
    Actor,
    AdjustStock,
    CancelSalesOrder,
    CancelWorkOrder,
    ChangeSalesOrder,
    Command,
    CommandBus,
    CommandResult,
    CompleteStep,
    CompleteWorkOrder,
    ConfirmWorkOrder,
    CreateWorkOrder,
    DeleteSalesOrder,
    EditWorkOrder,
    IngestSalesOrder,
    ItemSpec,
    KeepAsStock,
    LineChange,
    LineSpec,
    LogOutput,
    RaiseHold,
    ReceiveStock,
    RecordQc,
    ResumeWorkOrder,
    RetryAllocation,
    ReverseRun,
    StartWorkOrder,
)
from kiosk.domain.enums import RESERVING_STATUSES, SalesOrderStatus, WoStatus
from kiosk.domain.errors import DomainError
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import (
    AuditEntry,
    BuildRun,
    Hold,
    Notification,
    Product,
    QcDisposition,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    StockMovement,
    WoItem,
    WoLink,
    WoMaterial,
    WoMessage,
    WorkOrder,
    WoStep,
)
from tests.builders import OFFICE, Plant, simple_plant

ZERO = Decimal(0)
SKUS = ("BOLT", "PLATE", "WIDGET", "GADGET")
BUILDABLE = ("WIDGET", "GADGET")
#: What sales orders ask for: buildable, stock-only (back-ordered), unknown, messy spelling.
ORDERABLE = ("WIDGET", "GADGET", "BOLT", " widget ", "NO-SUCH-SKU")
HOLD_REASONS = ("machine_down", "quality_issue", "tooling", "other")


# -- the plant every example starts from -------------------------------------------


@dataclass
class People:
    operator: Actor
    supervisor: Actor

    def get(self, who: str) -> Actor:
        return {"operator": self.operator, "supervisor": self.supervisor, "office": OFFICE}[who]


def build_plant(engine: Engine) -> People:
    """simple_plant plus a workstation, an operator and a supervisor, both clocked in."""
    plant = Plant(engine)
    simple_plant(plant)
    plant.workstation("WS1")
    return People(plant.operator(), plant.operator(supervisor=True))


class SqliteBackend:
    """A prepared plant file, copied for every example."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "plant-template.db"
        engine = make_engine(f"sqlite:///{self.template}")
        try:
            upgrade(engine)
            self.people = build_plant(engine)
        finally:
            engine.dispose()  # the last connection checkpoints the WAL into the file
        self._numbers = itertools.count(1)
        self._files: dict[Engine, Path] = {}

    def fresh(self) -> Engine:
        path = self.directory / f"example-{next(self._numbers)}.db"
        shutil.copyfile(self.template, path)
        engine = make_engine(f"sqlite:///{path}")
        self._files[engine] = path
        return engine

    def drop(self, engine: Engine) -> None:
        engine.dispose()
        path = self._files.pop(engine)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PgBackend:
    """A prepared plant database, used as the template of one database per example."""

    def __init__(self, admin: Engine, url: str) -> None:
        self.admin = admin
        self.url = make_url(url)
        engine = make_engine(url)  # migrated already (a copy of the session's template)
        try:
            self.people = build_plant(engine)
        finally:
            engine.dispose()  # a template must have no open connections
        self._numbers = itertools.count(1)
        self._names: dict[Engine, str] = {}

    def fresh(self) -> Engine:
        name = f"{self.url.database}_ex{next(self._numbers)}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.url.database}"')
        engine = make_engine(self.url.set(database=name).render_as_string(hide_password=False))
        self._names[engine] = name
        return engine

    def drop(self, engine: Engine) -> None:
        engine.dispose()
        name = self._names.pop(engine)
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- reading the whole store back ------------------------------------------------------


@dataclass(frozen=True)
class WoState:
    number: str
    status: str
    type: str
    unlink_pending: bool
    site_id: str
    closed_short: bool
    status_before_hold: str | None
    #: (id, product_id, qc_required, planned, built, awaiting_qc, rework_pending, done, scrapped)
    items: tuple[tuple[Any, ...], ...]
    #: (id, item_id, product_id, required, reserved, consumed)
    materials: tuple[tuple[Any, ...], ...]
    #: (id, done, skipped)
    steps: tuple[tuple[Any, ...], ...]
    #: (id, item_id, qty, rework, reversed)
    runs: tuple[tuple[Any, ...], ...]
    #: (id, released)
    holds: tuple[tuple[Any, ...], ...]

    def core(self) -> tuple[Any, ...]:
        """What a terminal WO must keep for ever. DOMAIN lets a sales-order change turn a
        completed MTO order into MTS with an unlink message, so type, marker and messages
        are left out."""
        return (
            self.status,
            self.site_id,
            self.closed_short,
            self.status_before_hold,
            self.items,
            self.materials,
            self.steps,
            self.runs,
            self.holds,
        )


@dataclass(frozen=True)
class Snapshot:
    levels: dict[tuple[str, str], tuple[Decimal, Decimal]]
    ledger: dict[tuple[str, str], Decimal]
    work_orders: dict[str, WoState]
    #: id -> (status, deleted, site_id, ((line_id, product_id, qty, from_stock,
    #:        from_work_orders, backordered, reserved), ...))
    sales_orders: dict[str, tuple[Any, ...]]
    #: id -> (work_order_id, so_line_id, qty, delivered)
    links: dict[str, tuple[Any, ...]]
    #: item id -> approved units
    approved: dict[str, Decimal]
    counts: dict[str, int]
    audit: int = field(compare=False)


def _n(value: Decimal | None) -> Decimal:
    """Normalise a stored quantity so 2 and 2.0000 compare (and print) alike."""
    return (value or ZERO).normalize() + ZERO


def take_snapshot(bus: CommandBus) -> Snapshot:
    """The whole store as plain values (column selects: ORM loading is too slow per step)."""
    with bus.read() as s:

        def rows(*columns: Any, order: Any = None) -> list[Any]:
            query = select(*columns)
            return list(s.execute(query.order_by(order) if order is not None else query))

        levels = {
            (site, product): (_n(on_hand), _n(reserved))
            for site, product, on_hand, reserved in rows(
                StockLevel.site_id, StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved
            )
        }
        ledger = {
            (site, product): _n(total)
            for site, product, total in s.execute(
                select(
                    StockMovement.site_id, StockMovement.product_id, func.sum(StockMovement.qty)
                ).group_by(StockMovement.site_id, StockMovement.product_id)
            )
        }
        qc_products = set(s.scalars(select(Product.id).where(Product.qc_required.is_(True))))
        by_wo: dict[str, dict[str, list[tuple[Any, ...]]]] = defaultdict(lambda: defaultdict(list))
        for wo_id, *item in rows(
            WoItem.work_order_id,
            WoItem.id,
            WoItem.product_id,
            WoItem.qty_planned,
            WoItem.qty_built,
            WoItem.qty_awaiting_qc,
            WoItem.qty_rework_pending,
            WoItem.qty_done,
            WoItem.qty_scrapped,
            order=WoItem.position,
        ):
            item_id, product_id, *qtys = item
            by_wo[wo_id]["items"].append(
                (item_id, product_id, product_id in qc_products, *map(_n, qtys))
            )
        for wo_id, line_id, item_id, product_id, *qtys in rows(
            WoMaterial.work_order_id,
            WoMaterial.id,
            WoMaterial.item_id,
            WoMaterial.product_id,
            WoMaterial.qty_required,
            WoMaterial.qty_reserved,
            WoMaterial.qty_consumed,
            order=WoMaterial.id,
        ):
            by_wo[wo_id]["materials"].append((line_id, item_id, product_id, *map(_n, qtys)))
        for wo_id, step_id, done_at, skipped in rows(
            WoStep.work_order_id, WoStep.id, WoStep.done_at, WoStep.skipped, order=WoStep.id
        ):
            by_wo[wo_id]["steps"].append((step_id, done_at is not None, skipped))
        for wo_id, run_id, item_id, qty, rework, reversed_at in rows(
            BuildRun.work_order_id,
            BuildRun.id,
            BuildRun.item_id,
            BuildRun.qty,
            BuildRun.rework,
            BuildRun.reversed_at,
            order=BuildRun.id,
        ):
            by_wo[wo_id]["runs"].append((run_id, item_id, _n(qty), rework, reversed_at is not None))
        for wo_id, hold_id, released_at in rows(
            Hold.work_order_id, Hold.id, Hold.released_at, order=Hold.id
        ):
            by_wo[wo_id]["holds"].append((hold_id, released_at is not None))
        work_orders = {
            wo_id: WoState(
                number=number,
                status=status,
                type=type_,
                unlink_pending=unlink_pending,
                site_id=site_id,
                closed_short=short,
                status_before_hold=before_hold,
                **{
                    part: tuple(by_wo[wo_id][part])
                    for part in ("items", "materials", "steps", "runs", "holds")
                },
            )
            for wo_id, number, status, type_, unlink_pending, site_id, short, before_hold in (
                rows(
                    WorkOrder.id,
                    WorkOrder.number,
                    WorkOrder.status,
                    WorkOrder.type,
                    WorkOrder.unlink_pending,
                    WorkOrder.site_id,
                    WorkOrder.closed_short,
                    WorkOrder.status_before_hold,
                )
            )
        }
        lines: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for so_id, line_id, product_id, *qtys in rows(
            SalesOrderLine.sales_order_id,
            SalesOrderLine.line_id,
            SalesOrderLine.product_id,
            SalesOrderLine.qty,
            SalesOrderLine.qty_from_stock,
            SalesOrderLine.qty_from_work_orders,
            SalesOrderLine.qty_backordered,
            SalesOrderLine.qty_reserved,
            order=SalesOrderLine.position,
        ):
            lines[so_id].append((line_id, product_id, *map(_n, qtys)))
        sales_orders = {
            so_id: (status, deleted_at is not None, site_id, tuple(lines[so_id]))
            for so_id, status, deleted_at, site_id in rows(
                SalesOrder.id, SalesOrder.status, SalesOrder.deleted_at, SalesOrder.site_id
            )
        }
        links = {
            link_id: (wo_id, line_id, _n(qty), _n(delivered))
            for link_id, wo_id, line_id, qty, delivered in rows(
                WoLink.id, WoLink.work_order_id, WoLink.so_line_id, WoLink.qty, WoLink.qty_delivered
            )
        }
        approved = {
            item_id: _n(total)
            for item_id, total in s.execute(
                select(QcDisposition.item_id, func.sum(QcDisposition.approved)).group_by(
                    QcDisposition.item_id
                )
            )
        }
        counts = {
            model.__name__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (StockMovement, QcDisposition, Notification, WoMessage, AuditEntry)
        }
    audit = counts.pop("AuditEntry")
    return Snapshot(levels, ledger, work_orders, sales_orders, links, approved, counts, audit)


def check_invariants(snap: Snapshot) -> None:
    # The ledger explains every stock level, and reservations stay within it.
    for key in snap.levels.keys() | snap.ledger.keys():
        on_hand, reserved = snap.levels.get(key, (ZERO, ZERO))
        assert on_hand == snap.ledger.get(key, ZERO), f"on_hand != ledger for {key}"
        assert ZERO <= reserved <= on_hand, f"reserved {reserved} outside 0..{on_hand} for {key}"

    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for wo_id, wo in snap.work_orders.items():
        status = WoStatus(wo.status)
        for _id, _item, product, required, reserved, consumed in wo.materials:
            assert reserved >= 0
            assert consumed >= 0
            held[(wo.site_id, product)] += reserved
            if reserved > 0:
                assert status in RESERVING_STATUSES, f"{status} WO {wo_id} holds a reservation"
            if status == WoStatus.READY:
                assert reserved >= required - consumed, f"ready WO {wo_id} is not fully reserved"

        items = {item[0]: item for item in wo.items}
        built_by_runs: dict[str, Decimal] = defaultdict(Decimal)
        for _id, item_id, qty, rework, reversed_ in wo.runs:
            if not rework and not reversed_:
                built_by_runs[item_id] += qty
        for item_id, _p, qc, planned, built, awaiting, rework, done, scrapped in wo.items:
            assert min(planned, built, awaiting, rework, done, scrapped) >= 0, wo.items
            assert built == awaiting + rework + done + scrapped, f"WO {wo_id} item {wo.items}"
            assert built == built_by_runs[item_id], f"WO {wo_id}: built is not its runs"
            if qc:
                assert done == snap.approved.get(item_id, ZERO), f"WO {wo_id}: done != approved"
            else:
                assert (awaiting, rework, scrapped) == (0, 0, 0)
                assert done == built

        if status != WoStatus.COMPLETED:  # completion reconciles required to consumed
            for _id, item_id, _product, required, _reserved, consumed in wo.materials:
                _, _p, _qc, planned, built, *_ = items[item_id]
                # consumed <= required × built / planned, without dividing.
                assert consumed * planned <= required * built, (
                    f"WO {wo_id} consumed {consumed} of {required} with {built}/{planned} built"
                )
                if built == 0:
                    assert consumed == 0

    for so_id, (status, deleted, site_id, lines) in snap.sales_orders.items():
        is_open = status == SalesOrderStatus.OPEN.value and not deleted
        for line_id, product, qty, from_stock, from_wos, backordered, reserved in lines:
            assert reserved >= 0
            if product is not None:
                held[(site_id, product)] += reserved
            if reserved > 0:
                assert is_open, f"{status} sales order {so_id} still holds a reservation"
            if is_open:
                assert reserved <= qty, f"order {so_id} line {line_id} holds more than ordered"
                assert min(from_stock, from_wos, backordered) >= 0
                assert from_stock + from_wos + backordered <= qty, (
                    f"order {so_id} line {line_id} covered beyond its quantity"
                )

    for key in snap.levels.keys() | held.keys():
        reserved = snap.levels.get(key, (ZERO, ZERO))[1]
        assert reserved == held.get(key, ZERO), (
            f"stock {key} reserved {reserved}, holders hold {held.get(key, ZERO)}"
        )


# -- the machine ---------------------------------------------------------------------

Backend = SqliteBackend | PgBackend

pick = st.integers(min_value=0, max_value=1000)
actors = st.sampled_from(("operator", "supervisor", "office"))
floor_actors = st.sampled_from(("operator", "supervisor"))


class KioskMachine(RuleBasedStateMachine):
    backend: ClassVar[Backend]

    def __init__(self) -> None:
        super().__init__()
        self.engine = self.backend.fresh()
        self.people = self.backend.people
        self.bus = CommandBus(self.engine)
        self.sos: list[tuple[str, list[str]]] = []
        self.runs: list[tuple[str, str]] = []
        self.snap = take_snapshot(self.bus)
        self.audit_base = self.snap.audit
        self.executed = 0
        self.terminal: dict[str, tuple[Any, ...]] = {}

    def teardown(self) -> None:
        self.backend.drop(self.engine)

    # -- running one command and checking what it did --------------------------------

    def execute(self, command: Command) -> CommandResult | None:
        before = self.snap
        try:
            result: CommandResult | None = self.bus.execute(command)
        except DomainError:
            result = None
        self.executed += 1
        after = take_snapshot(self.bus)
        with self.bus.read() as s:
            rows = s.scalars(
                select(AuditEntry.result).where(AuditEntry.command_id == command.command_id)
            ).all()
        expected = "refused" if result is None else result.status
        assert rows == [expected], f"audit rows for {type(command).__name__}: {rows}"
        if result is None:
            assert after == before, f"refused {type(command).__name__} changed the store"
        self.snap = after
        return result

    @property
    def wos(self) -> list[str]:
        """Every work order (the orchestrator's too), by number: stable across replays."""
        return sorted(self.snap.work_orders, key=lambda w: self.snap.work_orders[w].number)

    def wo(self, i: int) -> str:
        wos = self.wos
        return wos[i % len(wos)]

    def wo_state(self, wo_id: str) -> WoState:
        return self.snap.work_orders[wo_id]

    def so(self, i: int) -> tuple[str, list[str]]:
        return self.sos[i % len(self.sos)]

    # -- stock -------------------------------------------------------------------------

    @rule(sku=st.sampled_from(SKUS), qty=st.integers(1, 40))
    def receive(self, sku: str, qty: int) -> None:
        self.execute(ReceiveStock(sku=sku, qty=qty, actor=OFFICE))

    @rule(
        sku=st.sampled_from(SKUS), delta=st.integers(-25, 25), reason=st.sampled_from(("", "count"))
    )
    def adjust(self, sku: str, delta: int, reason: str) -> None:
        self.execute(AdjustStock(sku=sku, qty_delta=delta, reason=reason, actor=OFFICE))

    # -- office work on work orders ----------------------------------------------------

    @rule(
        items=st.lists(
            st.tuples(st.sampled_from(BUILDABLE), st.integers(1, 8)),
            min_size=1,
            max_size=2,
            unique_by=lambda t: t[0],
        ),
        priority=st.integers(1, 5),
    )
    def create_wo(self, items: list[tuple[str, int]], priority: int) -> None:
        result = self.execute(
            CreateWorkOrder(
                items=[ItemSpec(sku, qty) for sku, qty in items], priority=priority, actor=OFFICE
            )
        )
        assert result is not None, "a valid work order must be accepted"

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick)
    def confirm(self, i: int) -> None:
        self.execute(ConfirmWorkOrder(work_order_id=self.wo(i), actor=OFFICE))

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick)
    def retry_allocation(self, i: int) -> None:
        self.execute(RetryAllocation(work_order_id=self.wo(i), actor=OFFICE))

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick, qty=st.integers(1, 10))
    def edit_quantity(self, i: int, qty: int) -> None:
        wo_id = self.wo(i)
        with self.bus.read() as s:
            sku = s.scalars(
                select(Product.sku)
                .join(WoItem, WoItem.product_id == Product.id)
                .where(WoItem.work_order_id == wo_id)
                .order_by(WoItem.position)
            ).first()
        assert sku is not None
        self.execute(EditWorkOrder(work_order_id=wo_id, quantities={sku: qty}, actor=OFFICE))

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick, who=actors)
    def cancel_wo(self, i: int, who: str) -> None:
        self.execute(CancelWorkOrder(work_order_id=self.wo(i), actor=self.people.get(who)))

    # -- the floor -------------------------------------------------------------------------

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick, who=floor_actors)
    def start(self, i: int, who: str) -> None:
        self.execute(StartWorkOrder(work_order_id=self.wo(i), actor=self.people.get(who)))

    @precondition(lambda self: self.snap.work_orders)
    @rule(
        i=pick,
        qty=st.integers(1, 6),
        rework=st.booleans(),
        who=floor_actors,
        item=st.sampled_from((None, *BUILDABLE)),
    )
    def log_output(self, i: int, qty: int, rework: bool, who: str, item: str | None) -> None:
        wo_id = self.wo(i)
        result = self.execute(
            LogOutput(
                work_order_id=wo_id, qty=qty, rework=rework, sku=item, actor=self.people.get(who)
            )
        )
        if result is not None:
            self.runs.append((wo_id, result.data["run_id"]))

    @precondition(lambda self: self.snap.work_orders)
    @rule(
        i=pick,
        approved=st.integers(0, 4),
        failed=st.integers(0, 3),
        action=st.sampled_from(("rework", "scrap", None)),
        who=floor_actors,
    )
    def qc(self, i: int, approved: int, failed: int, action: str | None, who: str) -> None:
        self.execute(
            RecordQc(
                work_order_id=self.wo(i),
                approved=approved,
                failed=failed,
                failed_action=action,
                reason="scratched" if failed else "",
                category="finish" if failed else "",
                actor=self.people.get(who),
            )
        )

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick, j=pick, skip=st.booleans(), who=floor_actors)
    def complete_step(self, i: int, j: int, skip: bool, who: str) -> None:
        wo_id = self.wo(i)
        steps = self.wo_state(wo_id).steps
        if not steps:
            return
        step_id = steps[j % len(steps)][0]
        self.execute(
            CompleteStep(
                work_order_id=wo_id, step_id=step_id, skip=skip, actor=self.people.get(who)
            )
        )

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick, reason=st.sampled_from(HOLD_REASONS), who=floor_actors)
    def hold(self, i: int, reason: str, who: str) -> None:
        note = "jam" if reason == "other" else ""
        self.execute(
            RaiseHold(
                work_order_id=self.wo(i), reason=reason, note=note, actor=self.people.get(who)
            )
        )

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick, who=actors)
    def resume(self, i: int, who: str) -> None:
        self.execute(ResumeWorkOrder(work_order_id=self.wo(i), actor=self.people.get(who)))

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick, close_short=st.booleans(), who=actors)
    def complete(self, i: int, close_short: bool, who: str) -> None:
        self.execute(
            CompleteWorkOrder(
                work_order_id=self.wo(i), close_short=close_short, actor=self.people.get(who)
            )
        )

    @precondition(lambda self: self.runs)
    @rule(i=pick, who=actors)
    def reverse_run(self, i: int, who: str) -> None:
        wo_id, run_id = self.runs[i % len(self.runs)]
        self.execute(ReverseRun(work_order_id=wo_id, run_id=run_id, actor=self.people.get(who)))

    # -- sales orders ------------------------------------------------------------------

    @rule(
        n=st.integers(0, 6),
        lines=st.lists(st.tuples(st.sampled_from(ORDERABLE), st.integers(1, 12)), max_size=3),
    )
    def ingest(self, n: int, lines: list[tuple[str, int]]) -> None:
        before = self.snap
        result = self.execute(
            IngestSalesOrder(
                external_id=f"SO-{n}",
                lines=[LineSpec(str(k + 1), sku, qty) for k, (sku, qty) in enumerate(lines)],
                actor=OFFICE,
            )
        )
        if result is None:
            return
        if result.data["created"]:
            self.sos.append(
                (result.data["sales_order_id"], [str(k + 1) for k in range(len(lines))])
            )
        else:
            assert self.snap == before, "ingesting an external id again changed the store"

    @precondition(lambda self: self.sos)
    @rule(i=pick, j=pick, qty=st.integers(0, 14))
    def change_so(self, i: int, j: int, qty: int) -> None:
        so_id, line_ids = self.so(i)
        line_id = line_ids[j % len(line_ids)]
        self.execute(
            ChangeSalesOrder(sales_order_id=so_id, lines=[LineChange(line_id, qty)], actor=OFFICE)
        )

    @precondition(lambda self: self.sos)
    @rule(i=pick, refunded=st.booleans())
    def cancel_so(self, i: int, refunded: bool) -> None:
        self.execute(
            CancelSalesOrder(sales_order_id=self.so(i)[0], refunded=refunded, actor=OFFICE)
        )

    @precondition(lambda self: self.sos)
    @rule(i=pick)
    def delete_so(self, i: int) -> None:
        self.execute(DeleteSalesOrder(sales_order_id=self.so(i)[0], actor=OFFICE))

    @precondition(lambda self: self.snap.work_orders)
    @rule(i=pick, accept=st.booleans(), who=actors)
    def decide_unlinked(self, i: int, accept: bool, who: str) -> None:
        command = AcceptSalesOrderChange if accept else KeepAsStock
        self.execute(command(work_order_id=self.wo(i), actor=self.people.get(who)))

    # -- after every step ----------------------------------------------------------------

    @invariant()
    def store_is_consistent(self) -> None:
        check_invariants(self.snap)

    @invariant()
    def one_audit_row_per_command(self) -> None:
        assert self.snap.audit == self.audit_base + self.executed

    @invariant()
    def terminal_work_orders_never_change(self) -> None:
        for wo_id, core in self.terminal.items():
            assert self.snap.work_orders[wo_id].core() == core, f"terminal WO {wo_id} changed"
        for wo_id, wo in self.snap.work_orders.items():
            if WoStatus(wo.status).is_terminal and wo_id not in self.terminal:
                self.terminal[wo_id] = wo.core()


def _examples(default: int) -> int:
    return int(os.environ.get("KIOSK_INVARIANT_EXAMPLES", default))


def _phases() -> tuple[Phase, ...]:
    """``KIOSK_INVARIANT_SHRINK=0`` reports a failure as found (shrinking can take minutes)."""
    if os.environ.get("KIOSK_INVARIANT_SHRINK", "1") == "0":
        return tuple(p for p in Phase if p not in (Phase.shrink, Phase.explain))
    return tuple(Phase)


def _run_machine(backend: Backend, examples: int, steps: int) -> None:
    machine: Callable[[], KioskMachine] = type(
        f"KioskMachine_{type(backend).__name__}", (KioskMachine,), {"backend": backend}
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=_examples(examples),
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            print_blob=True,
            phases=_phases(),
        ),
    )


def test_invariants_hold_on_sqlite(tmp_path: Path) -> None:
    # Same engine settings as the kiosk; the files live in RAM when it can, because
    # the examples check logic, not fsync (tests/benchmarks measures that).
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="kiosk-invariants-") as directory:
            _run_machine(SqliteBackend(Path(directory)), examples=25, steps=35)
    else:
        _run_machine(SqliteBackend(tmp_path), examples=25, steps=35)


def test_invariants_hold_on_postgres(pg_url: str, request: pytest.FixtureRequest) -> None:
    admin, _template = request.getfixturevalue("_pg_template")
    _run_machine(PgBackend(admin, pg_url), examples=8, steps=40)


# -- cases the machine found (or nearly found), pinned down on both backends -----------


def _consistent(plant: Plant) -> Snapshot:
    snap = take_snapshot(plant.bus)
    check_invariants(snap)
    return snap


def test_unlinking_one_of_several_orders_keeps_the_others_covered(plant: Plant) -> None:
    """A blocked MTO WO extended for two orders: the first order's change cuts only its
    own link; the second order's later change still finds and cuts its link."""
    simple_plant(plant)
    first = plant.run(
        IngestSalesOrder(external_id="A", lines=[LineSpec("1", "WIDGET", 3)], actor=OFFICE)
    ).data["sales_order_id"]
    second = plant.run(
        IngestSalesOrder(external_id="B", lines=[LineSpec("1", "WIDGET", 4)], actor=OFFICE)
    ).data["sales_order_id"]
    (wo_id,) = plant.sales_order(second).lines[0].work_order_ids
    assert plant.sales_order(first).lines[0].work_order_ids == (wo_id,)
    assert plant.wo(wo_id).status == "blocked"

    plant.run(CancelSalesOrder(sales_order_id=first, actor=OFFICE))
    snap = _consistent(plant)
    assert snap.work_orders[wo_id].type == "MTO"  # still building for order B
    assert snap.work_orders[wo_id].unlink_pending
    assert plant.sales_order(second).lines[0].qty_from_work_orders == 4

    plant.run(ChangeSalesOrder(sales_order_id=second, lines=[LineChange("1", 0)], actor=OFFICE))
    snap = _consistent(plant)
    assert snap.work_orders[wo_id].type == "MTS"
    line = plant.sales_order(second).lines[0]
    assert (line.qty, line.qty_from_work_orders, line.qty_reserved) == (0, 0, 0)


def test_cancelling_a_started_mto_order_leaves_its_made_units_as_stock_cover(
    plant: Plant,
) -> None:
    simple_plant(plant)
    plant.receive("BOLT", 100)
    plant.receive("PLATE", 100)
    operator = plant.operator()
    supervisor = plant.operator(supervisor=True)
    so_id = plant.run(
        IngestSalesOrder(external_id="C", lines=[LineSpec("1", "WIDGET", 5)], actor=OFFICE)
    ).data["sales_order_id"]
    (wo_id,) = plant.sales_order(so_id).lines[0].work_order_ids
    plant.run(StartWorkOrder(work_order_id=wo_id, actor=operator))
    plant.run(LogOutput(work_order_id=wo_id, qty=2, actor=operator))
    plant.run(CancelWorkOrder(work_order_id=wo_id, actor=supervisor))
    _consistent(plant)
    line = plant.sales_order(so_id).lines[0]
    # The 2 widgets made stay reserved for the line; the cancelled WO covers nothing.
    assert (line.qty_from_stock, line.qty_from_work_orders, line.qty_reserved) == (2, 0, 2)

    plant.run(ChangeSalesOrder(sales_order_id=so_id, lines=[LineChange("1", 0)], actor=OFFICE))
    _consistent(plant)
    line = plant.sales_order(so_id).lines[0]
    assert (line.qty_from_stock, line.qty_from_work_orders, line.qty_reserved) == (0, 0, 0)
    assert plant.stock("WIDGET").reserved == 0
