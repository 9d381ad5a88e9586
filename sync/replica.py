"""Applying pulled pages to the kiosk's store, and the rebase of still-pending commands.

A pulled row that a pending local command has changed goes to its shadow (the
server's version), not over the operator's optimistic view. When the pull has
caught up, the rebase puts every shadow back and replays the commands the
server has not yet applied on top, in one transaction: the screens never show
server data in place of an unacknowledged local action.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Table, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kiosk.commands import CommandBus
from kiosk.domain.errors import DomainError
from kiosk.store import touched
from kiosk.store.base import Base
from kiosk.store.capture import forget_shadowed, start_shadowing, stop_shadowing
from kiosk.store.models import OutboxEntry, ShadowRow
from kiosk.store.replication import (
    SCOPES,
    SYNC_TABLES,
    from_json,
    keys_clause,
    rank,
    table,
)
from sync.outbox import PENDING, state_of, to_command
from sync.protocol import Change, PullResponse

log = logging.getLogger(__name__)

#: Local history a snapshot keeps (everything else is the server's to give).
_KEEP_ON_RESET = SYNC_TABLES | {"audit_entry", "pin_failure"}


class Replica:
    def __init__(self, engine: Engine, device_id: str | None = None) -> None:
        self.engine = engine
        self.device_id = device_id
        self.bus = CommandBus(engine)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One write transaction with foreign keys off: pages arrive in commit order,
        not parent-first, and the server already checked every reference."""
        with self.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                    yield session
            finally:
                raw.execute("PRAGMA foreign_keys=ON")

    def apply(self, page: PullResponse, *, server_offset: float) -> int:
        """Apply one page and advance the cursor with it; rebase when caught up."""
        with self._transaction() as session:
            if page.reset:
                _reset(session)
            applied = apply_changes(session, page.changes)
            state = state_of(session)
            state.cursor = page.cursor
            state.acked_seq = max(state.acked_seq, page.last_seq + state.seq_base)
            state.clock_offset = server_offset
            if not page.more:
                self.rebase(session, state.acked_seq)
        return applied

    def rebase(self, session: Session, acked_seq: int) -> int:
        """Put the server's versions back, then replay the pending commands on top."""
        restore_shadows(session)
        pending = session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.seq > acked_seq, OutboxEntry.status == PENDING)
            .order_by(OutboxEntry.seq)
        ).all()
        start_shadowing(session)
        try:
            for entry in pending:
                try:
                    self.bus.replay_in(session, to_command(entry, self.device_id))
                except DomainError as err:
                    forget_shadowed(session)  # its savepoint took its shadows with it
                    # The server decides; until it answers the action just shows as waiting.
                    log.info("pending %s %s does not apply locally: %s", entry.type, entry.seq, err)
            session.flush()
        finally:
            stop_shadowing(session)
        return len(pending)


def _reset(session: Session) -> None:
    """A snapshot starts: drop the local copy of server data (never the outbox)."""
    touched.note_everything(session)
    for tbl in reversed(Base.metadata.sorted_tables):
        if tbl.name not in _KEEP_ON_RESET:
            session.execute(delete(tbl))
    session.execute(delete(ShadowRow))


def apply_changes(session: Session, changes: list[Change]) -> int:
    shadowed = {(s.entity, s.key) for s in session.scalars(select(ShadowRow))}
    order = rank()
    upserts: dict[str, list[dict[str, Any]]] = {}
    deletes: dict[str, list[str]] = {}
    for change in changes:
        if change.entity not in SCOPES:
            continue
        if (change.entity, change.id) in shadowed:
            session.execute(
                update(ShadowRow)
                .where(ShadowRow.entity == change.entity, ShadowRow.key == change.id)
                .values(data=change.data if change.op == "upsert" else None)
            )
        elif change.op == "upsert" and change.data is not None:
            upserts.setdefault(change.entity, []).append(change.data)
        else:
            deletes.setdefault(change.entity, []).append(change.id)
    for name in sorted(deletes, key=lambda n: -order[n]):
        delete_rows(session, table(name), deletes[name])
    for name in sorted(upserts, key=lambda n: order[n]):
        tbl = table(name)
        upsert(session, tbl, [from_json(tbl, data) for data in upserts[name]])
    return len(changes)


def delete_rows(session: Session, tbl: Table, keys: list[str]) -> None:
    """Delete rows by key, noting first what they belonged to (for the screens)."""
    for start in range(0, len(keys), 500):
        where = keys_clause(tbl, keys[start : start + 500])
        doomed = session.execute(select(tbl).where(where)).mappings()
        touched.note_rows(session, tbl.name, [dict(row) for row in doomed])
        session.execute(delete(tbl).where(where))


def upsert(session: Session, tbl: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = sqlite_insert(tbl)
    pk = [c.name for c in tbl.primary_key.columns]
    stmt = stmt.on_conflict_do_update(
        index_elements=pk,
        set_={c.name: stmt.excluded[c.name] for c in tbl.columns if c.name not in pk},
    )
    touched.note_rows(session, tbl.name, rows)
    for start in range(0, len(rows), 500):
        session.execute(stmt, rows[start : start + 500])


def restore_shadows(session: Session) -> int:
    """Put the server's version of every shadowed row back (deletes children first)."""
    shadows = session.execute(select(ShadowRow.entity, ShadowRow.key, ShadowRow.data)).all()
    gone: dict[str, list[str]] = {}
    back: dict[str, list[dict[str, Any]]] = {}
    for entity, key, data in shadows:
        if entity not in Base.metadata.tables:
            continue
        if data is None:
            gone.setdefault(entity, []).append(key)
        else:
            back.setdefault(entity, []).append(data)
    order = rank()
    for name in sorted(gone, key=lambda n: -order.get(n, 0)):
        delete_rows(session, table(name), gone[name])
    for name in sorted(back, key=lambda n: order.get(n, 0)):
        tbl = table(name)
        upsert(session, tbl, [from_json(tbl, data) for data in back[name]])
    session.execute(delete(ShadowRow))
    return len(shadows)
