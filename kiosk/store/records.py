"""Notifications, the audit log and the counters behind human numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.base import Base, id_column
from kiosk.store.types import UtcDateTime


class Notification(Base):
    """For supervisors and the office; acknowledged by a person, never deleted."""

    __tablename__ = "notification"

    id: Mapped[str] = id_column()
    site_id: Mapped[str | None] = mapped_column(ForeignKey("site.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # NotificationKind
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    work_order_id: Mapped[str | None] = mapped_column(String(36), index=True)
    sales_order_id: Mapped[str | None] = mapped_column(String(36))
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """One immutable row per accepted or refused command."""

    __tablename__ = "audit_entry"

    id: Mapped[str] = id_column()
    command_id: Mapped[str] = mapped_column(String(36), index=True)
    command_type: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(10))  # applied | flagged | refused
    code: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    operator_badge: Mapped[str | None] = mapped_column(String(64))
    supervisor_badge: Mapped[str | None] = mapped_column(String(64))
    principal: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(64))
    workstation: Mapped[str | None] = mapped_column(String(40))
    device_time: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    work_order_id: Mapped[str | None] = mapped_column(String(36), index=True)
    status_before: Mapped[str | None] = mapped_column(String(20))
    status_after: Mapped[str | None] = mapped_column(String(20))
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class Counter(Base):
    """Named sequences for human numbers (WO-000123); bumped inside the writing transaction."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class PinFailure(Base):
    """A failed PIN entry, kept to rate-limit guessing per badge and per device.

    A right PIN for the badge, or a supervisor unlocking it, sets ``cleared_at``: cleared
    failures no longer count.
    """

    __tablename__ = "pin_failure"

    id: Mapped[str] = id_column()
    device_id: Mapped[str | None] = mapped_column(String(64), index=True)
    badge: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The badge that cleared it: the person themself (a right PIN) or a supervisor.
    cleared_by: Mapped[str | None] = mapped_column(String(64))
