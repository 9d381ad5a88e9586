"""Rows a transaction holds locked are remembered until a rollback could release them.

A pushed batch runs each command in a savepoint: a command that went through leaves
its stock rows locked for the transaction, so the next one reads them from memory;
one rolled back releases what it locked, so nothing it touched may be trusted.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.services.stock import lock_stock
from kiosk.store.models import Product, Site
from kiosk.store.transaction_cache import transaction_cache
from tests.builders import Plant


def _ids(engine: Engine) -> tuple[str, str, str]:
    plant = Plant(engine)
    plant.product("STEEL")
    plant.product("WOOD")
    plant.receive("STEEL", 5)
    plant.receive("WOOD", 5)
    with Session(engine) as session:
        site = session.scalars(select(Site.id)).one()
        steel = session.scalars(select(Product.id).where(Product.sku == "STEEL")).one()
        wood = session.scalars(select(Product.id).where(Product.sku == "WOOD")).one()
    return site, steel, wood


def _held(session: Session) -> set[str]:
    return {product for _, product in transaction_cache(session, "held_stock")}


def test_a_released_savepoint_keeps_its_rows_and_a_rolled_back_one_forgets(
    engine: Engine,
) -> None:
    site, steel, wood = _ids(engine)
    with Session(engine) as session, session.begin():
        with session.begin_nested():
            lock_stock(session, site, [steel])
        assert _held(session) == {steel}  # released: still locked, still known
        savepoint = session.begin_nested()
        lock_stock(session, site, [wood])
        assert _held(session) == {steel, wood}
        savepoint.rollback()
        assert _held(session) == set()  # the rollback may have released them: read again
        levels = lock_stock(session, site, [steel, wood])
        assert sorted(levels) == sorted([steel, wood])
    with Session(engine) as session:
        assert _held(session) == set()  # a new transaction knows nothing
