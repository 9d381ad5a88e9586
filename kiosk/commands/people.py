"""Operators (create, edit, reset a PIN, deactivate a leaver), identification (scan or
PIN, per the site's policy), clocking in and out.

The rules of who may identify how, and the PIN lockouts, are in
:mod:`kiosk.services.identity`; the commands here apply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kiosk.commands.base import Command, Kind, Policy, Supervisor, Sync, handles
from kiosk.domain.enums import IdentifyMethod, NotificationKind, Role
from kiosk.domain.errors import Conflict, Unauthorized, ValidationError
from kiosk.domain.pins import hash_pin
from kiosk.services import identity
from kiosk.services.context import Context
from kiosk.services.identity import check_pin
from kiosk.services.labour import close_segments
from kiosk.services.lookup import active_site, operator_by_badge, workstation_by_code
from kiosk.store.base import new_id
from kiosk.store.models import ClockSession, Operator, Workstation


def _role(value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise ValidationError("Role must be operator or supervisor.", field="role") from None


@dataclass(frozen=True, kw_only=True)
class CreateOperator(Command):
    type_name = "create_operator"
    policy = Policy(sync=Sync.OFFICE)
    badge: str
    name: str
    pin: str
    role: str = Role.OPERATOR.value
    #: The site's code; None: the person works at every site.
    site: str | None = None


@handles(CreateOperator)
def create_operator(ctx: Context, cmd: CreateOperator) -> dict[str, Any]:
    badge = (cmd.badge or "").strip() if isinstance(cmd.badge, str) else ""
    if not badge or len(badge) > 64:
        raise ValidationError("A badge id of 1 to 64 characters is required.", field="badge")
    if not isinstance(cmd.name, str) or not cmd.name.strip():
        raise ValidationError("The operator's name is required.", field="name")
    role = _role(cmd.role)
    if ctx.session.scalars(select(Operator).where(Operator.badge == badge)).first():
        raise Conflict(f"Badge {badge} is already in use.", badge=badge)
    site = active_site(ctx.session, cmd.site, purpose="take new people") if cmd.site else None
    op = Operator(
        id=new_id(),
        badge=badge,
        name=cmd.name.strip(),
        pin_hash=hash_pin(cmd.pin),
        role=role.value,
        active=True,
        site_id=site.id if site else None,
    )
    ctx.session.add(op)
    return {"operator_id": op.id}


@dataclass(frozen=True, kw_only=True)
class EditOperator(Command):
    """Change a person's name, role or site, or reset their PIN (None: unchanged).

    ``site`` "" means every site. A new PIN also lifts a lockout of the badge: the
    wrong PINs counted so far no longer count. The badge itself stays (it is printed).
    """

    type_name = "edit_operator"
    policy = Policy(sync=Sync.OFFICE)
    badge: str
    name: str | None = None
    role: str | None = None
    site: str | None = None
    #: Never stored, shown or audited: only its hash is kept.
    pin: str | None = None


@handles(EditOperator)
def edit_operator(ctx: Context, cmd: EditOperator) -> dict[str, Any]:
    op = operator_by_badge(ctx.session, cmd.badge)
    if cmd.name is not None:
        if not isinstance(cmd.name, str) or not cmd.name.strip():
            raise ValidationError("The operator's name is required.", field="name")
        op.name = cmd.name.strip()
    if cmd.role is not None:
        op.role = _role(cmd.role).value
    if cmd.site is not None:
        op.site_id = (
            active_site(ctx.session, cmd.site, purpose="take new people").id
            if cmd.site.strip()
            else None
        )
    pin_reset = cmd.pin is not None
    if cmd.pin is not None:
        op.pin_hash = hash_pin(cmd.pin)
        identity.clear_failures(ctx.session, op.badge, by=_who(ctx), now=ctx.now)
    return {"operator_id": op.id, "pin_reset": pin_reset}


def _who(ctx: Context) -> str:
    actor = ctx.actor
    return actor.principal or actor.supervisor_badge or actor.badge or "office"


@dataclass(frozen=True, kw_only=True)
class SetOperatorActive(Command):
    """Deactivate a person's badge (a leaver) or reactivate it. A deactivated badge is
    refused wherever it identifies; someone clocked in is clocked out by this same
    command, their labour closed, so nothing is left open."""

    type_name = "set_operator_active"
    policy = Policy(sync=Sync.OFFICE)
    badge: str
    active: bool


@handles(SetOperatorActive)
def set_operator_active(ctx: Context, cmd: SetOperatorActive) -> dict[str, Any]:
    op = operator_by_badge(ctx.session, cmd.badge)
    op.active = bool(cmd.active)
    clocked_out: list[str] = []
    if not op.active:
        for open_session in ctx.session.scalars(
            select(ClockSession).where(
                ClockSession.operator_id == op.id, ClockSession.clocked_out_at.is_(None)
            )
        ):
            open_session.clocked_out_at = max(cmd.at, open_session.clocked_in_at)
            ws = (
                ctx.session.get(Workstation, open_session.workstation_id)
                if open_session.workstation_id
                else None
            )
            clocked_out.append(ws.code if ws else "a kiosk")
        close_segments(ctx, operator_id=op.id)
    return {"operator_id": op.id, "clocked_out": clocked_out}


@dataclass(frozen=True, kw_only=True)
class VerifyPin(Command):
    """Check a PIN (supervisor elevation, clocking someone out) without changing anything."""

    type_name = "verify_pin"
    policy = Policy(sync=Sync.LOCAL)
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
    """Identify at this kiosk and be clocked in here.

    ``method`` says how the badge came: a scan (alone enough where the site allows it)
    or keyed in on the keypad (always with the PIN). Someone clocked in at another
    workstation is moved here: clocked out there, their labour there closed. Someone
    already clocked in here is simply the one acting now (``already``).
    """

    type_name = "clock_in"
    policy = Policy(sync=Sync.PUSHED, kind=Kind.FACT, subject="the clock-in")
    badge: str
    pin: str | None = None
    method: str = IdentifyMethod.SCAN.value


@handles(ClockIn)
def clock_in(ctx: Context, cmd: ClockIn) -> dict[str, Any]:
    op = identity.identify(ctx, cmd.badge, cmd.pin, cmd.method)
    ws = workstation_by_code(ctx.session, ctx.actor.workstation) if ctx.actor.workstation else None
    here = ws.id if ws else None
    already = False
    moved_from: list[str] = []
    for open_session in ctx.session.scalars(
        select(ClockSession).where(
            ClockSession.operator_id == op.id, ClockSession.clocked_out_at.is_(None)
        )
    ):
        if open_session.workstation_id == here:
            already = True
            continue
        # One person stands at one workstation: clocking in here ends the other session.
        open_session.clocked_out_at = max(cmd.at, open_session.clocked_in_at)
        other = (
            ctx.session.get(Workstation, open_session.workstation_id)
            if open_session.workstation_id
            else None
        )
        moved_from.append(other.code if other else "another kiosk")
    if moved_from:
        close_segments(ctx, operator_id=op.id)
    if not already:
        ctx.session.add(
            ClockSession(
                id=new_id(),
                operator_id=op.id,
                workstation_id=here,
                device_id=ctx.actor.device_id,
                clocked_in_at=cmd.at,
            )
        )
    return {
        "operator_id": op.id,
        "name": op.name,
        "role": op.role,
        "already": already,
        "moved_from": moved_from,
    }


@dataclass(frozen=True, kw_only=True)
class ClockOut(Command):
    type_name = "clock_out"
    policy = Policy(
        sync=Sync.PUSHED,
        kind=Kind.FACT,
        supervisor=Supervisor.SOMETIMES,  # someone else
        subject="the clock-out",
    )
    badge: str


@handles(ClockOut)
def clock_out(ctx: Context, cmd: ClockOut) -> dict[str, Any]:
    op = ctx.operator(cmd.badge)
    if ctx.actor.badge != op.badge and not ctx.actor.principal:
        # At a kiosk only the person themself, or a supervisor, clocks someone out.
        ctx.require_supervisor(f"clock out {op.name}")
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


@dataclass(frozen=True, kw_only=True)
class PinLockout(Command):
    """A badge was just locked by wrong PINs at a kiosk: a fact for the supervisors (and
    the server's audit log), reported by the kiosk right after the refusal that locked it."""

    type_name = "pin_lockout"
    policy = Policy(sync=Sync.PUSHED, kind=Kind.FACT)
    badge: str


@handles(PinLockout)
def pin_lockout(ctx: Context, cmd: PinLockout) -> dict[str, Any]:
    badge = identity.clean_badge(cmd.badge)
    op = identity.find_operator(ctx.session, badge)
    who = f"{op.name} (badge {badge})" if op else f"Badge {badge}"
    where = ctx.actor.workstation or "a kiosk"
    site = identity.site_of(ctx.session, ctx.actor.workstation)
    ctx.notify(
        NotificationKind.PIN_LOCKOUT,
        f"{who} was locked at {where} after {identity.BADGE_LIMIT} wrong PINs.",
        site_id=site.id if site else None,
    )
    return {}


@dataclass(frozen=True, kw_only=True)
class ClearPinLockout(Command):
    """A supervisor unlocks a badge on this kiosk (``badge`` None: every wrong PIN here,
    which also ends a pause of PIN entry on the kiosk)."""

    type_name = "clear_pin_lockout"
    policy = Policy(sync=Sync.LOCAL, supervisor=Supervisor.ALWAYS, supervisor_for="unlock a badge")
    badge: str | None = None


@handles(ClearPinLockout)
def clear_pin_lockout(ctx: Context, cmd: ClearPinLockout) -> dict[str, Any]:
    who = ctx.approved_by
    badge = identity.clean_badge(cmd.badge) if cmd.badge is not None else None
    cleared = identity.clear_failures(ctx.session, badge, by=who, now=ctx.now)
    return {"cleared": cleared}
