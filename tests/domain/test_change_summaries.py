"""A command's result says what it changed; the kiosk reads back only that.

The board is read whole once; after a command, only the lines the change names (the
work order, and those using a product whose stock moved) are read again, and they
are exactly the lines a whole read gives.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kiosk.commands import LogOutput, RaiseHold, ReceiveStock
from kiosk.domain.changes import EVERYTHING, NOTHING, Changes
from kiosk.station import Station
from kiosk.store.engine import make_engine
from tests.builders import OFFICE, Plant, simple_plant

MIDNIGHT = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def floor(plant: Plant, engine: Engine) -> tuple[Plant, Station]:
    simple_plant(plant)
    plant.receive("BOLT", 1000)
    plant.receive("PLATE", 1000)
    return plant, Station(engine, None, "test-kiosk")


def test_a_command_names_its_work_order_and_the_stock_it_moved(
    floor: tuple[Plant, Station],
) -> None:
    plant, station = floor
    operator = plant.operator()
    wo = plant.started_work_order("WIDGET", 10, operator)
    plant.work_order("WIDGET", 3)  # a draft, covered before and after
    plant.ready_work_order("WIDGET", 3)  # holds its reservation: stock moving elsewhere is no news
    station.board()
    result = station.execute(LogOutput(work_order_id=wo, qty=2, actor=operator))
    changes = result.changes
    assert changes.work_orders == {wo}
    assert not changes.everything
    # Bolts and plates were consumed, widgets went into stock.
    assert len(changes.products) == 3
    follow = station.follow_up(changes, MIDNIGHT)
    # The draft uses the same materials, but its "short" did not flip: not read again.
    assert [row.id for row in follow.rows] == [wo]
    whole = {row.id: row for row in station.board()}
    assert [row.fingerprint for row in follow.rows] == [
        whole[r.id].fingerprint for r in follow.rows
    ]
    assert follow.shift is not None
    assert follow.people is None
    assert follow.notifications is None


def test_a_receipt_rereads_only_the_drafts_whose_shortness_flipped(
    floor: tuple[Plant, Station],
) -> None:
    plant, station = floor  # 1,000 plates and bolts on the shelf
    short = plant.work_order("WIDGET", 1005)  # short of 5 plates and 1,010 bolts
    covered = plant.work_order("WIDGET", 5)
    assert {r.id: r.short_skus for r in station.board()} == {
        short: ("BOLT", "PLATE"),
        covered: (),
    }
    station.changes_elsewhere()
    plant.run(ReceiveStock(sku="PLATE", qty=5, actor=OFFICE))  # the office receives plates
    follow = station.follow_up(station.changes_elsewhere(), MIDNIGHT)
    assert [(row.id, row.short_skus) for row in follow.rows] == [(short, ("BOLT",))]
    assert {r.id: r.short_skus for r in station.board()}[short] == ("BOLT",)


def test_a_hold_changes_only_its_work_order(floor: tuple[Plant, Station]) -> None:
    plant, station = floor
    operator = plant.operator()
    wo = plant.started_work_order("WIDGET", 10, operator)
    result = station.execute(RaiseHold(work_order_id=wo, reason="safety", actor=operator))
    assert result.changes == Changes(work_orders=frozenset({wo}))
    follow = station.follow_up(result.changes, MIDNIGHT)
    assert [row.id for row in follow.rows] == [wo]
    assert follow.rows[0].hold_reason == "safety"


def test_own_commands_are_no_news_to_the_poll_but_another_bus_is(
    floor: tuple[Plant, Station],
) -> None:
    plant, station = floor
    operator = plant.operator()
    wo = plant.started_work_order("WIDGET", 10, operator)
    station.changes_elsewhere()  # what the set-up wrote
    station.execute(LogOutput(work_order_id=wo, qty=1, actor=operator))
    assert station.changes_elsewhere() == NOTHING
    # The office (another bus on the same store) receives stock: the poll hears it.
    plant.run(ReceiveStock(sku="BOLT", qty=5, actor=OFFICE))
    heard = station.changes_elsewhere()
    assert heard.products
    assert not heard.work_orders
    assert not heard.everything
    assert station.changes_elsewhere() == NOTHING


def test_a_write_the_process_did_not_see_reloads_everything(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    """A kiosk's store is SQLite: ``PRAGMA data_version`` moves for another process's
    commit, and nothing in this process heard of one."""
    store = tmp_path / "kiosk.db"
    shutil.copyfile(migrated_sqlite, store)
    engine = make_engine(f"sqlite:///{store}")
    plant, station = Plant(engine), Station(engine, None, "test-kiosk")
    simple_plant(plant)
    plant.work_order("WIDGET", 1)
    station.changes_elsewhere()
    outside = make_engine(f"sqlite:///{store}")  # another process's pool, as far as we know
    try:
        with outside.begin() as conn:
            conn.execute(text("UPDATE work_order SET priority = priority + 1"))
    finally:
        outside.dispose()
    try:
        assert station.changes_elsewhere() == EVERYTHING
        assert station.changes_elsewhere() == NOTHING
    finally:
        station.close()
        engine.dispose()


def test_a_refused_command_changes_nothing_the_screens_show(floor: tuple[Plant, Station]) -> None:
    plant, station = floor
    operator = plant.operator()
    wo = plant.started_work_order("WIDGET", 10, operator)
    station.changes_elsewhere()
    with pytest.raises(Exception, match="more than zero"):
        station.execute(LogOutput(work_order_id=wo, qty=0, actor=operator))
    assert station.changes_elsewhere() == NOTHING


def test_partial_board_reads_match_the_whole_read(floor: tuple[Plant, Station]) -> None:
    plant, station = floor
    operator = plant.operator()
    ids = [plant.started_work_order("WIDGET", n, operator) for n in (1, 2, 3)]
    plant.work_order("GADGET", 4)
    whole = {row.id: row for row in station.board()}
    assert len(whole) == 4
    part = station.board(ids[:2])
    assert [whole[row.id] for row in part] == part
    assert station.board([]) == []
    assert station.board(["no-such-id"]) == []
