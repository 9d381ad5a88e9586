"""Who is at the kiosk: the site's identification policy, PIN checks and lockouts.

Wrong PINs are counted per badge (five lock that badge for a quarter of an hour, or
until a supervisor clears it) and, more loosely, per device (a burst across many
badges pauses PIN entry on that kiosk for everyone but supervisors, who stay limited
per badge). A right PIN clears the badge's count. Every refusal is in the audit log
with its code; a new lockout is also reported to supervisors (``PinLockout``).

A server replaying a kiosk's clock-in trusts the enrolled device: the PIN never
leaves the kiosk, so there is nothing to check again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from kiosk.domain.enums import IdentifyBy, IdentifyMethod, Role
from kiosk.domain.errors import (
    BadgeDeactivated,
    DomainError,
    NotFound,
    Unauthorized,
    ValidationError,
)
from kiosk.domain.pins import verify_pin
from kiosk.services.context import Context
from kiosk.store.base import new_id
from kiosk.store.models import Operator, PinFailure, Site, Workstation

#: Wrong PINs for one badge, within BADGE_LOCK, that lock it.
BADGE_LIMIT = 5
BADGE_LOCK = timedelta(minutes=15)
#: Wrong PINs on one device (any badges), within DEVICE_WINDOW, that pause PIN entry there.
DEVICE_LIMIT = 12
DEVICE_WINDOW = timedelta(minutes=5)


class WrongPin(Unauthorized):
    code = "wrong_pin"

    def on_refused(self, ctx: Any) -> None:
        # Kept although the command rolled back: this is what the limits count.
        record_failure(ctx, str(self.context.get("badge", "")))


class BadgeLocked(DomainError):
    """Too many wrong PINs for this badge. ``newly``: this attempt locked it."""

    code = "badge_locked"
    http_status = 429

    def __init__(self, message: str, *, newly: bool, badge: str) -> None:
        super().__init__(message, badge=badge)
        self.newly = newly

    def on_refused(self, ctx: Any) -> None:
        if self.newly:  # the wrong PIN that locked it counts; attempts while locked do not
            record_failure(ctx, str(self.context.get("badge", "")))


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    http_status = 429


class PinRequired(Unauthorized):
    """The badge alone is not enough here: the UI asks for the PIN."""

    code = "pin_required"


def record_failure(ctx: Any, badge: str) -> None:
    ctx.session.add(
        PinFailure(id=new_id(), device_id=ctx.actor.device_id, badge=badge[:64], at=ctx.now)
    )


def clean_badge(badge: object) -> str:
    if not isinstance(badge, str) or not badge.strip() or len(badge.strip()) > 64:
        raise ValidationError("A badge id of 1 to 64 characters is required.", field="badge")
    return badge.strip()


def site_of(session: Session, workstation: str | None) -> Site | None:
    """The site a kiosk stands in: its workstation's, else the default (or only) one."""
    if workstation:
        site = session.scalars(
            select(Site)
            .join(Workstation, Workstation.site_id == Site.id)
            .where(Workstation.code == workstation)
        ).first()
        if site is not None:
            return site
    return session.scalars(select(Site).order_by(Site.is_default.desc(), Site.code)).first()


def policy(session: Session, workstation: str | None) -> IdentifyBy:
    site = site_of(session, workstation)
    try:
        return IdentifyBy(site.identify_by) if site is not None else IdentifyBy.BADGE_SCAN
    except ValueError:
        return IdentifyBy.BADGE_AND_PIN  # an unknown setting: the safe reading


def _counted(now: datetime) -> Any:
    """Failures that still count: not cleared, and recent enough to matter."""
    return select(PinFailure.at).where(
        PinFailure.cleared_at.is_(None), PinFailure.at >= now - BADGE_LOCK
    )


def locked_until(session: Session, badge: str, now: datetime) -> datetime | None:
    """When the badge's lock lifts by itself, or None when it is not locked."""
    recent = list(
        session.scalars(
            _counted(now)
            .where(PinFailure.badge == badge)
            .order_by(PinFailure.at.desc())
            .limit(BADGE_LIMIT)
        )
    )
    if len(recent) < BADGE_LIMIT:
        return None
    return min(recent) + BADGE_LOCK


def _device_paused_until(session: Session, device_id: str | None, now: datetime) -> datetime | None:
    recent = list(
        session.scalars(
            _counted(now)
            .where(PinFailure.device_id == device_id, PinFailure.at >= now - DEVICE_WINDOW)
            .order_by(PinFailure.at.desc())
            .limit(DEVICE_LIMIT)
        )
    )
    if len(recent) < DEVICE_LIMIT:
        return None
    return min(recent) + DEVICE_WINDOW


def _minutes(until: datetime, now: datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def find_operator(session: Session, badge: str, site_id: str | None = None) -> Operator | None:
    """The active person with this badge; with ``site_id``, only if they work there."""
    op = session.scalars(select(Operator).where(Operator.badge == badge)).one_or_none()
    if op is None or not op.active:
        return None
    if site_id is not None and op.site_id not in (None, site_id):
        return None
    return op


def refuse_deactivated(session: Session, badge: str, site_id: str | None = None) -> None:
    """A leaver's badge is refused in plain words (not as unknown, and before any PIN is
    checked or counted): the office deactivated it."""
    op = session.scalars(select(Operator).where(Operator.badge == badge)).one_or_none()
    if op is None or op.active:
        return
    if site_id is not None and op.site_id not in (None, site_id):
        return  # someone of another site: not known here, whatever their state
    raise BadgeDeactivated(
        f"Badge {badge} was deactivated at the office: it can no longer clock in or sign "
        "anything. Ask a supervisor if this is a mistake.",
        badge=badge,
    )


def _known(session: Session, badge: str, site_id: str | None) -> Operator:
    op = find_operator(session, badge, site_id)
    if op is None:
        raise NotFound(f"Badge {badge} is not known here.", badge=badge)
    return op


def check_pin(ctx: Context, badge: object, pin: object) -> Operator:
    """The operator, if the PIN is right; wrong PINs count towards the lockouts."""
    badge = clean_badge(badge)
    session, now = ctx.session, ctx.now
    refuse_deactivated(session, badge, ctx.actor.site_id)
    until = locked_until(session, badge, now)
    if until is not None:
        raise BadgeLocked(
            f"Badge {badge} is locked after {BADGE_LIMIT} wrong PINs, for "
            f"{_minutes(until, now)} more. A supervisor can unlock it.",
            newly=False,
            badge=badge,
        )
    op = find_operator(session, badge, ctx.actor.site_id)
    if op is None or op.role != Role.SUPERVISOR:
        paused = _device_paused_until(session, ctx.actor.device_id, now)
        if paused is not None:
            raise TooManyAttempts(
                f"Too many wrong PINs on this kiosk: PIN entry pauses for "
                f"{_minutes(paused, now)}. A supervisor can still sign in.",
                badge=badge,
            )
    if op is None or not isinstance(pin, str) or not verify_pin(pin, op.pin_hash):
        failures = len(list(session.scalars(_counted(now).where(PinFailure.badge == badge))))
        left = BADGE_LIMIT - failures - 1
        if left <= 0:
            raise BadgeLocked(
                f"Wrong PIN. Badge {badge} is now locked for {_minutes(now + BADGE_LOCK, now)}; "
                "a supervisor can unlock it.",
                newly=True,
                badge=badge,
            )
        tries = "1 more try" if left == 1 else f"{left} more tries"
        raise WrongPin(
            f"Badge or PIN not recognised. Try again ({tries} before the badge locks).",
            badge=badge,
        )
    clear_failures(session, badge, by=badge, now=now)
    return op


def clear_failures(session: Session, badge: str | None, *, by: str, now: datetime) -> int:
    """Stop counting a badge's wrong PINs (all of this store's, when ``badge`` is None)."""
    query = update(PinFailure).where(PinFailure.cleared_at.is_(None))
    if badge is not None:
        query = query.where(PinFailure.badge == badge)
    result: CursorResult[Any] = session.execute(query.values(cleared_at=now, cleared_by=by))  # type: ignore[assignment]
    return result.rowcount or 0


def identify(ctx: Context, badge: object, pin: object, method: str) -> Operator:
    """The person a scan or a keyed badge (and PIN) names, under the site's policy."""
    badge = clean_badge(badge)
    try:
        how = IdentifyMethod(method)
    except ValueError:
        raise ValidationError("Identify by scan or keypad.", field="method") from None
    refuse_deactivated(ctx.session, badge, ctx.actor.site_id)
    if ctx.command.replayed:
        return _known(ctx.session, badge, ctx.actor.site_id)
    if pin is None or pin == "":
        if how == IdentifyMethod.KEYPAD:
            raise PinRequired("Key in your PIN as well as your badge.", badge=badge)
        if policy(ctx.session, ctx.actor.workstation) == IdentifyBy.BADGE_AND_PIN:
            raise PinRequired("Badge read. Key in your PIN to go on.", badge=badge)
        return _known(ctx.session, badge, ctx.actor.site_id)
    return check_pin(ctx, badge, pin)


def locked_badges(session: Session, now: datetime) -> list[tuple[str, datetime]]:
    """(badge, lock lifts at) for every badge locked now, for the supervisor to clear."""
    badges = session.scalars(
        select(PinFailure.badge)
        .where(PinFailure.cleared_at.is_(None), PinFailure.at >= now - BADGE_LOCK)
        .group_by(PinFailure.badge)
        .having(func.count() >= BADGE_LIMIT)
    ).all()
    found = []
    for badge in badges:
        until = locked_until(session, badge, now)
        if until is not None:
            found.append((badge, until))
    return sorted(found)
