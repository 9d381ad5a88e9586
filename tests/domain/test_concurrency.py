"""Races: many writers at once, each thread with its own CommandBus on one engine.

PostgreSQL is where a plant's server really sees concurrent writers (READ COMMITTED,
row locks taken by the handlers); SQLite sees it when the kiosk's worker and sync
threads overlap (BEGIN IMMEDIATE and a busy timeout serialize them). Whatever the
interleaving: never more reserved than on hand, allocation all-or-nothing, one sales
order per external id, every order line accounted for.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select

from kiosk.commands import (
    CommandBus,
    ConfirmWorkOrder,
    IngestSalesOrder,
    LineSpec,
)
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import (
    AuditEntry,
    Product,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    WoItem,
    WoLink,
    WoMaterial,
    WorkOrder,
)
from tests.builders import OFFICE, Plant, simple_plant
from tests.domain.test_invariants import check_invariants, take_snapshot

T = TypeVar("T")
THREADS = 16


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    # A pool big enough that all threads (and the watcher) really run at once.
    engine = make_engine(pg_url, pool_size=THREADS + 4)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def race(
    engine: Engine, jobs: list[Callable[[CommandBus], T]], threads: int
) -> list[T | Exception]:
    """Run ``jobs`` on ``threads`` threads, each with its own bus, all released at once.

    Returns each job's result (or the exception it raised) in job order.
    """
    results: list[T | Exception | None] = [None] * len(jobs)
    barrier = threading.Barrier(threads)

    def worker(k: int) -> None:
        bus = CommandBus(engine)
        barrier.wait()
        for index in range(k, len(jobs), threads):
            try:
                results[index] = jobs[index](bus)
            except Exception as err:  # reported by the caller's assertions
                results[index] = err

    workers = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers), "a worker hung (deadlock not resolved?)"
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


class StockWatcher:
    """Polls every stock level while a race runs and remembers the worst it saw."""

    def __init__(self, engine: Engine) -> None:
        self._bus = CommandBus(engine)
        self._stop = threading.Event()
        self.violations: list[tuple[str, Decimal, Decimal]] = []
        self.samples = 0
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> StockWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _watch(self) -> None:
        while not self._stop.is_set():
            with self._bus.read() as s:
                for product, on_hand, reserved in s.execute(
                    select(StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved)
                ):
                    if not Decimal(0) <= reserved <= on_hand:
                        self.violations.append((product, on_hand, reserved))
            self.samples += 1
            self._stop.wait(0.002)


# -- confirming 30 work orders against stock for 10 ---------------------------------------


def _confirm_race(engine: Engine) -> None:
    plant = Plant(engine)
    plant.product("STEEL")
    plant.product("FRAME")
    plant.bom("FRAME", {"STEEL": 10})
    plant.receive("STEEL", 100)
    wos = [plant.work_order("FRAME", 1) for _ in range(30)]

    def confirm(wo: str) -> Callable[[CommandBus], Any]:
        return lambda bus: bus.execute(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))

    with StockWatcher(engine) as watcher:
        results = race(engine, [confirm(wo) for wo in wos], THREADS)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == [], f"confirmations failed under contention: {errors[:3]}"
    assert watcher.samples > 0
    assert watcher.violations == [], f"over-reserved while racing: {watcher.violations[:3]}"

    said = Counter(r.data["status"] for r in results if not isinstance(r, Exception))
    assert said == {"ready": 10, "blocked": 20}
    with plant.bus.read() as s:
        stored = Counter(s.scalars(select(WorkOrder.status).where(WorkOrder.id.in_(wos))))
        assert stored == {"ready": 10, "blocked": 20}
        reserved_by_wo = dict(
            s.execute(
                select(WoMaterial.work_order_id, func.sum(WoMaterial.qty_reserved)).group_by(
                    WoMaterial.work_order_id
                )
            ).all()
        )
        statuses = dict(s.execute(select(WorkOrder.id, WorkOrder.status)).all())
        confirms = s.scalars(
            select(AuditEntry.result).where(AuditEntry.command_type == "confirm")
        ).all()
    for wo in wos:
        expected = Decimal(10) if statuses[wo] == "ready" else Decimal(0)
        assert reserved_by_wo.get(wo, Decimal(0)) == expected, (wo, statuses[wo])
    assert Counter(confirms) == {"applied": 30}
    steel = plant.stock("STEEL")
    assert steel.on_hand == 100
    assert steel.reserved == 100
    check_invariants(take_snapshot(plant.bus))


def test_confirm_race_reserves_exactly_what_is_on_hand_postgres(pg_engine: Engine) -> None:
    _confirm_race(pg_engine)


def test_confirm_race_reserves_exactly_what_is_on_hand_sqlite(sqlite_engine: Engine) -> None:
    _confirm_race(sqlite_engine)


# -- the same webhook delivered several times at once -----------------------------------


def test_same_external_order_from_many_threads_is_one_order(pg_engine: Engine) -> None:
    plant = Plant(pg_engine)
    simple_plant(plant)
    plant.receive("WIDGET", 3)
    plant.receive("BOLT", 100)
    plant.receive("PLATE", 100)

    def ingest(bus: CommandBus) -> Any:
        return bus.execute(
            IngestSalesOrder(
                external_id="SHOP-1001",
                source="shopify",
                lines=[LineSpec("1", "WIDGET", 5), LineSpec("2", "BOLT", 4)],
                actor=OFFICE,
            )
        )

    with StockWatcher(pg_engine) as watcher:
        results = race(pg_engine, [ingest] * 8, 8)
    assert watcher.violations == []
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == [], f"a duplicate delivery was refused instead of answered: {errors[:3]}"
    ids = {r.data["sales_order_id"] for r in results if not isinstance(r, Exception)}
    created = [r.data["created"] for r in results if not isinstance(r, Exception)]
    assert len(ids) == 1
    assert created.count(True) == 1
    assert plant.count(SalesOrder) == 1
    assert plant.count(SalesOrderLine) == 2
    # The order was covered once: 3 widgets from stock + one WO for 2; 4 bolts.
    so = plant.sales_order(ids.pop())
    assert [(ln.qty_from_stock, ln.qty_from_work_orders) for ln in so.lines] == [(3, 2), (4, 0)]
    assert plant.count(WorkOrder) == 1
    assert plant.stock("WIDGET").reserved == 3
    assert plant.stock("BOLT").reserved == 4 + 4  # 4 for line 2, 2×2 for the WO's widgets
    check_invariants(take_snapshot(plant.bus))


# -- different orders competing for scarce stock ----------------------------------------


def test_competing_orders_never_oversell_and_all_are_accounted_for(pg_engine: Engine) -> None:
    plant = Plant(pg_engine)
    simple_plant(plant)
    plant.workstation("WS1")
    plant.workstation("WS2")
    plant.receive("BOLT", 40)
    plant.receive("PLATE", 12)
    plant.receive("WIDGET", 6)
    plant.receive("GADGET", 2)

    # Lines in different orders on purpose: orders lock stock rows line by line, so
    # opposite orders can deadlock on PostgreSQL, and the bus must retry them.
    layouts = [
        ("BOLT", "WIDGET", "GADGET"),
        ("GADGET", "WIDGET", "BOLT"),
        ("WIDGET", "BOLT", "GADGET"),
    ]
    orders = []
    for n in range(24):
        skus = layouts[n % len(layouts)]
        qtys = (1 + n % 4, 2 + n % 3, 1 + n % 2)
        orders.append(
            (
                f"ORD-{n}",
                [
                    LineSpec(str(k + 1), sku, q)
                    for k, (sku, q) in enumerate(zip(skus, qtys, strict=True))
                ],
            )
        )

    def ingest(external_id: str, lines: list[LineSpec]) -> Callable[[CommandBus], Any]:
        return lambda bus: bus.execute(
            IngestSalesOrder(external_id=external_id, lines=lines, actor=OFFICE)
        )

    with StockWatcher(pg_engine) as watcher:
        results = race(pg_engine, [ingest(x, ls) for x, ls in orders], 8)
    assert watcher.violations == [], f"over-reserved while racing: {watcher.violations[:3]}"
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == [], f"orders failed under contention: {errors[:3]}"
    assert all(r.data["created"] for r in results if not isinstance(r, Exception))

    with plant.bus.read() as s:
        stored = set(s.scalars(select(SalesOrder.external_id)))
        assert stored == {x for x, _ in orders}
        wanted = {(x, ln.line_id): Decimal(ln.qty) for x, ls in orders for ln in ls}
        rows = s.execute(
            select(
                SalesOrder.external_id,
                SalesOrderLine.line_id,
                SalesOrderLine.id,
                Product.sku,
                SalesOrderLine.qty,
                SalesOrderLine.qty_from_stock,
                SalesOrderLine.qty_from_work_orders,
                SalesOrderLine.qty_backordered,
                SalesOrderLine.qty_reserved,
            )
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.sales_order_id)
            .join(Product, Product.id == SalesOrderLine.product_id)
        ).all()
        linked = dict(
            s.execute(
                select(WoLink.so_line_id, func.sum(WoLink.qty)).group_by(WoLink.so_line_id)
            ).all()
        )
        planned_vs_linked = s.execute(
            select(WoItem.qty_planned, func.sum(WoLink.qty))
            .join(WoLink, WoLink.work_order_id == WoItem.work_order_id)
            .group_by(WoItem.id, WoItem.qty_planned)
        ).all()
    assert len(rows) == len(wanted)
    for (
        external_id,
        line_id,
        line_pk,
        sku,
        qty,
        from_stock,
        from_wos,
        backordered,
        reserved,
    ) in rows:
        where = f"{external_id} line {line_id} ({sku})"
        assert qty == wanted[(external_id, line_id)], where
        # Every unit is covered one way: stock, a work order, or a back-order.
        assert from_stock + from_wos + backordered == qty, where
        assert reserved == from_stock, where
        assert linked.get(line_pk, Decimal(0)) == from_wos, where
        if sku == "BOLT":  # no BOM: what stock cannot give is back-ordered
            assert from_wos == 0, where
        else:
            assert backordered == 0, where
    # A work order plans exactly what its links ask for.
    for planned, linked_qty in planned_vs_linked:
        assert planned == linked_qty
    for sku in ("BOLT", "PLATE", "WIDGET", "GADGET"):
        level = plant.stock(sku)
        assert 0 <= level.reserved <= level.on_hand, sku
    # Scarce finished stock was handed out at most once.
    for sku, on_hand in (("WIDGET", 6), ("GADGET", 2)):
        given = sum(r[5] for r in rows if r[3] == sku)
        assert given <= on_hand, sku
    check_invariants(take_snapshot(plant.bus))


# -- orders for different products side by side -------------------------------------------


class _HoldOpen:
    """A hook that keeps its command's transaction open, locks and all, until released."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()

    def before(self, session: Any, command: Any, *, refusing: bool) -> None:
        pass

    def after(self, session: Any, command: Any, outcome: Any) -> None:
        self.inside.set()
        assert self.release.wait(30), "never released"


def _two_product_plant(engine: Engine) -> Plant:
    plant = Plant(engine)
    for sku in ("STEEL", "WOOD", "CHAIR", "TABLE", "SHELF"):
        plant.product(sku)
    plant.bom("CHAIR", {"WOOD": 4})
    plant.bom("TABLE", {"STEEL": 2, "WOOD": 6})
    plant.bom("SHELF", {"STEEL": 3})
    plant.workstation("WS1")
    plant.receive("STEEL", 100)
    plant.receive("WOOD", 100)
    plant.receive("CHAIR", 1)
    return plant


def _order(external_id: str, sku: str, qty: int) -> IngestSalesOrder:
    return IngestSalesOrder(external_id=external_id, lines=[LineSpec("1", sku, qty)], actor=OFFICE)


def test_orders_for_unrelated_products_do_not_wait_for_each_other(pg_engine: Engine) -> None:
    """An order for chairs (wood) is held open mid-commit; one for shelves (steel) goes
    through meanwhile, and one for tables (steel and wood) waits for the chairs."""
    plant = _two_product_plant(pg_engine)
    hold = _HoldOpen()
    held = threading.Thread(
        target=lambda: CommandBus(pg_engine).execute(_order("CHAIRS", "CHAIR", 3), hook=hold)
    )
    held.start()
    try:
        assert hold.inside.wait(30)
        shelves = CommandBus(pg_engine).execute(_order("SHELVES", "SHELF", 2))
        assert shelves.data["created"] is True
        tables_done = threading.Event()

        def tables() -> None:
            CommandBus(pg_engine).execute(_order("TABLES", "TABLE", 1))
            tables_done.set()

        waiting = threading.Thread(target=tables)
        waiting.start()
        assert not tables_done.wait(1.0), "an order for tables did not wait for the wood"
    finally:
        hold.release.set()
        held.join(timeout=30)
    waiting.join(timeout=30)
    assert tables_done.is_set()
    # Everything as if one after the other: 1 chair from stock, WOs for the rest.
    assert plant.stock("CHAIR").reserved == 1
    assert plant.stock("WOOD").reserved == 2 * 4 + 6
    assert plant.stock("STEEL").reserved == 2 * 3 + 2
    check_invariants(take_snapshot(plant.bus))
