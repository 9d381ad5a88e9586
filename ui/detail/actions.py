"""Which floor actions a work order offers now: the core's status table plus what is left."""

from __future__ import annotations

from enum import StrEnum

from kiosk.domain.status import Action, is_allowed
from kiosk.queries import WorkOrderView


class Button(StrEnum):
    START = "start"
    LOG_OUTPUT = "log_output"
    STEP_DONE = "step_done"
    HOLD = "hold"
    RESUME = "resume"
    QC = "qc"
    COMPLETE = "complete"
    MORE = "more"


def enabled_buttons(wo: WorkOrderView) -> set[Button]:
    """Buttons to enable; the core still decides (and explains) when a command arrives."""
    status = wo.status
    on = set()
    if is_allowed(status, Action.START):
        on.add(Button.START)
    if is_allowed(status, Action.LOG_OUTPUT):
        on.add(Button.LOG_OUTPUT)
    if is_allowed(status, Action.COMPLETE_STEP) and any(not s.done for s in wo.steps):
        on.add(Button.STEP_DONE)
    if is_allowed(status, Action.HOLD):
        on.add(Button.HOLD)
    if is_allowed(status, Action.RESUME):
        on.add(Button.RESUME)
    if is_allowed(status, Action.QC) and any(i.qty_awaiting_qc > 0 for i in wo.items):
        on.add(Button.QC)
    if is_allowed(status, Action.COMPLETE):
        on.add(Button.COMPLETE)
    if more_actions(wo):
        on.add(Button.MORE)
    return on


class More(StrEnum):
    REVERSE_RUN = "reverse_run"
    SKIP_STEP = "skip_step"
    ACCEPT_CHANGE = "accept_change"
    KEEP_AS_STOCK = "keep_as_stock"
    CANCEL = "cancel"


def more_actions(wo: WorkOrderView) -> list[More]:
    """The supervisor's actions behind “More”, in the order they are shown."""
    status = wo.status
    found = []
    if is_allowed(status, Action.REVERSE_RUN) and any(not r.reversed for r in wo.runs):
        found.append(More.REVERSE_RUN)
    if is_allowed(status, Action.COMPLETE_STEP) and any(not s.done for s in wo.steps):
        found.append(More.SKIP_STEP)
    if wo.unlink_pending and not status.is_terminal:
        found += [More.ACCEPT_CHANGE, More.KEEP_AS_STOCK]
    if is_allowed(status, Action.CANCEL):
        found.append(More.CANCEL)
    return found
