"""Sync bookkeeping: the server's change feed and applied commands, the kiosk's outbox,
the pre-images of rows its pending commands touched, and its sync state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.base import Base
from kiosk.store.types import UtcDateTime


class ChangeLog(Base):
    """Server: one row per replicated row a transaction changed, in each site's feed.

    Every site has a feed of its own (a kiosk reads one site): a row of one site is
    named in that site's feed, a row every site sees (products, BOMs) in every site's.
    ``txn`` comes from the site's :class:`FeedCounter` row, bumped just before commit,
    so within a site it is handed out in commit order (the row lock serializes that
    site's writers, and only them); the pull cursor is ``(txn, id)`` within the site and
    can never skip a transaction that committed late.
    """

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_site_txn_id", "site_id", "txn", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    txn: Mapped[int] = mapped_column(BigInteger)
    #: The site whose feed this is (None only in rows written before migration 0011).
    site_id: Mapped[str | None] = mapped_column(String(36))
    entity: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(80))
    #: When it was written; the feed is pruned by it (None: written before 0008).
    at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FeedCounter(Base):
    """Server: where one site's change feed stands: its newest ``txn``, and the newest
    one pruned (a cursor at or below ``pruned`` is too far behind)."""

    __tablename__ = "feed_counter"

    site_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    txn: Mapped[int] = mapped_column(BigInteger, default=0)
    pruned: Mapped[int] = mapped_column(BigInteger, default=0)


class AppliedCommand(Base):
    """Server: the first result of every pushed command, kept forever (idempotent push)."""

    __tablename__ = "applied_command"
    __table_args__ = (Index("ix_applied_command_device_seq", "device_id", "seq", unique=True),)

    command_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # applied | flagged | refused
    code: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PushFailure(Base):
    """Server: a pushed command that failed for a reason of the server's own (a bug, not a
    business rule), with the command as it came. After a few attempts it is refused with
    code ``internal`` so the kiosk's queue moves on; kept for a supervisor to replay once
    the cause is fixed (``POST /sync/failures/{command_id}/replay``)."""

    __tablename__ = "push_failure"

    command_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40))
    #: The wire command (id, seq, type, at, actor, payload) as the kiosk sent it.
    command: Mapped[dict[str, object]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: When it was refused as ``internal`` (the queue moved on); None: still retried.
    given_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replay_result: Mapped[str] = mapped_column(Text, default="")


class OutboxEntry(Base):
    """Kiosk: a local command waiting for (or answered by) the server, in ``seq`` order."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    command_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[dict[str, object]] = mapped_column(JSON)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    #: pending until the server answers; then applied | flagged | refused.
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    code: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    #: The plain-language message for the operator (refused or flagged commands).
    message: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ShadowRow(Base):
    """Kiosk: the server's version of a row a local, unacknowledged command changed.

    ``data`` None means the server has no such row. A rebase puts these back and
    replays the pending commands on top (the optimistic view).
    """

    __tablename__ = "shadow_row"

    entity: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[dict[str, object] | None] = mapped_column(JSON)


class SyncState(Base):
    """Kiosk: one row of sync progress (cursor, acknowledged seq, last contact, clock offset)."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The device this store syncs as: set by the first sync, changed only by a recovery
    #: (a store restored from a copy, re-enrolled as a new device).
    device_id: Mapped[str | None] = mapped_column(String(36))
    cursor: Mapped[str | None] = mapped_column(String(200))
    #: The highest local ``outbox.seq`` the server has acknowledged.
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Local seq minus the seq on the wire: 0, until a recovery renumbers what is left to
    #: send so the new device's first command is 1.
    seq_base: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: server time minus device time at the last answer, in seconds.
    clock_offset: Mapped[float] = mapped_column(default=0.0)
