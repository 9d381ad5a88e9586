"""The declared policy applied once, before a handler runs: the status check (or, for
a fact replayed from a kiosk, the flag-as-fact step) and the supervisor."""

from __future__ import annotations

from typing import Any

from kiosk.commands.policy import Kind, Supervisor
from kiosk.domain.enums import NotificationKind, WoStatus
from kiosk.domain.quantities import fmt_qty, units_said
from kiosk.domain.status import Action, check_allowed, is_allowed, needs_supervisor
from kiosk.services import stock
from kiosk.services.context import Context
from kiosk.store.models import WorkOrder


def admit(ctx: Context, command: Any) -> None:
    """Refuse ``command`` (a DomainError) unless its policy lets it through now."""
    policy = type(command).policy
    wo: WorkOrder | None = None
    if policy.action is not None:
        wo = ctx.lock_work_order(command.work_order_id)
        status = WoStatus(wo.status)
        if not is_allowed(status, policy.action):
            if command.replayed and policy.kind in (Kind.FACT, Kind.SAFETY):
                _record_against_status(ctx, wo, status, policy.noted_as, command)
            else:
                _refuse(ctx, wo, status, policy.action)
        if policy.supervisor == Supervisor.BY_STATUS and needs_supervisor(status, policy.action):
            ctx.approved_by = ctx.require_supervisor(_what_for(policy.supervisor_for, wo))
    if policy.supervisor == Supervisor.ALWAYS:
        ctx.approved_by = ctx.require_supervisor(_what_for(policy.supervisor_for, wo))


def _what_for(template: str, wo: WorkOrder | None) -> str:
    return template.format(number=wo.number if wo is not None else "")


def _refuse(ctx: Context, wo: WorkOrder, status: WoStatus, action: Action) -> None:
    if status == WoStatus.BLOCKED and action == Action.START:
        # Name only what stock cannot cover now, by how much (not every material line).
        short = [f"{s.sku} ({fmt_qty(s.missing)})" for s in stock.shortages(ctx.session, wo)]
        what = ", short of " + ", ".join(short) if short else "; retry allocation first"
        raise stock.InsufficientStock(
            f"{wo.number} cannot start: it is blocked{what}.",
            short=short,
        )
    check_allowed(wo.number, status, action)


def _record_against_status(
    ctx: Context, wo: WorkOrder, status: WoStatus, noted_as: str, command: Any
) -> None:
    """A physical fact replayed from a kiosk is recorded whatever the status is now,
    flagged, and a supervisor is told (``ctx.against_status`` tells the handler)."""
    what = noted_as.format(qty=units_said(getattr(command, "qty", "?")))
    where = ctx.actor.workstation or "a kiosk"
    text = (
        f"{wo.number} was {status.label.lower()} when {what} from {where} arrived; "
        "it was recorded anyway. Please check."
    )
    ctx.against_status = True
    ctx.flag(text)
    ctx.notify(NotificationKind.FLAGGED_FACT, text, site_id=wo.site_id, work_order_id=wo.id)
    ctx.message(wo, "flagged", text)
