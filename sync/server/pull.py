"""The change feed a kiosk pulls: its site's rows changed after its cursor, in commit order.

Each site has a feed of its own (``kiosk.store.capture``): a kiosk reads only its
site's, and its cursor's ``txn`` counts that site's transactions.

Cursors are opaque to the kiosk:

* ``f.<txn>.<id>.<mark>``: the feed, after change-log row ``(txn, id)``; ``txn`` is
  handed out in commit order (see ``kiosk.store.capture``), so a transaction that
  commits late still lands after the cursor and is never skipped. ``mark`` is a
  short hash of that row's ``(entity, key)``;
* ``s.<txn>.<table>.<key>``: a snapshot in progress (no cursor given): whole
  tables of the site, page by page; it ends with the feed cursor of the newest
  change committed when the snapshot began.

The feed keeps a retention period (``feed_retention_days``, see
``sync.server.retention``); a cursor at or below the newest pruned ``txn`` answers 422
``too_far_behind`` and the kiosk takes a snapshot (its outbox untouched).

A feed cursor names a change the kiosk has seen, so the server checks it still holds
that very change. A database restored from a backup taken before it does not (the row
is gone, or its id was used again by another change): the pull answers 422
``cursor_unknown`` and the kiosk takes a snapshot. No restore-time step is needed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.engine import Connection

from kiosk.store.capture import feed_position, pruned_through
from kiosk.store.models import ChangeLog
from kiosk.store.replication import (
    KEY_SEP,
    key_of,
    read_rows,
    site_rows,
    table,
    tables_in_order,
    to_json,
)
from sync.protocol import Change
from sync.server.problems import ApiProblem

_END = 2**62


def _bad_cursor() -> ApiProblem:
    return ApiProblem(
        422, "The sync cursor is not valid; pull again without one.", code="validation"
    )


def _unknown_position() -> ApiProblem:
    return ApiProblem(
        422,
        "This server does not hold the change the sync cursor points at (its database was "
        "restored from a backup?); pull again without a cursor for a snapshot.",
        code="cursor_unknown",
    )


def _too_far_behind() -> ApiProblem:
    return ApiProblem(
        422,
        "This kiosk was away longer than the server keeps its history of changes; pull "
        "again without a cursor for a snapshot.",
        code="too_far_behind",
    )


def _check_horizon(conn: Connection, site_id: str, txn: int) -> None:
    """A cursor at or below the pruned horizon would silently miss the pruned changes."""
    horizon = pruned_through(conn, site_id)
    if horizon and txn <= horizon:
        raise _too_far_behind()


def _mark(entity: str, key: str) -> str:
    return hashlib.blake2s(f"{entity}|{key}".encode(), digest_size=4).hexdigest()


def _feed_cursor(txn: int, row_id: int, entity: str, key: str) -> str:
    return f"f.{txn}.{row_id}.{_mark(entity, key)}"


def _check_position(
    conn: Connection, site_id: str, txn: int, row_id: int, mark: str | None
) -> None:
    """Raise ``cursor_unknown`` unless the change the cursor names is still here, as it was."""
    log = ChangeLog.__table__
    if txn == 0 and row_id == 0:  # before every change: true of any database
        return
    if row_id == _END:  # an older snapshot's end: the transaction itself must be here
        here = select(log.c.id).where(log.c.site_id == site_id, log.c.txn == txn).limit(1)
        if txn and conn.execute(here).first() is None:
            raise _unknown_position()
        return
    row = conn.execute(select(log.c.txn, log.c.entity, log.c.key).where(log.c.id == row_id)).first()
    if row is None or row.txn != txn or (mark is not None and mark != _mark(row.entity, row.key)):
        raise _unknown_position()


def page(
    conn: Connection, site_id: str, cursor: str | None, limit: int
) -> tuple[list[Change], str, bool, bool]:
    """One page: ``(changes, next_cursor, more, snapshot)``."""
    if cursor is None or cursor.startswith("s."):
        changes, nxt, more = _snapshot(conn, site_id, cursor, limit)
        return changes, nxt, more, True
    changes, nxt, more = _feed(conn, site_id, cursor, limit)
    return changes, nxt, more, False


def _feed(
    conn: Connection, site_id: str, cursor: str, limit: int
) -> tuple[list[Change], str, bool]:
    try:
        _, txn_s, id_s, *rest = cursor.split(".")
        txn, last_id = int(txn_s), int(id_s)
    except ValueError:
        raise _bad_cursor() from None
    if len(rest) > 1:
        raise _bad_cursor()
    _check_horizon(conn, site_id, txn)
    _check_position(conn, site_id, txn, last_id, rest[0] if rest else None)
    log = ChangeLog.__table__
    rows = conn.execute(
        select(log.c.txn, log.c.id, log.c.entity, log.c.key)
        .where(log.c.site_id == site_id)
        .where(tuple_(log.c.txn, log.c.id) > tuple_(literal(txn), literal(last_id)))
        .order_by(log.c.txn, log.c.id)
        .limit(limit + 1)
    ).all()
    # Pruned while we read (its DELETE and the horizon commit together): say so rather
    # than hand out a page with a hole in it.
    _check_horizon(conn, site_id, txn)
    more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return [], cursor, False
    # The latest mention of a row decides its place; the data is read as it is now.
    order: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        order.pop((row.entity, row.key), None)
        order[(row.entity, row.key)] = i
    by_table: dict[str, list[str]] = {}
    for entity, key in order:
        by_table.setdefault(entity, []).append(key)
    current: dict[tuple[str, str], dict[str, Any]] = {}
    for entity, keys in by_table.items():
        for key, data in read_rows(conn, table(entity), keys).items():
            current[(entity, key)] = data
    changes = [
        Change(entity, key, "upsert", current[(entity, key)])
        if (entity, key) in current
        else Change(entity, key, "delete")
        for entity, key in order
    ]
    last = rows[-1]
    return changes, _feed_cursor(last.txn, last.id, last.entity, last.key), more


def _snapshot(
    conn: Connection, site_id: str, cursor: str | None, limit: int
) -> tuple[list[Change], str, bool]:
    tables = tables_in_order()
    if cursor is None:
        txn, index, after = feed_position(conn, site_id), 0, ""
    else:
        try:
            _, txn_s, index_s, after = cursor.split(".", 3)
            txn, index = int(txn_s), int(index_s)
        except ValueError:
            raise _bad_cursor() from None
    changes: list[Change] = []
    while index < len(tables):
        tbl = tables[index]
        pk = list(tbl.primary_key.columns)
        query = site_rows(tbl, site_id).order_by(*pk)
        if after:
            query = query.where(tuple_(*pk) > tuple_(*(literal(v) for v in after.split(KEY_SEP))))
        room = limit - len(changes)
        rows = [dict(r) for r in conn.execute(query.limit(room + 1)).mappings()]
        for row in rows[:room]:
            changes.append(Change(tbl.name, key_of(tbl, row), "upsert", to_json(tbl, row)))
        if len(rows) > room:
            after = key_of(tbl, rows[room - 1]) if room else after
            return changes, f"s.{txn}.{index}.{after}", True
        index, after = index + 1, ""
    return changes, _end_of(conn, site_id, txn), False


def _end_of(conn: Connection, site_id: str, txn: int) -> str:
    """The feed cursor after every change of the site's transaction ``txn`` (and before)."""
    log = ChangeLog.__table__
    last_id = conn.execute(
        select(func.max(log.c.id)).where(log.c.site_id == site_id, log.c.txn == txn)
    ).scalar()
    if last_id is None:  # no change yet at all
        return f"f.{txn}.{_END}"
    row = conn.execute(select(log.c.entity, log.c.key).where(log.c.id == last_id)).one()
    return _feed_cursor(txn, int(last_id), row.entity, row.key)
