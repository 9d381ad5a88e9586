"""The office console's people: users with a password, their sessions, failed sign-ins.

Server records only (never replicated to a kiosk): office users are not operators and
have no badge. Passwords and session tokens are stored as hashes, never as given.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.base import Base, id_column
from kiosk.store.types import UtcDateTime


class OfficeUser(Base):
    """Someone who signs in to the office console (role ``office`` or ``admin``)."""

    __tablename__ = "office_user"

    id: Mapped[str] = id_column()
    username: Mapped[str] = mapped_column(String(100))
    #: ``username`` trimmed and lower-cased: sign-in is case-insensitive on the name.
    username_key: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    #: ``scrypt$n$r$p$salt$hash`` (see sync.server.office.passwords).
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OfficeSession(Base):
    """A signed-in browser: the cookie holds the secret, this row only its SHA-256."""

    __tablename__ = "office_session"

    id: Mapped[str] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("office_user.id"), index=True)
    #: The synchronizer token every form and every htmx request of this session carries.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Refreshed at most once a minute; idle past the timeout, the session is over.
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginThrottle(Base):
    """Failed sign-ins per user name (known or not): too many in a row lock it a while."""

    __tablename__ = "login_throttle"

    username_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
