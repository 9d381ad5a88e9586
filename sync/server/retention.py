"""How long the change feed keeps its history, and the pruning that holds it there.

Every replicated row a transaction writes leaves a ``change_log`` row; without pruning
the feed grows for ever. Rows older than the retention period go, whole transactions
at a time, and the newest pruned ``txn`` is kept (``PRUNED_COUNTER``) so a kiosk whose
cursor is older is told ``too_far_behind`` and takes a snapshot instead of silently
missing what was pruned (``sync.server.pull``).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from kiosk.store.base import utcnow
from kiosk.store.capture import PRUNED_COUNTER
from kiosk.store.models import ChangeLog, Counter

log = logging.getLogger(__name__)

#: How often a server process looks for history to prune.
PRUNE_EVERY = timedelta(hours=1)


def prune_feed(conn: Connection, before: datetime) -> tuple[int, int]:
    """Delete the feed's transactions written before ``before``; ``(rows, horizon)``.

    Whole transactions only, up to the newest one older than ``before``; rows from
    before change times were kept (``at`` is NULL) go with the first dated one above
    them. The horizon moves in the same transaction as the DELETE.
    """
    log_table = cast(Table, ChangeLog.__table__)
    horizon = conn.execute(
        select(func.max(log_table.c.txn)).where(log_table.c.at < before)
    ).scalar()
    if horizon is None:
        return 0, 0
    deleted = conn.execute(delete(log_table).where(log_table.c.txn <= horizon)).rowcount
    _raise_horizon(conn, int(horizon))
    return int(deleted or 0), int(horizon)


def _raise_horizon(conn: Connection, horizon: int) -> None:
    moved = conn.execute(
        update(Counter)
        .where(Counter.name == PRUNED_COUNTER, Counter.value < horizon)
        .values(value=horizon)
    ).rowcount
    if moved:
        return
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        ins(cast(Table, Counter.__table__))
        .values(name=PRUNED_COUNTER, value=horizon)
        .on_conflict_do_nothing()
    )


class FeedPruner:
    """Prunes the feed now and then in a background thread of a server process. Several
    processes may each run one: the DELETE is the same, whoever gets there first."""

    def __init__(self, engine: Engine, retention: timedelta) -> None:
        self.engine = engine
        self.retention = retention
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def prune_once(self) -> tuple[int, int]:
        with self.engine.begin() as conn:
            rows, horizon = prune_feed(conn, utcnow() - self.retention)
        if rows:
            log.info("pruned %d change-feed rows (through txn %d)", rows, horizon)
        return rows, horizon

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="feed-pruner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.prune_once()
            except Exception:  # the database away a while: try again next round
                log.warning("pruning the change feed failed; trying again later", exc_info=True)
            self._stop.wait(PRUNE_EVERY.total_seconds())
