"""Office users: creating them, and signing in with a password under a per-name throttle.

Failed sign-ins are counted per user name (whether or not the name exists, so the
throttle tells nobody which names are real): after ``MAX_FAILURES`` in a row the name
is locked for ``LOCKOUT``. Every sign-in, refusal and lock is in the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.errors import Conflict, ValidationError
from kiosk.store.base import new_id, utcnow
from kiosk.store.models import LoginThrottle, OfficeUser
from sync.server import audit_log
from sync.server.office.passwords import (
    MAX_LENGTH,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 8
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


class Role(StrEnum):
    OFFICE = "office"
    ADMIN = "admin"


@dataclass(frozen=True)
class OfficePerson:
    """The signed-in person, as pages and commands need them."""

    id: str
    username: str
    role: Role

    @property
    def principal(self) -> str:
        """How the audit log names them (an office principal has supervisor rights)."""
        return f"office:{self.username}"

    @property
    def label(self) -> str:
        return self.principal

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def key_of(username: str) -> str:
    return username.strip().lower()


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    by: str,
    min_length: int = MIN_PASSWORD,
) -> OfficePerson:
    """A new office user; refused (ValidationError / Conflict) with the reason, nothing saved."""
    name = username.strip()
    if not USERNAME.fullmatch(name):
        raise ValidationError(
            "A user name is 1 to 100 letters, digits, dots, dashes, underscores or @, "
            "starting with a letter or digit."
        )
    try:
        role_ = Role(role)
    except ValueError:
        raise ValidationError(f"The role must be office or admin, not {role!r}.") from None
    if len(password) < min_length:
        raise ValidationError(f"The password must be at least {min_length} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"The password must be at most {MAX_LENGTH} characters.")
    if session.scalar(select(OfficeUser.id).where(OfficeUser.username_key == key_of(name))):
        raise Conflict(f"There is already an office user named {name}.")
    user = OfficeUser(
        id=new_id(),
        username=name,
        username_key=key_of(name),
        role=role_.value,
        password_hash=hash_password(password),
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    audit_log.record(
        session,
        "create_office_user",
        "applied",
        detail=f"{name} ({role_.value})",
        principal=by,
        payload={"username": name, "role": role_.value},
    )
    return OfficePerson(user.id, user.username, role_)


class SignInRefused(Exception):
    """Wrong name or password, or a locked name: ``str()`` is what the form says."""


def sign_in(
    session: Session, username: str, password: str, now: datetime | None = None
) -> OfficePerson:
    """The person, if the name and password match and the name is not locked.

    The refusal never says which of the two was wrong. Runs in the caller's
    transaction, which must commit even when this raises (the failure is counted).
    """
    now = now or utcnow()
    key = key_of(username)[:100]
    throttle = session.get(LoginThrottle, key, with_for_update=True)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        minutes = max(1, round((throttle.locked_until - now).total_seconds() / 60))
        audit_log.record(
            session,
            "office_sign_in",
            "refused",
            code="locked",
            principal=f"office:{key}",
            detail="locked after too many failed sign-ins",
        )
        raise SignInRefused(
            f"Too many failed sign-ins for this name. Try again in {minutes} minutes."
        )
    user = session.scalars(
        select(OfficeUser).where(OfficeUser.username_key == key, OfficeUser.active.is_(True))
    ).first()
    ok = len(password) <= MAX_LENGTH and verify_password(
        password, user.password_hash if user else dummy_hash()
    )
    if user is None or not ok:
        _count_failure(session, key, throttle, now)
        raise SignInRefused("The user name or the password is wrong.")
    if throttle is not None:
        session.delete(throttle)
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit_log.record(session, "office_sign_in", "applied", principal=f"office:{user.username}")
    return OfficePerson(user.id, user.username, Role(user.role))


def _count_failure(
    session: Session, key: str, throttle: LoginThrottle | None, now: datetime
) -> None:
    if throttle is None:
        throttle = LoginThrottle(username_key=key, failures=0)
        session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    locked = throttle.failures >= MAX_FAILURES
    if locked:
        throttle.failures = 0
        throttle.locked_until = now + LOCKOUT
    audit_log.record(
        session,
        "office_sign_in",
        "refused",
        code="locked" if locked else "unauthorized",
        principal=f"office:{key}",
        detail="wrong name or password" + (f"; locked for {LOCKOUT}" if locked else ""),
    )


DEMO_USER = "demo"
DEMO_PASSWORD = "demo"


def ensure_demo_user(session: Session) -> bool:
    """The demo plant's office user ``demo`` / ``demo`` (an admin), unless it exists.

    Only for ``--demo``: the password is shorter than a real one may be.
    """
    if session.scalar(select(OfficeUser.id).where(OfficeUser.username_key == DEMO_USER)):
        return False
    create_user(session, DEMO_USER, Role.ADMIN, DEMO_PASSWORD, by="demo", min_length=1)
    return True
