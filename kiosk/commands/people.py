"""Operators, PIN checks (rate-limited per device) and clocking in and out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from kiosk.commands.base import Command, handles
from kiosk.commands.context import Context
from kiosk.domain.enums import Role
from kiosk.domain.errors import Conflict, DomainError, NotFound, Unauthorized, ValidationError
from kiosk.domain.pins import hash_pin, verify_pin
from kiosk.services.labour import close_segments
from kiosk.services.lookup import workstation_by_code
from kiosk.store.base import new_id
from kiosk.store.models import ClockSession, Operator, PinFailure

#: After this many wrong PINs on one device within the window, PIN entry pauses.
MAX_PIN_FAILURES = 5
PIN_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True, kw_only=True)
class CreateOperator(Command):
    type_name = "create_operator"
    badge: str
    name: str
    pin: str
    role: str = Role.OPERATOR.value


@handles(CreateOperator)
def create_operator(ctx: Context, cmd: CreateOperator) -> dict[str, Any]:
    badge = (cmd.badge or "").strip() if isinstance(cmd.badge, str) else ""
    if not badge or len(badge) > 64:
        raise ValidationError("A badge id of 1 to 64 characters is required.", field="badge")
    if not isinstance(cmd.name, str) or not cmd.name.strip():
        raise ValidationError("The operator's name is required.", field="name")
    try:
        role = Role(cmd.role)
    except ValueError:
        raise ValidationError("Role must be operator or supervisor.", field="role") from None
    if ctx.session.scalars(select(Operator).where(Operator.badge == badge)).first():
        raise Conflict(f"Badge {badge} is already in use.", badge=badge)
    op = Operator(
        id=new_id(),
        badge=badge,
        name=cmd.name.strip(),
        pin_hash=hash_pin(cmd.pin),
        role=role.value,
        active=True,
    )
    ctx.session.add(op)
    return {"operator_id": op.id}


class WrongPin(Unauthorized):
    code = "wrong_pin"

    def on_refused(self, ctx: Any) -> None:
        # Kept although the command rolled back: this is what the rate limit counts.
        ctx.session.add(
            PinFailure(
                id=new_id(),
                device_id=ctx.actor.device_id,
                badge=str(self.context.get("badge", "")),
                at=ctx.now,
            )
        )


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    http_status = 429


def check_pin(ctx: Context, badge: str, pin: str) -> Operator:
    """The operator, if the PIN is right; wrong PINs are counted per device and rate-limited."""
    since = ctx.now - PIN_WINDOW
    failures = (
        ctx.session.scalar(
            select(func.count())
            .select_from(PinFailure)
            .where(PinFailure.device_id == ctx.actor.device_id, PinFailure.at >= since)
        )
        or 0
    )
    if failures >= MAX_PIN_FAILURES:
        raise TooManyAttempts(
            "Too many wrong PINs on this kiosk. Wait five minutes or ask a supervisor."
        )
    op = ctx.session.scalars(select(Operator).where(Operator.badge == badge)).one_or_none()
    if op is None or not op.active or not verify_pin(pin, op.pin_hash):
        raise WrongPin("Badge or PIN not recognised. Try again.", badge=badge)
    return op


@dataclass(frozen=True, kw_only=True)
class VerifyPin(Command):
    """Check a PIN (for clock-in or supervisor elevation) without changing anything else."""

    type_name = "verify_pin"
    badge: str
    pin: str
    supervisor: bool = False


@handles(VerifyPin)
def verify(ctx: Context, cmd: VerifyPin) -> dict[str, Any]:
    op = check_pin(ctx, cmd.badge, cmd.pin)
    if cmd.supervisor and op.role != Role.SUPERVISOR:
        raise Unauthorized(f"{op.name} is not a supervisor.", badge=cmd.badge)
    return {"operator_id": op.id, "name": op.name, "role": op.role}


@dataclass(frozen=True, kw_only=True)
class ClockIn(Command):
    """Badge scan alone (the badge is the credential) or badge + PIN on the keypad."""

    type_name = "clock_in"
    badge: str
    pin: str | None = None


@handles(ClockIn)
def clock_in(ctx: Context, cmd: ClockIn) -> dict[str, Any]:
    if cmd.pin is not None:
        op = check_pin(ctx, cmd.badge, cmd.pin)
    else:
        op = ctx.session.scalars(select(Operator).where(Operator.badge == cmd.badge)).one_or_none()
        if op is None or not op.active:
            raise NotFound(f"Badge {cmd.badge} is not known here.", badge=cmd.badge)
    open_session = ctx.session.scalars(
        select(ClockSession).where(
            ClockSession.operator_id == op.id, ClockSession.clocked_out_at.is_(None)
        )
    ).first()
    if open_session is not None:
        return {"operator_id": op.id, "name": op.name, "already": True}
    ws = workstation_by_code(ctx.session, ctx.actor.workstation) if ctx.actor.workstation else None
    ctx.session.add(
        ClockSession(
            id=new_id(),
            operator_id=op.id,
            workstation_id=ws.id if ws else None,
            device_id=ctx.actor.device_id,
            clocked_in_at=cmd.at,
        )
    )
    return {"operator_id": op.id, "name": op.name, "role": op.role, "already": False}


@dataclass(frozen=True, kw_only=True)
class ClockOut(Command):
    type_name = "clock_out"
    badge: str


@handles(ClockOut)
def clock_out(ctx: Context, cmd: ClockOut) -> dict[str, Any]:
    op = ctx.operator(cmd.badge)
    sessions = ctx.session.scalars(
        select(ClockSession).where(
            ClockSession.operator_id == op.id, ClockSession.clocked_out_at.is_(None)
        )
    ).all()
    if not sessions:
        raise Conflict(f"{op.name} is not clocked in.", badge=cmd.badge)
    for session in sessions:
        session.clocked_out_at = max(cmd.at, session.clocked_in_at)
    close_segments(ctx, operator_id=op.id)
    return {"operator_id": op.id}
