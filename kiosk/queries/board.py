"""The board: one line per work order, read in a handful of set queries.

``board_rows(session)`` reads every row; ``board_rows(session, ids)`` reads only
those; ``BoardCache`` decides which a change summary needs, which is how a command's
follow-up read stays small at thousands of orders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.changes import Changes
from kiosk.domain.enums import WoStatus
from kiosk.domain.rules import SHORT_FOLLOWS_STOCK, material_short
from kiosk.store.models import (
    Hold,
    Product,
    StockLevel,
    WoItem,
    WoMaterial,
    WorkOrder,
    Workstation,
    WoStep,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class BoardRow:
    """One line of the board: everything a row shows, precomputed for fast filtering."""

    id: str
    number: str
    name: str
    product: str
    status: WoStatus
    workstation: str | None
    qty_done: Decimal
    qty_planned: Decimal
    short_skus: tuple[str, ...]
    has_materials: bool
    hold_reason: str | None
    unlinked: bool
    closed_short: bool
    scheduled_at: datetime | None
    priority: int
    input_skus: tuple[str, ...]
    output_skus: tuple[str, ...]
    version: int
    #: lower-case "number name product skus…", what the search box matches against.
    haystack: str
    #: Changes whenever anything the row shows changes: cheap to compare on the GUI thread.
    fingerprint: int = 0
    #: Other workstations (codes) with a step of this open WO still to do there (a
    #: sub-assembly's step): their boards list it too.
    step_stations: tuple[str, ...] = ()

    def is_at(self, workstation: str) -> bool:
        """On this workstation's board: assigned here, or a step of it is still to do here."""
        return self.workstation == workstation or workstation in self.step_stations


class BoardCache:
    """The board's lines as last read, kept current by change summaries.

    A change names its work orders (read again) and the products whose stock moved.
    A line whose "short" follows free stock (a draft, a blocked order) is read again
    only when its shortness of a moved product actually flipped — at a few thousand
    open drafts that is the difference between reading one line and a thousand.
    """

    def __init__(self) -> None:
        self._rows: dict[str, BoardRow] | None = None
        #: Free stock per (site, product) as of the rows above.
        self._free: dict[tuple[str, str], Decimal] = {}

    def read_all(self, session: Session) -> list[BoardRow]:
        self._free = _free_stock(session, None)
        rows = board_rows(session)
        self._rows = {row.id: row for row in rows}
        return rows

    def apply(self, session: Session, changes: Changes) -> tuple[list[BoardRow], set[str]] | None:
        """The lines ``changes`` altered and the ids that are gone; None: read all."""
        if self._rows is None or changes.everything:
            return None
        ids = set(changes.work_orders) | self._flipped(session, changes, set(changes.work_orders))
        rows = board_rows(session, ids)
        gone = ids - {row.id for row in rows}
        for row in rows:
            self._rows[row.id] = row
        for wo_id in gone:
            self._rows.pop(wo_id, None)
        return rows, gone

    def _flipped(self, session: Session, changes: Changes, known: set[str]) -> set[str]:
        assert self._rows is not None
        if not changes.products:
            return set()
        free = _free_stock(session, changes.products)
        # Consuming a reservation moves on-hand and reserved alike: free stock, and so
        # every draft's shortness, stays. Only products whose free stock moved matter.
        keys = free.keys() | {key for key in self._free if key[1] in changes.products}
        products = sorted(
            {key[1] for key in keys if free.get(key, ZERO) != self._free.get(key, ZERO)}
        )
        self._free.update(free)
        if not products:
            return set()
        needs = session.execute(
            select(
                WoMaterial.work_order_id,
                WorkOrder.status,
                WorkOrder.site_id,
                WoMaterial.product_id,
                Product.sku,
                func.sum(WoMaterial.qty_required),
                func.sum(WoMaterial.qty_reserved),
                func.sum(WoMaterial.qty_consumed),
            )
            .join(WorkOrder, WorkOrder.id == WoMaterial.work_order_id)
            .join(Product, Product.id == WoMaterial.product_id)
            .where(
                WoMaterial.product_id.in_(products),
                WorkOrder.status.in_(sorted(SHORT_FOLLOWS_STOCK)),
            )
            .group_by(
                WoMaterial.work_order_id,
                WorkOrder.status,
                WorkOrder.site_id,
                WoMaterial.product_id,
                Product.sku,
            )
        ).all()
        flipped = set()
        for wo_id, status, site, product_id, sku, required, reserved, consumed in needs:
            if wo_id in known:
                continue
            row = self._rows.get(wo_id)
            left = free.get((site, product_id), ZERO)
            short = material_short(WoStatus(status), required, reserved, consumed, left) > 0
            if row is None or (sku in row.short_skus) != short:
                flipped.add(wo_id)
        return flipped


def _free_stock(
    session: Session, products: Collection[str] | None
) -> dict[tuple[str, str], Decimal]:
    """On hand less reserved, per (site, product): all, or of ``products``."""
    query = select(
        StockLevel.site_id, StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved
    )
    if products is not None:
        query = query.where(StockLevel.product_id.in_(sorted(products)))
    return {
        (site, product): on_hand - reserved
        for site, product, on_hand, reserved in session.execute(query)
    }


def board_rows(session: Session, ids: Collection[str] | None = None) -> list[BoardRow]:
    """Every work order's line (``ids`` None), or only those of ``ids`` that exist."""
    if ids is not None and not ids:
        return []

    def only(column: Any) -> list[Any]:
        return [] if ids is None else [column.in_(sorted(ids))]

    wos = session.execute(
        select(
            WorkOrder.id,
            WorkOrder.number,
            WorkOrder.name,
            WorkOrder.status,
            WorkOrder.scheduled_at,
            WorkOrder.priority,
            WorkOrder.unlink_pending,
            WorkOrder.closed_short,
            WorkOrder.version,
            WorkOrder.site_id,
            Workstation.code,
        )
        .outerjoin(Workstation, WorkOrder.workstation_id == Workstation.id)
        .where(*only(WorkOrder.id))
    ).all()
    items: dict[str, list[tuple[str, str, Decimal, Decimal]]] = defaultdict(list)
    for wo_id, sku, name, planned, done in session.execute(
        select(
            WoItem.work_order_id,
            Product.sku,
            Product.name,
            WoItem.qty_planned,
            WoItem.qty_done,
        )
        .join(Product, WoItem.product_id == Product.id)
        .where(*only(WoItem.work_order_id))
    ):
        items[wo_id].append((sku, name, planned, done))
    materials: dict[str, dict[str, tuple[Decimal, Decimal, Decimal]]] = defaultdict(dict)
    product_of: dict[str, str] = {}
    for wo_id, product_id, sku, required, reserved, consumed in session.execute(
        select(
            WoMaterial.work_order_id,
            WoMaterial.product_id,
            Product.sku,
            func.sum(WoMaterial.qty_required),
            func.sum(WoMaterial.qty_reserved),
            func.sum(WoMaterial.qty_consumed),
        )
        .join(Product, WoMaterial.product_id == Product.id)
        .where(*only(WoMaterial.work_order_id))
        .group_by(WoMaterial.work_order_id, WoMaterial.product_id, Product.sku)
    ):
        materials[wo_id][product_id] = (required, reserved, consumed)
        product_of[product_id] = sku
    available = _free_stock(session, None if ids is None else product_of)
    step_stations: dict[str, set[str]] = defaultdict(set)
    for wo_id, code in session.execute(
        select(WoStep.work_order_id, Workstation.code)
        .join(Workstation, WoStep.workstation_id == Workstation.id)
        .where(WoStep.done_at.is_(None), *only(WoStep.work_order_id))
    ):
        step_stations[wo_id].add(code)
    holds: dict[str, str] = dict(
        session.execute(
            select(Hold.work_order_id, Hold.reason).where(
                Hold.released_at.is_(None), *only(Hold.work_order_id)
            )
        )
        .tuples()
        .all()
    )
    rows = []
    for (
        wo_id,
        number,
        name,
        status,
        scheduled,
        priority,
        unlink,
        short_closed,
        version,
        site,
        ws,
    ) in wos:
        st = WoStatus(status)
        its = items.get(wo_id, [])
        mats = materials.get(wo_id, {})
        shorts = tuple(
            sorted(
                product_of[product_id]
                for product_id, (required, reserved, consumed) in mats.items()
                if material_short(
                    st, required, reserved, consumed, available.get((site, product_id), ZERO)
                )
                > 0
            )
        )
        outputs = tuple(sku for sku, _, _, _ in its)
        inputs = tuple(sorted(product_of[p] for p in mats))
        product = ", ".join(f"{sku} {pname}" for sku, pname, _, _ in its[:2])
        qty_done = sum((i[3] for i in its), ZERO)
        qty_planned = sum((i[2] for i in its), ZERO)
        hold = holds.get(wo_id)
        elsewhere = () if st.is_terminal else tuple(sorted(step_stations[wo_id] - {ws}))
        rows.append(
            BoardRow(
                id=wo_id,
                number=number,
                name=name,
                product=product,
                status=st,
                workstation=ws,
                qty_done=qty_done,
                qty_planned=qty_planned,
                short_skus=shorts,
                has_materials=bool(mats),
                hold_reason=hold,
                unlinked=unlink,
                closed_short=short_closed,
                scheduled_at=scheduled,
                priority=priority,
                input_skus=inputs,
                output_skus=outputs,
                version=version,
                haystack=" ".join((number, name, product, *inputs, *outputs)).lower(),
                fingerprint=hash(
                    (
                        version,
                        st,
                        qty_done,
                        qty_planned,
                        shorts,
                        hold,
                        unlink,
                        short_closed,
                        scheduled,
                        priority,
                        ws,
                        name,
                        elsewhere,
                    )
                ),
                step_stations=elsewhere,
            )
        )
    return rows
