"""Office console sessions: a random secret in an HttpOnly cookie, its hash in the database.

The server stays stateless (several processes share one database), so a session is a
row: idle past the site's timeout it is over, and signing out ends it for good. Each
session has its own CSRF token, which every form and every htmx request carries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.store.base import new_id, utcnow
from kiosk.store.models import OfficeSession, OfficeUser
from sync.server.office.accounts import OfficePerson, Role

COOKIE = "office_session"
#: The login form's own CSRF token (double-submit: cookie and field must match).
LOGIN_COOKIE = "office_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
#: A session's last-seen time is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A live session: who, and the CSRF token its forms must carry."""

    session_id: str
    person: OfficePerson
    csrf_token: str

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given or "", self.csrf_token)


def start(session: Session, person: OfficePerson, now: datetime | None = None) -> str:
    """A new session for ``person``; returns the cookie's secret (stored only hashed)."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    session.add(
        OfficeSession(
            id=new_id(),
            token_hash=_digest(secret),
            user_id=person.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    return secret


def resolve(
    session: Session, secret: str | None, idle: timedelta, now: datetime | None = None
) -> SignedIn | None:
    """The live session the cookie names, refreshed; None if unknown, ended or idle too long."""
    if not secret or len(secret) > 200:
        return None
    now = now or utcnow()
    row = session.execute(
        select(OfficeSession, OfficeUser)
        .join(OfficeUser, OfficeUser.id == OfficeSession.user_id)
        .where(OfficeSession.token_hash == _digest(secret), OfficeSession.ended_at.is_(None))
    ).first()
    if row is None:
        return None
    live, user = row
    if not user.active:
        return None
    if now - live.last_seen_at > idle:
        live.ended_at = now
        return None
    if now - live.last_seen_at > TOUCH_EVERY:
        live.last_seen_at = now
    return SignedIn(live.id, OfficePerson(user.id, user.username, Role(user.role)), live.csrf_token)


def end(session: Session, session_id: str, now: datetime | None = None) -> None:
    session.execute(
        update(OfficeSession)
        .where(OfficeSession.id == session_id, OfficeSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )


def new_login_token() -> str:
    return secrets.token_urlsafe(24)
