"""Floor commands from the kiosk: start, log output, steps, holds, resume, complete, reverse."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from kiosk.commands.base import Command, Kind, Policy, Supervisor, Sync, handles
from kiosk.domain.enums import HoldReason, NotificationKind, WoStatus
from kiosk.domain.errors import (
    Conflict,
    NeedsSupervisor,
    NotClockedIn,
    NotFinished,
    NotFound,
    ValidationError,
)
from kiosk.domain.quantities import fmt_qty, parse_qty, units
from kiosk.domain.rules import left_to_build
from kiosk.domain.status import Action
from kiosk.services import stock
from kiosk.services.context import Context, set_status
from kiosk.services.labour import close_segments, open_segment
from kiosk.services.production import (
    consume_for_run,
    put_back_consumption,
    receive_done,
    remove_done,
)
from kiosk.store.base import new_id
from kiosk.store.models import BuildRun, ClockSession, Hold, WoItem, WorkOrder

ZERO = Decimal(0)


def is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def pick_item(wo: WorkOrder, sku: str | None, *, prefer: str = "remaining") -> WoItem:
    """The item a floor action is about: named by SKU, or the obvious one."""
    if sku:
        for item in wo.items:
            if item.product.sku_key == sku.strip().lower():
                return item
        raise NotFound(f"{wo.number} does not build {sku}.", sku=sku)
    if prefer == "awaiting_qc":
        waiting = [i for i in wo.items if i.qty_awaiting_qc > 0]
        if waiting:
            return waiting[0]
    else:
        left = [i for i in wo.items if i.qty_built < i.qty_planned]
        if left:
            return left[0]
    return wo.items[0]


def _require_clocked_in(ctx: Context) -> str:
    op = ctx.operator(ctx.actor.badge)
    clocked = ctx.session.scalars(
        select(ClockSession).where(
            ClockSession.operator_id == op.id, ClockSession.clocked_out_at.is_(None)
        )
    ).first()
    if clocked is None:
        raise NotClockedIn(f"{op.name}, clock in before starting work.")
    return op.id


@dataclass(frozen=True, kw_only=True)
class StartWorkOrder(Command):
    type_name = "start"
    policy = Policy(sync=Sync.PUSHED, action=Action.START, subject="your start")
    work_order_id: str


@handles(StartWorkOrder)
def start(ctx: Context, cmd: StartWorkOrder) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    operator_id = _require_clocked_in(ctx)
    set_status(wo, WoStatus.IN_PROGRESS)
    wo.started_at = cmd.at
    open_segment(ctx, wo, operator_id)
    return {}


@dataclass(frozen=True, kw_only=True)
class LogOutput(Command):
    """A build run: ``qty`` units built (or reworked); its id is made on the kiosk."""

    type_name = "log_output"
    policy = Policy(
        sync=Sync.PUSHED,
        kind=Kind.FACT,
        action=Action.LOG_OUTPUT,
        supervisor=Supervisor.SOMETIMES,  # more than is left to build
        subject="your {qty}",
        noted_as="output of {qty}",
    )
    work_order_id: str
    qty: Decimal | str | int
    rework: bool = False
    run_id: str = field(default_factory=new_id)
    sku: str | None = None


@handles(LogOutput)
def log_output(ctx: Context, cmd: LogOutput) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    ctx.operator(ctx.actor.badge)
    qty = parse_qty(cmd.qty, what="Units built", whole=True)
    if not is_uuid(cmd.run_id):
        # Made on the kiosk, so a retry or a sync counts the run once: it must be unique.
        raise ValidationError("A build run's id must be a UUID.", field="run_id")
    if ctx.session.get(BuildRun, cmd.run_id) is not None:
        raise Conflict("This build run is already recorded.", run_id=cmd.run_id)
    item = pick_item(wo, cmd.sku)
    run = BuildRun(
        id=cmd.run_id,
        work_order_id=wo.id,
        item_id=item.id,
        qty=qty,
        rework=bool(cmd.rework),
        operator_badge=ctx.actor.badge,
        at=cmd.at,
    )
    if cmd.rework:
        if qty > item.qty_rework_pending:
            raise ValidationError(
                f"Only {units(item.qty_rework_pending)} of {wo.number} wait for rework."
            )
        item.qty_rework_pending -= qty
        item.qty_awaiting_qc += qty
        ctx.session.add(run)
        return {"run_id": run.id}

    # Scrapped units never become done: building their replacements is not over plan.
    remaining = left_to_build(item.qty_planned, item.qty_built, item.qty_scrapped)
    if qty > remaining:
        why = f"log {units(qty)} when only {fmt_qty(max(remaining, ZERO))} remain to build"
        try:
            who = ctx.require_supervisor(why)
        except NeedsSupervisor:
            if not cmd.replayed:
                raise
            # Built while offline: the units exist whoever confirms them; flagged instead.
            who = ctx.who or "a kiosk"
            ctx.flag(f"{wo.number}: {units(qty)} over plan recorded without a supervisor.")
        run.over_plan = True
        ctx.notify(
            NotificationKind.OVER_PRODUCTION,
            f"{wo.number}: {units(qty - max(remaining, ZERO))} over plan, confirmed by {who}.",
            site_id=wo.site_id,
            work_order_id=wo.id,
        )
    ctx.session.add(run)
    ctx.session.flush()
    item.qty_built += qty
    consume_for_run(ctx, wo, item, run)
    if item.product.qc_required:
        item.qty_awaiting_qc += qty
    else:
        item.qty_done += qty
        receive_done(ctx, wo, item, qty, run.id)
    return {"run_id": run.id}


@dataclass(frozen=True, kw_only=True)
class CompleteStep(Command):
    type_name = "complete_step"
    policy = Policy(
        sync=Sync.PUSHED,
        kind=Kind.FACT,
        action=Action.COMPLETE_STEP,
        supervisor=Supervisor.SOMETIMES,  # skipping it
        subject="the finished step",
        noted_as="a finished step",
    )
    work_order_id: str
    step_id: str
    skip: bool = False


@handles(CompleteStep)
def complete_step(ctx: Context, cmd: CompleteStep) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    step = next((s for s in wo.steps if s.id == cmd.step_id), None)
    if step is None:
        raise NotFound(f"{wo.number} has no such step.", step_id=cmd.step_id)
    if step.done_at is not None:
        raise Conflict(f"Step “{step.name}” is already done.")
    who = ctx.require_supervisor("skip a step") if cmd.skip else ctx.operator(ctx.actor.badge).badge
    step.done_at = cmd.at
    step.done_by = who
    step.skipped = bool(cmd.skip)
    return {}


@dataclass(frozen=True, kw_only=True)
class RaiseHold(Command):
    type_name = "hold"
    policy = Policy(
        sync=Sync.PUSHED,
        kind=Kind.SAFETY,
        action=Action.HOLD,
        subject="your hold",
        noted_as="a hold",
    )
    work_order_id: str
    reason: str
    note: str = ""


@handles(RaiseHold)
def raise_hold(ctx: Context, cmd: RaiseHold) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    if ctx.against_status:
        # A safety call is never dropped: kept as a flagged note, the status stays.
        return {}
    try:
        reason = HoldReason(cmd.reason)
    except ValueError:
        choices = ", ".join(r.label.lower() for r in HoldReason)
        raise ValidationError(f"Choose a hold reason: {choices}.", field="reason") from None
    if reason == HoldReason.OTHER and not (cmd.note or "").strip():
        raise ValidationError("Say what the hold is for when the reason is “other”.")
    if ctx.who is None:
        raise NotClockedIn("Clock in first: a hold names who raised it.")
    ctx.session.add(
        Hold(
            id=new_id(),
            work_order_id=wo.id,
            reason=reason.value,
            note=(cmd.note or "").strip(),
            raised_by=ctx.who,
            raised_at=cmd.at,
        )
    )
    wo.status_before_hold = wo.status
    set_status(wo, WoStatus.ON_HOLD)
    close_segments(ctx, work_order_id=wo.id)
    return {}


@dataclass(frozen=True, kw_only=True)
class ResumeWorkOrder(Command):
    type_name = "resume"
    policy = Policy(
        sync=Sync.PUSHED,
        action=Action.RESUME,
        supervisor=Supervisor.ALWAYS,
        supervisor_for="release the hold on {number}",
        subject="the release of the hold",
    )
    work_order_id: str


@handles(ResumeWorkOrder)
def resume(ctx: Context, cmd: ResumeWorkOrder) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    who = ctx.approved_by
    hold = wo.open_hold
    if hold is not None:
        hold.released_at = cmd.at
        hold.released_by = who
    back_to = WoStatus(wo.status_before_hold or WoStatus.READY)
    set_status(wo, back_to)
    wo.status_before_hold = None
    if back_to == WoStatus.IN_PROGRESS and ctx.actor.badge:
        operator = ctx.operator(ctx.actor.badge)
        open_segment(ctx, wo, operator.id)
    return {"status": back_to.value}


@dataclass(frozen=True, kw_only=True)
class CompleteWorkOrder(Command):
    """Complete; ``close_short`` (a supervisor, with a ``reason``) ends it short of plan."""

    type_name = "complete"
    policy = Policy(
        sync=Sync.PUSHED,
        action=Action.COMPLETE,
        supervisor=Supervisor.SOMETIMES,  # closing it short
        subject="your completion",
    )
    work_order_id: str
    close_short: bool = False
    reason: str = ""


def missing_for_completion(wo: WorkOrder) -> list[str]:
    """What still stands between the WO and completion, in words."""
    missing = []
    for item in wo.items:
        name = item.product.sku
        if item.qty_awaiting_qc > 0:
            missing.append(f"{name}: {units(item.qty_awaiting_qc)} waiting for QC")
        if item.qty_rework_pending > 0:
            missing.append(f"{name}: {units(item.qty_rework_pending)} waiting for rework")
        if item.qty_done < item.qty_planned:
            left = item.qty_planned - item.qty_done
            missing.append(f"{name}: {units(left)} still to finish")
    pending = [s.name for s in wo.steps if s.done_at is None]
    if pending:
        missing.append("steps not done: " + ", ".join(pending))
    return missing


@handles(CompleteWorkOrder)
def complete(ctx: Context, cmd: CompleteWorkOrder) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    awaiting = [i for i in wo.items if i.qty_awaiting_qc > 0]
    if awaiting:
        raise Conflict(
            f"{wo.number} cannot be completed: "
            + ", ".join(
                f"{i.product.sku}: {units(i.qty_awaiting_qc)} waiting for QC" for i in awaiting
            )
            + ". Record QC first."
        )
    if cmd.close_short:
        _close_short(ctx, wo, cmd)
    else:
        missing = missing_for_completion(wo)
        if missing:
            raise NotFinished(
                f"{wo.number} cannot be completed yet: "
                + "; ".join(missing)
                + ". A supervisor can close it short.",
                missing=missing,
            )
    stock.release(ctx, wo)
    for line in wo.materials:
        # Reconcile the plan to what was actually used.
        line.qty_required = line.qty_consumed
    close_segments(ctx, work_order_id=wo.id)
    set_status(wo, WoStatus.COMPLETED)
    wo.finished_at = cmd.at
    return {}


def _close_short(ctx: Context, wo: WorkOrder, cmd: CompleteWorkOrder) -> None:
    """End it short of plan: say why, skip what is left, scrap what waited for rework,
    and write all of it on the work order where everyone sees it."""
    who = ctx.require_supervisor(f"close {wo.number} short")
    reason = (cmd.reason or "").strip() if isinstance(cmd.reason, str) else ""
    if not reason:
        if not cmd.replayed:
            raise ValidationError(f"Say why {wo.number} is closed short.", field="reason")
        reason = "no reason given"
    if len(reason) > 200:
        raise ValidationError("The reason is too long (at most 200 characters).", field="reason")
    wo.closed_short = True
    wo.close_reason = reason
    what = [
        f"{fmt_qty(item.qty_done)} of {units(item.qty_planned)} of {item.product.sku} finished"
        for item in wo.items
    ]
    for item in wo.items:
        if item.qty_rework_pending > 0:
            # Not coming back through rework any more: a loss, said as one.
            what.append(f"{units(item.qty_rework_pending)} waiting for rework scrapped")
            item.qty_scrapped += item.qty_rework_pending
            item.qty_rework_pending = ZERO
    skipped = [step.name for step in wo.steps if step.done_at is None]
    for step in wo.steps:
        if step.done_at is None:
            step.done_at, step.done_by, step.skipped = cmd.at, who, True
    if skipped:
        what.append("steps skipped: " + ", ".join(skipped))
    ctx.message(
        wo,
        "closed_short",
        f"Closed short by {ctx.name_of(who)}: {reason}. " + "; ".join(what) + ".",
    )


@dataclass(frozen=True, kw_only=True)
class ReverseRun(Command):
    type_name = "reverse_run"
    policy = Policy(
        sync=Sync.PUSHED,
        action=Action.REVERSE_RUN,
        supervisor=Supervisor.ALWAYS,
        supervisor_for="reverse a build run",
        subject="the reversed run",
    )
    work_order_id: str
    run_id: str


@handles(ReverseRun)
def reverse_run(ctx: Context, cmd: ReverseRun) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    who = ctx.approved_by
    run = ctx.session.get(BuildRun, cmd.run_id, with_for_update=True)
    if run is None or run.work_order_id != wo.id:
        raise NotFound(f"{wo.number} has no such build run.", run_id=cmd.run_id)
    if run.reversed_at is not None:
        raise Conflict("That build run was already reversed.")
    item = next(i for i in wo.items if i.id == run.item_id)
    if run.rework:
        if item.qty_awaiting_qc < run.qty:
            raise Conflict("Those reworked units have already been through QC.")
        item.qty_awaiting_qc -= run.qty
        item.qty_rework_pending += run.qty
    else:
        if item.product.qc_required:
            if item.qty_awaiting_qc < run.qty:
                # Nothing undoes a QC verdict on the floor: say so, not a step that is not there.
                raise Conflict(
                    "Those units have already been through QC, so this run cannot be "
                    "reversed. A supervisor can adjust the stock at the office."
                )
            item.qty_awaiting_qc -= run.qty
        else:
            if item.qty_done < run.qty:
                raise Conflict("Fewer units are done than this run built.")
            item.qty_done -= run.qty
            remove_done(ctx, wo, item, run.qty, run.id)
        item.qty_built -= run.qty
        put_back_consumption(ctx, wo, run)
        # The material is back on the shelf; hold it for this WO again where it can.
        stock.reserve_available(ctx, wo)
    run.reversed_at = cmd.at
    run.reversed_by = who
    return {}
