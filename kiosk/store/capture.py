"""Row-change capture for sync, in the writing transaction itself.

Two uses of the same ORM flush events:

* the server's **change feed**, one per site: every replicated row a transaction
  writes is named in ``change_log``, in the feed of the row's site (a row every
  site sees, in every site's), under a ``txn`` number taken from that site's
  ``feed_counter`` row, bumped just before COMMIT. The row lock makes a later
  writer of the same site wait for the earlier one's commit, so ``txn`` follows
  commit order within the site and a pull cursor can never skip a transaction that
  committed late (a sequence or autoincrement would); writers of other sites do
  not wait. A transaction bumps its sites' counters in one sorted order, so two
  transactions that span sites never deadlock on them;
* the kiosk's **shadow**: before a local command first changes a row, the row's
  current (server) version is kept in ``shadow_row`` so a rebase can put the
  server's state back and replay the still-pending commands on top.
"""

from __future__ import annotations

import weakref
from typing import Any, cast

from sqlalchemy import Engine, Table, event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session, object_session

from kiosk.store.base import Base, utcnow
from kiosk.store.replication import (
    SCOPES,
    SYNC_TABLES,
    key_clause,
    key_of,
    rank,
    resolve_sites,
    table,
    to_json,
)
from kiosk.store.sync_records import ChangeLog, FeedCounter, ShadowRow
from kiosk.store.upsert import insert_ignoring_conflicts

#: ``session.info`` key: set by the kiosk's outbox hook while a local command runs.
SHADOW = "kiosk_shadow"
#: ``session.info`` key: the rows shadowed (or found shadowed) in this transaction.
_SHADOWED = "kiosk_shadowed"
_CHANGES = "kiosk_changes"

_SHADOW_TABLE = cast(Table, ShadowRow.__table__)
_CHANGE_LOG = cast(Table, ChangeLog.__table__)
_FEED_COUNTER = cast(Table, FeedCounter.__table__)

_feed_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def enable_change_feed(engine: Engine) -> None:
    """Write ``change_log`` rows for every replicated change made through ``engine``."""
    _feed_engines.add(engine)


def _feed_on(connection: Connection) -> bool:
    return connection.engine in _feed_engines


# -- mapper events: one listener per row written in a flush -------------------------


def _pk_values(mapper: Mapper[Any], target: Any) -> dict[str, Any]:
    values = mapper.primary_key_from_instance(target)
    return {col.name: value for col, value in zip(mapper.primary_key, values, strict=True)}


def _on_change(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    tbl: Table = mapper.local_table  # type: ignore[assignment]
    scope = SCOPES.get(tbl.name)
    if scope is None or not _feed_on(connection):
        return
    session = object_session(target)
    if session is None:
        return
    key = key_of(tbl, _pk_values(mapper, target))
    hint = None
    if scope.kind in ("column", "via"):
        hint = getattr(target, scope.column, None)
    changes: dict[tuple[str, str], str | None] = session.info.setdefault(_CHANGES, {})
    changes[(tbl.name, key)] = hint if hint is not None else changes.get((tbl.name, key))


def start_shadowing(session: Session) -> None:
    """From now on, keep the server's version of every row this session writes."""
    session.info[SHADOW] = True
    session.info[_SHADOWED] = set()


def forget_shadowed(session: Session) -> None:
    """A savepoint rolled back, and the shadows written in it with it: read again."""
    known: set[tuple[str, str]] | None = session.info.get(_SHADOWED)
    if known is not None:
        known.clear()


def stop_shadowing(session: Session) -> None:
    session.info.pop(SHADOW, None)
    session.info.pop(_SHADOWED, None)


def _shadow(
    connection: Connection, tbl: Table, key: str, *, existed: bool, known: set[tuple[str, str]]
) -> None:
    """Keep the server's version of a row the first time a pending command touches it."""
    if (tbl.name, key) in known:  # seen in this transaction already
        return
    known.add((tbl.name, key))
    shadow = _SHADOW_TABLE
    if not existed:
        # A new row: the server has none. Unless an earlier pending command shadowed
        # this key already (that shadow, the older one, is the server's): no read.
        connection.execute(
            insert_ignoring_conflicts(
                connection.dialect.name, shadow, {"entity": tbl.name, "key": key, "data": None}
            )
        )
        return
    seen = connection.execute(
        select(shadow.c.key).where(shadow.c.entity == tbl.name, shadow.c.key == key)
    ).first()
    if seen is not None:
        return
    row = connection.execute(select(tbl).where(key_clause(tbl, key))).mappings().first()
    data = to_json(tbl, dict(row)) if row is not None else None
    connection.execute(insert(shadow).values(entity=tbl.name, key=key, data=data))


def _shadowing(mapper: Mapper[Any], target: Any) -> tuple[Table, set[tuple[str, str]]] | None:
    session = object_session(target)
    tbl: Table = mapper.local_table  # type: ignore[assignment]
    if session is None or not session.info.get(SHADOW) or tbl.name in SYNC_TABLES:
        return None
    return tbl, session.info.setdefault(_SHADOWED, set())


def _before_write(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    found = _shadowing(mapper, target)
    if found is not None:
        tbl, known = found
        key = key_of(tbl, _pk_values(mapper, target))
        _shadow(connection, tbl, key, existed=True, known=known)


def _after_insert(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    # After the INSERT, so ids filled by column defaults are known; the row was new.
    found = _shadowing(mapper, target)
    if found is not None:
        tbl, known = found
        key = key_of(tbl, _pk_values(mapper, target))
        _shadow(connection, tbl, key, existed=False, known=known)


for _name in ("after_insert", "after_update", "after_delete"):
    event.listen(Base, _name, _on_change, propagate=True)
for _name in ("before_update", "before_delete"):
    event.listen(Base, _name, _before_write, propagate=True)
event.listen(Base, "after_insert", _after_insert, propagate=True)


# -- session events: write the feed rows once, just before COMMIT --------------------


def feed_mark(session: Session) -> int:
    """Where this transaction's noted changes stand now (see :func:`forget_since`)."""
    return len(session.info.get(_CHANGES, {}))


def forget_since(session: Session, mark: int) -> None:
    """A savepoint rolled back: drop the changes noted since ``mark``, so the feed does
    not name rows that were never committed."""
    changes: dict[tuple[str, str], str | None] = session.info.get(_CHANGES, {})
    for key in list(changes)[mark:]:
        del changes[key]


@event.listens_for(Session, "before_commit")
def _write_feed(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint (a batch's command): the whole transaction's rows are written
        # once, at its COMMIT, under one txn.
        return
    # Flush first: the transaction's last changes are only written now.
    session.flush()
    changes: dict[tuple[str, str], str | None] = session.info.pop(_CHANGES, {})
    if not changes:
        return
    conn = session.connection()
    if not _feed_on(conn):
        return
    sites = resolve_sites(conn, changes)
    everywhere: list[str] | None = None  # the sites a row of every site goes to
    if any(site is None for site in sites.values()):
        site_table = table("site")
        everywhere = list(conn.execute(select(site_table.c.id)).scalars())
    rows: list[tuple[str, str, str]] = []  # (site, entity, key)
    for entity, key in sorted(changes, key=_order):
        site = sites[entity + "|" + key]
        for feed in [site] if site is not None else everywhere or ():
            rows.append((feed, entity, key))
    if not rows:
        return  # rows of every site, and no site yet: a site's first kiosk takes a snapshot
    txns = bump_feed_counters(conn, {feed for feed, _, _ in rows})
    at = utcnow()
    conn.execute(
        insert(_CHANGE_LOG),
        [
            {"txn": txns[feed], "site_id": feed, "entity": entity, "key": key, "at": at}
            for feed, entity, key in rows
        ],
    )


def _order(item: tuple[str, str]) -> tuple[int, str]:
    return rank().get(item[0], 0), item[1]


def bump_feed_counters(conn: Connection, sites: set[str]) -> dict[str, int]:
    """Each site's next ``txn``; its counter row stays locked until this transaction ends.

    In sorted order, so that two transactions bumping the same sites queue rather than
    deadlock.
    """
    return {site: _bump(conn, site) for site in sorted(sites)}


def _bump(conn: Connection, site: str) -> int:
    bumped = conn.execute(
        update(_FEED_COUNTER)
        .where(_FEED_COUNTER.c.site_id == site)
        .values(txn=_FEED_COUNTER.c.txn + 1)
        .returning(_FEED_COUNTER.c.txn)
    ).scalar()
    if bumped is not None:
        return int(bumped)
    conn.execute(
        insert_ignoring_conflicts(
            conn.dialect.name, _FEED_COUNTER, {"site_id": site, "txn": 0, "pruned": 0}
        )
    )
    return _bump(conn, site)


def feed_position(conn: Connection, site: str) -> int:
    """The site's newest committed ``txn``: every change at or below it is visible now."""
    value = conn.execute(
        select(_FEED_COUNTER.c.txn).where(_FEED_COUNTER.c.site_id == site)
    ).scalar()
    return int(value or 0)


def pruned_through(conn: Connection, site: str) -> int:
    """The newest ``txn`` of the site's feed that was pruned (0: nothing pruned)."""
    value = conn.execute(
        select(_FEED_COUNTER.c.pruned).where(_FEED_COUNTER.c.site_id == site)
    ).scalar()
    return int(value or 0)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGES, None)
