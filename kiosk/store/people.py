"""Operators, clock sessions and labour segments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.base import Base, id_column
from kiosk.store.types import UtcDateTime


class Operator(Base):
    __tablename__ = "operator"

    id: Mapped[str] = id_column()
    badge: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: scrypt hash with its parameters and salt; the PIN itself is never stored. Kiosks
    #: get the hashes of their own site's people only: they check PINs offline.
    pin_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # Role
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The site this person works at; None: every site (a roaming supervisor, say).
    site_id: Mapped[str | None] = mapped_column(ForeignKey("site.id"), index=True)


class ClockSession(Base):
    """An operator clocked in at a workstation; open while ``clocked_out_at`` is null."""

    __tablename__ = "clock_session"

    id: Mapped[str] = id_column()
    operator_id: Mapped[str] = mapped_column(ForeignKey("operator.id"), index=True)
    workstation_id: Mapped[str | None] = mapped_column(ForeignKey("workstation.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    clocked_in_at: Mapped[datetime] = mapped_column(UtcDateTime)
    clocked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LabourSegment(Base):
    """Time one operator spent on one WO: opened by start/resume, closed by hold,
    complete, cancel or clock-out."""

    __tablename__ = "labour_segment"

    id: Mapped[str] = id_column()
    operator_id: Mapped[str] = mapped_column(ForeignKey("operator.id"), index=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_order.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
