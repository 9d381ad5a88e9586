"""Which work orders, stock, people and notifications a transaction touched.

The ORM's flush events note every row written through a session; a command's bus
takes the summary before COMMIT and returns it with the result. Whatever else
commits through an engine (the kiosk's sync applying the server's changes) is handed
to the engine's watchers after COMMIT, so a screen reloads only what moved.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Mapper, Session, object_session

from kiosk.domain.changes import EVERYTHING, NOTHING, Changes
from kiosk.store.base import Base

_KEY = "kiosk_touched"

#: Rows of these tables belong to one work order (by ``work_order_id``).
_OF_WORK_ORDER = frozenset(
    {
        "wo_item",
        "wo_material",
        "wo_step",
        "build_run",
        "qc_disposition",
        "hold",
        "wo_link",
        "wo_message",
        "labour_segment",
    }
)
_STOCK = frozenset({"stock_level", "stock_movement"})
_PEOPLE = frozenset({"operator", "clock_session", "pin_failure"})
#: Master data every screen may show: a change to one reloads everything.
_EVERYTHING = frozenset({"site", "product", "bom", "bom_line", "bom_step", "workstation"})


@dataclass
class _Touched:
    work_orders: set[str] = field(default_factory=set)
    products: set[str] = field(default_factory=set)
    people: bool = False
    notifications: bool = False
    everything: bool = False

    def note(self, table: str, values: Mapping[str, Any] | None) -> None:
        get = (values or {}).get
        if table == "work_order":
            self._add(self.work_orders, get("id"))
        elif table in _OF_WORK_ORDER:
            self._add(self.work_orders, get("work_order_id"))
        elif table in _STOCK:
            self._add(self.products, get("product_id"))
        elif table in _PEOPLE:
            self.people = True
        elif table == "notification":
            self.notifications = True
        elif table in _EVERYTHING:
            self.everything = True

    def _add(self, into: set[str], value: object) -> None:
        if isinstance(value, str):
            into.add(value)
        else:  # a row we cannot place (a delete without its data): play safe
            self.everything = True

    def changes(self) -> Changes:
        if self.everything:
            return EVERYTHING
        return Changes(
            frozenset(self.work_orders),
            frozenset(self.products),
            self.people,
            self.notifications,
        )


def _touched(session: Session) -> _Touched:
    found: _Touched | None = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = _Touched()
    return found


def _on_write(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    session = object_session(target)
    if session is None:
        return
    table = mapper.local_table.name  # type: ignore[attr-defined]
    values = {attr.key: getattr(target, attr.key, None) for attr in mapper.column_attrs}
    _touched(session).note(table, values)


for _name in ("after_insert", "after_update", "after_delete"):
    event.listen(Base, _name, _on_write, propagate=True)


def note_rows(session: Session, table: str, rows: Iterable[Mapping[str, Any] | None]) -> None:
    """Rows written without the ORM (the replica's bulk upserts and deletes)."""
    touched = _touched(session)
    for row in rows:
        touched.note(table, row)


def note_everything(session: Session) -> None:
    _touched(session).everything = True


def take(session: Session, *, claim: bool = False) -> Changes:
    """What this session's transaction has written so far (flushed): a command's own
    summary. ``claim``: its result carries it, and the watchers hear only that a
    transaction committed."""
    session.flush()
    touched: _Touched | None = session.info.get(_KEY)
    if claim:
        session.info[_KEY] = _Touched()
    return touched.changes() if touched is not None else NOTHING


# -- watchers: changes that committed outside a command's result ----------------------

_watchers: weakref.WeakKeyDictionary[Engine, list[Callable[[Changes], None]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def watch(engine: Engine, callback: Callable[[Changes], None]) -> None:
    """Call ``callback`` (on the committing thread) after each commit through ``engine``
    that changed something no command result reported."""
    with _lock:
        _watchers.setdefault(engine, []).append(callback)


def unwatch(engine: Engine, callback: Callable[[Changes], None]) -> None:
    with _lock:
        callbacks = _watchers.get(engine, [])
        if callback in callbacks:
            callbacks.remove(callback)


def _engine_of(session: Session) -> Engine | None:
    bind = session.bind
    if bind is None:
        return None
    return bind if isinstance(bind, Engine) else bind.engine


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    """Every commit is heard (NOTHING when it touched nothing a screen shows, or when a
    command's result claimed it): a watcher that hears of none while the store moved
    knows another process wrote."""
    touched: _Touched | None = session.info.pop(_KEY, None)
    changes = touched.changes() if touched is not None else NOTHING
    engine = _engine_of(session)
    if engine is None:
        return
    with _lock:
        callbacks = list(_watchers.get(engine, ()))
    for callback in callbacks:
        callback(changes)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
