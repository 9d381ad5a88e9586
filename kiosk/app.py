"""The ``kiosk`` command: opens (and migrates) the local store, seeds the demo plant.

The touch screens plug in here (issue #3); until then ``kiosk board`` prints the
work-order board of the store in the terminal.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine, select

from kiosk import queries
from kiosk.commands import CommandBus
from kiosk.config import paths, sqlite_url
from kiosk.demo import seed_demo_plant
from kiosk.domain.quantities import fmt_qty
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import WorkOrder


def open_store(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def fresh_demo_store() -> Engine:
    """A new demo plant in the data dir (the previous demo store is replaced)."""
    path = paths().demo_store
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    engine = open_store(sqlite_url(path))
    seed_demo_plant(engine)
    return engine


def board_lines(engine: Engine) -> list[str]:
    bus = CommandBus(engine)
    rows = [f"{'Number':<10} {'Status':<12} {'Done':>9}  {'Station':<8} Work order / notes"]
    with bus.read() as session:
        for wo_id in session.scalars(select(WorkOrder.id).order_by(WorkOrder.number)):
            wo = queries.work_order(session, wo_id)
            notes = []
            if wo.hold:
                notes.append(f"HOLD: {wo.hold.reason.replace('_', ' ')}")
            if wo.short:
                notes.append("short: " + ", ".join(m.sku for m in wo.short))
            if wo.unlink_pending:
                notes.append("UNLINKED from its sales order")
            done = f"{fmt_qty(wo.qty_done)}/{fmt_qty(wo.qty_planned)}"
            rows.append(
                f"{wo.number:<10} {wo.status.label:<12} {done:>9}  {wo.workstation or '-':<8} "
                f"{wo.name}" + (f"  [{'; '.join(notes)}]" if notes else "")
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__)
    parser.add_argument("--demo", action="store_true", help="start on a fresh demo plant")
    parser.add_argument("--database", help="SQLAlchemy URL of the local store")
    parser.add_argument("command", nargs="?", default="board", choices=["board"])
    args = parser.parse_args(argv)
    if args.demo:
        engine = fresh_demo_store()
    else:
        engine = open_store(args.database or sqlite_url(paths().local_store))
    print("\n".join(board_lines(engine)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
