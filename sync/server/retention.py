"""How long the change feed keeps its history, and the pruning that holds it there.

Every replicated row a transaction writes leaves a ``change_log`` row; without pruning
the feed grows for ever. Rows older than the retention period go, whole transactions
at a time, site by site, and each site's newest pruned ``txn`` is kept
(``feed_counter.pruned``) so a kiosk whose cursor is older is told ``too_far_behind``
and takes a snapshot instead of silently missing what was pruned (``sync.server.pull``).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, and_, delete, func, select, update
from sqlalchemy.engine import Connection

from kiosk.store.base import utcnow
from kiosk.store.models import ChangeLog, FeedCounter

log = logging.getLogger(__name__)

#: How often a server process looks for history to prune.
PRUNE_EVERY = timedelta(hours=1)


def prune_feed(conn: Connection, before: datetime) -> tuple[int, dict[str, int]]:
    """Delete each site's feed transactions written before ``before``.

    Returns the rows deleted and each pruned site's new horizon. Whole transactions
    only, up to the site's newest one older than ``before``; rows from before change
    times were kept (``at`` is NULL) go with the first dated one above them. A site's
    horizon moves in the same transaction as its DELETE.
    """
    log_table = cast(Table, ChangeLog.__table__)
    counters = cast(Table, FeedCounter.__table__)
    horizons = {
        str(site): int(txn)
        for site, txn in conn.execute(
            select(log_table.c.site_id, func.max(log_table.c.txn))
            .where(log_table.c.at < before, log_table.c.site_id.is_not(None))
            .group_by(log_table.c.site_id)
        )
    }
    deleted = 0
    for site, horizon in sorted(horizons.items()):
        deleted += conn.execute(
            delete(log_table).where(log_table.c.site_id == site, log_table.c.txn <= horizon)
        ).rowcount
        conn.execute(
            update(counters)
            .where(and_(counters.c.site_id == site, counters.c.pruned < horizon))
            .values(pruned=horizon)
        )
    return deleted, horizons


class FeedPruner:
    """Prunes the feed now and then in a background thread of a server process. Several
    processes may each run one: the DELETE is the same, whoever gets there first."""

    def __init__(self, engine: Engine, retention: timedelta) -> None:
        self.engine = engine
        self.retention = retention
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def prune_once(self) -> tuple[int, dict[str, int]]:
        with self.engine.begin() as conn:
            rows, horizons = prune_feed(conn, utcnow() - self.retention)
        if rows:
            log.info("pruned %d change-feed rows (sites through txn: %s)", rows, horizons)
        return rows, horizons

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
