"""Every site has a change feed of its own: one site's writers never queue on another's.

A row of one site is in that site's feed only; a row every site sees (a product) is in
every site's. Each feed counts its own transactions in commit order, so a kiosk's
cursor means the same as before, and an old single feed migrates without a kiosk
losing its place.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select, text

from kiosk.commands import (
    CommandBus,
    CreateProduct,
    CreateSite,
    CreateWorkOrder,
    CreateWorkstation,
    ItemSpec,
)
from kiosk.store.capture import enable_change_feed, feed_position
from kiosk.store.engine import make_engine
from kiosk.store.migrate import alembic_config, upgrade
from kiosk.store.models import ChangeLog, Site
from sync.server.pull import _feed_cursor, page
from tests.builders import OFFICE, Plant, simple_plant


def _site(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(Site.id).where(Site.code == code)).scalar_one())


def _two_sites(engine: Engine) -> tuple[Plant, str, str]:
    """A plant with its main site and EAST, writing the change feed as a server does."""
    enable_change_feed(engine)
    plant = Plant(engine)
    simple_plant(plant)
    plant.run(CreateSite(code="EAST", name="East plant", actor=OFFICE))
    plant.run(CreateWorkstation(code="E-1", name="East 1", site="EAST", actor=OFFICE))
    with plant.bus.read() as session:
        main = session.scalars(select(Site.code).where(Site.code != "EAST")).one()
    return plant, _site(engine, main), _site(engine, "EAST")


def _positions(engine: Engine, *sites: str) -> list[int]:
    with engine.connect() as conn:
        return [feed_position(conn, site) for site in sites]


def _feed(engine: Engine, site: str, cursor: str) -> tuple[list[tuple[str, str]], str]:
    with engine.connect() as conn:
        changes, nxt, _, _ = page(conn, site, cursor, 500)
    return [(c.entity, c.id) for c in changes], nxt


def _end_cursor(engine: Engine, site: str) -> str:
    cursor = None
    with engine.connect() as conn:
        while True:
            _, cursor, more, _ = page(conn, site, cursor, 500)
            if not more:
                return cursor


def test_a_sites_rows_are_in_its_feed_and_shared_rows_in_every_feed(engine: Engine) -> None:
    plant, main, east = _two_sites(engine)
    main_cursor, east_cursor = _end_cursor(engine, main), _end_cursor(engine, east)
    before = _positions(engine, main, east)

    wo = plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 2)], actor=OFFICE))
    wo_id = wo.data["work_order_id"]
    after_wo = _positions(engine, main, east)
    assert after_wo == [before[0] + 1, before[1]]  # the other site's feed did not move
    seen, main_cursor = _feed(engine, main, main_cursor)
    assert ("work_order", wo_id) in seen
    assert _feed(engine, east, east_cursor)[0] == []

    plant.run(CreateProduct(sku="GIZMO", name="Gizmo", actor=OFFICE))
    assert _positions(engine, main, east) == [after_wo[0] + 1, after_wo[1] + 1]
    for site, cursor in ((main, main_cursor), (east, east_cursor)):
        entities = [entity for entity, _ in _feed(engine, site, cursor)[0]]
        assert entities == ["product"], (site, entities)


def test_one_sites_writers_do_not_wait_for_anothers(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        _, main, east = _two_sites(engine)
        with engine.connect() as holder:  # a writer of the main site, about to commit
            holder.execute(
                text("SELECT txn FROM feed_counter WHERE site_id = :s FOR UPDATE"), {"s": main}
            )
            east_order = CommandBus(engine).execute(
                CreateWorkOrder(items=[ItemSpec("WIDGET", 1)], site="EAST", actor=OFFICE)
            )
            assert east_order.data["work_order_id"]  # done while the main site's feed is held
            done = threading.Event()

            def main_order() -> None:
                CommandBus(engine).execute(
                    CreateWorkOrder(items=[ItemSpec("WIDGET", 1)], actor=OFFICE)
                )
                done.set()

            waiting = threading.Thread(target=main_order)
            waiting.start()
            assert not done.wait(1.0), "a writer of the same site did not queue"
            holder.rollback()
        waiting.join(timeout=30)
        assert done.is_set()
        assert _positions(engine, east)[0] > 0
    finally:
        engine.dispose()


@pytest.fixture
def old_feed(db_url: str) -> Engine:
    """A server database at 0010: one feed for all sites, rows of every site in it.

    SQLite is migrated up to 0010; PostgreSQL comes at head and is migrated down.
    """
    from alembic import command

    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":
        upgrade(engine, "0010")
    else:
        command.downgrade(alembic_config(engine), "0010")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM change_log"))
        conn.execute(
            text(
                "INSERT INTO site (id, code, name, is_default, identify_by) "
                "VALUES ('s-b', 'B', 'B', false, 'badge_scan')"  # beside the default site
            )
        )
        site_a = conn.execute(select(Site.id).where(Site.id != "s-b")).scalar_one()
        rows = [
            (1, site_a, "work_order", "wo-1"),
            (2, None, "product", "p-1"),  # every site's
            (3, "s-b", "work_order", "wo-2"),
            (4, None, "product", "p-2"),
        ]
        for txn, site, entity, key in rows:
            conn.execute(
                text(
                    "INSERT INTO change_log (txn, site_id, entity, key) "
                    "VALUES (:txn, :site, :entity, :key)"
                ),
                {"txn": txn, "site": site, "entity": entity, "key": key},
            )
        conn.execute(text("UPDATE counter SET value = 4 WHERE name = 'change_feed'"))
        conn.execute(text("UPDATE counter SET value = 0 WHERE name = 'change_feed_pruned'"))
    return engine


def test_the_one_feed_becomes_one_per_site_and_kiosks_keep_their_place(
    old_feed: Engine,
) -> None:
    with old_feed.connect() as conn:
        product_row = conn.execute(select(ChangeLog.id).where(ChangeLog.key == "p-1")).scalar_one()
    # A kiosk of each site had read up to the first product (txn 2): its cursor names it.
    cursor = _feed_cursor(2, product_row, "product", "p-1")
    upgrade(old_feed)
    try:
        with old_feed.connect() as conn:
            site_a = conn.execute(select(Site.id).where(Site.id != "s-b")).scalar_one()
        assert _positions(old_feed, site_a, "s-b") == [4, 4]  # each feed counts on from 4
        with old_feed.connect() as conn:
            nulls = conn.execute(
                select(func.count()).select_from(ChangeLog).where(ChangeLog.site_id.is_(None))
            ).scalar_one()
            kept = conn.execute(
                select(ChangeLog.site_id).where(ChangeLog.id == product_row)
            ).scalar_one()
        assert nulls == 0
        assert kept == site_a  # the row the cursors name is still there
        # What came after the cursor, in order; site B is handed the first product again.
        assert _feed(old_feed, site_a, cursor)[0] == [("product", "p-2")]
        assert _feed(old_feed, "s-b", cursor)[0] == [
            ("product", "p-1"),
            ("work_order", "wo-2"),
            ("product", "p-2"),
        ]
    finally:
        old_feed.dispose()
