"""The change feed a kiosk pulls: its site's rows changed after its cursor, in commit order.

Cursors are opaque to the kiosk:

* ``f.<txn>.<id>``: the feed, after change-log row ``(txn, id)``; ``txn`` is
  handed out in commit order (see ``kiosk.store.capture``), so a transaction that
  commits late still lands after the cursor and is never skipped;
* ``s.<txn>.<table>.<key>``: a snapshot in progress (no cursor given): whole
  tables of the site, page by page; it ends with the feed cursor ``f.<txn>.MAX``
  where ``txn`` was the newest committed change when the snapshot began.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, or_, select, tuple_
from sqlalchemy.engine import Connection

from kiosk.store.capture import feed_position
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
        _, txn_s, id_s = cursor.split(".")
        txn, last_id = int(txn_s), int(id_s)
    except ValueError:
        raise _bad_cursor() from None
    log = ChangeLog.__table__
    rows = conn.execute(
        select(log.c.txn, log.c.id, log.c.entity, log.c.key)
        .where(tuple_(log.c.txn, log.c.id) > tuple_(literal(txn), literal(last_id)))
        .where(or_(log.c.site_id == site_id, log.c.site_id.is_(None)))
        .order_by(log.c.txn, log.c.id)
        .limit(limit + 1)
    ).all()
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
    return changes, f"f.{last.txn}.{last.id}", more


def _snapshot(
    conn: Connection, site_id: str, cursor: str | None, limit: int
) -> tuple[list[Change], str, bool]:
    tables = tables_in_order()
    if cursor is None:
        txn, index, after = feed_position(conn), 0, ""
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
    return changes, f"f.{txn}.{_END}", False
