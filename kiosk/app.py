"""The Qt-free half of the kiosk's composition root: the local store, the demo plant, ids.

``ui.app`` (the ``kiosk`` command) builds the screens on top of this; ``kiosk
board`` prints the board from here for a terminal.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, make_url, select

from kiosk import queries
from kiosk.commands import CommandBus
from kiosk.config import paths, sqlite_url
from kiosk.demo import seed_demo_plant
from kiosk.domain.quantities import fmt_qty
from kiosk.store.base import new_id
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.models import WorkOrder


def open_store(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def store_file(database: str | None, *, demo: bool = False) -> Path | None:
    """The SQLite file a kiosk run works on, to lock (None: a server database)."""
    if demo:
        return paths().demo_store
    if not database:
        return paths().local_store
    url = make_url(database)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


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


def device_id() -> str:
    """This installation's id, made once and kept in the config dir."""
    path = paths().config_dir / "device-id"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = f"kiosk-{new_id()}"
        path.write_text(value + "\n", encoding="utf-8")
        return value
