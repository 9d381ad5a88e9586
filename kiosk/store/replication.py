"""Which tables a kiosk replicates, how each is scoped to a site, and rows as JSON.

Kiosk and server share one schema, so sync moves whole rows table by table: the
server's change feed names ``(entity, key)``, the kiosk upserts the row's columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, literal, select, tuple_
from sqlalchemy.engine import Connection

from kiosk.store.base import Base
from kiosk.store.types import Quantity, UtcDateTime

KEY_SEP = "|"


@dataclass(frozen=True)
class Scope:
    """How a table's rows belong to a site.

    ``kind``: ``global`` (every site), ``own`` (the site row itself), ``column``
    (a ``site_id`` column) or ``via`` (``column`` points at ``parent``'s row, whose
    ``site_id`` decides).
    """

    kind: str
    column: str = "site_id"
    parent: str = ""
    #: For ``column``: a row whose column is null belongs to every site.
    null_means_all: bool = False


GLOBAL = Scope("global")
OWN = Scope("own")
SITE = Scope("column")


def via(column: str, parent: str) -> Scope:
    return Scope("via", column, parent)


#: Replicated tables and their scope. Everything else (audit, stock movements,
#: tokens, the webhook inbox, sync bookkeeping) stays where it was written.
SCOPES: dict[str, Scope] = {
    "site": OWN,
    "product": GLOBAL,
    "bom": GLOBAL,
    "bom_line": GLOBAL,
    "bom_step": GLOBAL,
    # A person's PIN hash goes to the kiosks of their site only (they check PINs offline).
    "operator": Scope("column", null_means_all=True),
    "workstation": SITE,
    "work_order": SITE,
    "stock_level": SITE,
    "sales_order": SITE,
    "notification": SITE,
    "sales_order_line": via("sales_order_id", "sales_order"),
    "wo_item": via("work_order_id", "work_order"),
    "wo_material": via("work_order_id", "work_order"),
    "wo_step": via("work_order_id", "work_order"),
    "build_run": via("work_order_id", "work_order"),
    "qc_disposition": via("work_order_id", "work_order"),
    "hold": via("work_order_id", "work_order"),
    "wo_link": via("work_order_id", "work_order"),
    "wo_message": via("work_order_id", "work_order"),
    "labour_segment": via("work_order_id", "work_order"),
    "clock_session": via("workstation_id", "workstation"),
}

#: Tables sync itself owns on either side: never shadowed, never replicated.
SYNC_TABLES = frozenset(
    {
        "outbox",
        "shadow_row",
        "sync_state",
        "change_log",
        "feed_counter",
        "applied_command",
        "push_failure",
        "counter",
    }
)


def tables_in_order() -> list[Table]:
    """Replicated tables, parents before children (apply upserts in this order)."""
    return [t for t in Base.metadata.sorted_tables if t.name in SCOPES]


@cache
def rank() -> dict[str, int]:
    """Each table's place in dependency order (parents first)."""
    return {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}


def table(name: str) -> Table:
    return Base.metadata.tables[name]


# -- keys -----------------------------------------------------------------------


def key_of(tbl: Table, values: dict[str, Any]) -> str:
    return KEY_SEP.join(str(values[c.name]) for c in tbl.primary_key.columns)


def key_clause(tbl: Table, key: str) -> ColumnElement[bool]:
    cols = list(tbl.primary_key.columns)
    parts = key.split(KEY_SEP)
    if len(cols) == 1:
        return cols[0] == parts[0]
    return tuple_(*cols) == tuple_(*(literal(p) for p in parts))


def keys_clause(tbl: Table, keys: list[str]) -> ColumnElement[bool]:
    cols = list(tbl.primary_key.columns)
    if len(cols) == 1:
        return cols[0].in_(keys)
    return tuple_(*cols).in_([tuple(k.split(KEY_SEP)) for k in keys])


# -- rows as JSON ---------------------------------------------------------------


def to_json(tbl: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Column values as JSON-safe values (quantities as strings, times as ISO 8601)."""
    out: dict[str, Any] = {}
    for col in tbl.columns:
        value = row.get(col.name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        out[col.name] = value
    return out


def from_json(tbl: Table, data: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`to_json`, by column type; unknown keys are ignored."""
    out: dict[str, Any] = {}
    for col in tbl.columns:
        if col.name not in data:
            continue
        value = data[col.name]
        if value is not None:
            if isinstance(col.type, Quantity):
                value = Decimal(str(value))
            elif isinstance(col.type, UtcDateTime) and isinstance(value, str):
                value = datetime.fromisoformat(value)
        out[col.name] = value
    return out


def read_rows(conn: Connection, tbl: Table, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The current rows for ``keys`` (missing keys: the row is gone), as JSON."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for row in conn.execute(select(tbl).where(keys_clause(tbl, chunk))).mappings():
            found[key_of(tbl, dict(row))] = to_json(tbl, dict(row))
    return found


# -- site scoping -----------------------------------------------------------------


def site_rows(tbl: Table, site_id: str) -> Select[Any]:
    """Every row of ``tbl`` a kiosk at ``site_id`` may see."""
    scope = SCOPES[tbl.name]
    query = select(tbl)
    if scope.kind == "own":
        return query.where(tbl.c.id == site_id)
    if scope.kind == "column":
        column = tbl.c[scope.column]
        if scope.null_means_all:
            return query.where((column == site_id) | column.is_(None))
        return query.where(column == site_id)
    if scope.kind == "via":
        parent = table(scope.parent)
        return query.join(parent, parent.c.id == tbl.c[scope.column]).where(
            parent.c.site_id == site_id
        )
    return query


def resolve_sites(conn: Connection, hints: dict[tuple[str, str], str | None]) -> dict[str, Any]:
    """Map each changed row ``(entity, key)`` to its site id (None: every site).

    ``hints`` holds what the row said when it changed: its ``site_id``, or its
    parent's id for ``via`` tables (looked up here, in one query per parent table).
    """
    parents: dict[str, set[str]] = {}
    for (entity, _key), hint in hints.items():
        scope = SCOPES[entity]
        if scope.kind == "via" and hint:
            parents.setdefault(scope.parent, set()).add(hint)
    parent_site: dict[tuple[str, str], str] = {}
    for name, ids in parents.items():
        tbl = table(name)
        id_list = sorted(ids)
        for start in range(0, len(id_list), 500):
            rows = conn.execute(
                select(tbl.c.id, tbl.c.site_id).where(tbl.c.id.in_(id_list[start : start + 500]))
            )
            for pid, site in rows:
                parent_site[(name, pid)] = site
    sites: dict[str, Any] = {}
    for (entity, key), hint in hints.items():
        scope = SCOPES[entity]
        if scope.kind == "global":
            site = None
        elif scope.kind == "own":
            site = key
        elif scope.kind == "column":
            site = hint
        else:
            site = parent_site.get((scope.parent, hint)) if hint else None
        sites[entity + KEY_SEP + key] = site
    return sites
