"""A work order's routing: its items' steps and those of the sub-assemblies it builds,
each at the workstation that does it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from kiosk.store.base import new_id
from kiosk.store.models import Bom, WorkOrder, Workstation, WoStep

#: What makes two copies of a step the same step (so an unchanged routing is kept).
_Key = tuple[str, str, str | None, Decimal | None]


def route(session: Session, wo: WorkOrder, builds: Mapping[str, Sequence[str]]) -> None:
    """Make the WO's steps follow what it builds (``builds``: item id → product ids, in
    routing order, as the spread found them).

    Sub-assembly steps come before the steps of the product they go into; a step
    named for a sub-assembly (“Top: cut and glue”) goes to a workstation of its
    type at the WO's site. A routing that is unchanged is kept as it is (its
    stations too); one with a step already done is never rewritten.
    """
    if any(s.done_at is not None for s in wo.steps):
        return
    wanted = _wanted_steps(session, wo, builds)
    if [_key(s) for s in wo.steps] == wanted:
        return
    wo.steps.clear()
    session.flush()
    stations: dict[str, Workstation | None] = {}
    for position, (name, instructions, ws_type, minutes) in enumerate(wanted):
        if ws_type is not None and ws_type not in stations:
            stations[ws_type] = _station_for(session, wo, ws_type)
        station = stations.get(ws_type) if ws_type is not None else None
        wo.steps.append(
            WoStep(
                id=new_id(),
                position=position,
                name=name,
                instructions=instructions,
                workstation_type=ws_type,
                workstation=station,
                standard_minutes=minutes,
            )
        )


def _key(step: WoStep) -> _Key:
    return (step.name, step.instructions, step.workstation_type, step.standard_minutes)


def _wanted_steps(
    session: Session, wo: WorkOrder, builds: Mapping[str, Sequence[str]]
) -> list[_Key]:
    """Every step in routing order, named so an operator knows what it is for."""
    product_ids = {p for products in builds.values() for p in products}
    boms = {
        b.product_id: b
        for b in session.scalars(
            select(Bom)
            .where(Bom.product_id.in_(product_ids))
            .options(selectinload(Bom.steps), selectinload(Bom.product))
        )
    }
    several = len(wo.items) > 1
    wanted: list[_Key] = []
    for item in wo.items:
        for product_id in builds.get(item.id, (item.product_id,)):
            bom = boms.get(product_id)
            if bom is None:
                continue
            own = product_id == item.product_id
            for step in bom.steps:
                name = step.name if own and not several else f"{bom.product.name}: {step.name}"
                wanted.append(
                    (name, step.instructions, step.workstation_type, step.standard_minutes)
                )
    return wanted


def _station_for(session: Session, wo: WorkOrder, ws_type: str) -> Workstation | None:
    """The WO's own station if it is of that type; else round-robin among the site's
    active stations of the type; None (the WO's station, as before) if there is none."""
    if wo.workstation is not None and wo.workstation.type == ws_type:
        return None
    return claim_turn(
        session,
        select(Workstation).where(
            Workstation.site_id == wo.site_id,
            Workstation.active.is_(True),
            Workstation.type == ws_type,
        ),
    )


def claim_turn(session: Session, stations: Select[tuple[Workstation]]) -> Workstation | None:
    """The station whose turn it is among ``stations``; it goes to the back.

    A station another transaction is giving a turn right now is skipped (it is taken),
    so new work orders for different orders never queue on the list of stations. When
    every one is taken, the one whose turn it is gets this work order too, without
    moving its turn (the other transaction moves it): round-robin is exact one order at
    a time and close to it when orders arrive together. (SQLite has no row locks: its
    writers are serialized anyway.)
    """
    ordered = stations.order_by(Workstation.id)
    # NO KEY UPDATE (key_share): a work order inserted elsewhere that names this station
    # (a foreign key's KEY SHARE lock) does not wait for this transaction.
    free = session.scalars(ordered.with_for_update(skip_locked=True, key_share=True)).all()
    if free:
        return take_turn(free)
    taken = session.scalars(ordered).all()
    return min(taken, key=lambda ws: (ws.assignment_turn, ws.code)) if taken else None


def take_turn(candidates: Sequence[Workstation]) -> Workstation | None:
    """The station whose turn it is (lowest turn, then code); it goes to the back."""
    if not candidates:
        return None
    chosen = min(candidates, key=lambda ws: (ws.assignment_turn, ws.code))
    chosen.assignment_turn = max(ws.assignment_turn for ws in candidates) + 1
    return chosen
