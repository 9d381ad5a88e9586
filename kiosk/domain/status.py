"""The work-order status table: which action each status allows, and nothing else."""

from __future__ import annotations

from enum import StrEnum

from kiosk.domain.enums import WoStatus
from kiosk.domain.errors import InvalidTransition


class Action(StrEnum):
    EDIT = "edit"
    CONFIRM = "confirm"
    RETRY_ALLOCATION = "retry_allocation"
    START = "start"
    LOG_OUTPUT = "log_output"
    COMPLETE_STEP = "complete_step"
    QC = "qc"
    HOLD = "hold"
    RESUME = "resume"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REVERSE_RUN = "reverse_run"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_ALLOWED: dict[WoStatus, frozenset[Action]] = {
    WoStatus.DRAFT: frozenset({Action.EDIT, Action.CONFIRM, Action.CANCEL}),
    WoStatus.BLOCKED: frozenset({Action.EDIT, Action.RETRY_ALLOCATION, Action.CANCEL}),
    WoStatus.READY: frozenset({Action.START, Action.HOLD, Action.EDIT, Action.CANCEL}),
    WoStatus.IN_PROGRESS: frozenset(
        {
            Action.LOG_OUTPUT,
            Action.COMPLETE_STEP,
            Action.QC,
            Action.HOLD,
            Action.EDIT,
            Action.COMPLETE,
            Action.CANCEL,
            Action.REVERSE_RUN,
        }
    ),
    WoStatus.ON_HOLD: frozenset({Action.RESUME, Action.QC, Action.CANCEL, Action.REVERSE_RUN}),
    WoStatus.COMPLETED: frozenset(),
    WoStatus.CANCELLED: frozenset(),
}

#: Actions that need a supervisor in these statuses (the office/admin counts as one).
_SUPERVISOR_ONLY: dict[WoStatus, frozenset[Action]] = {
    WoStatus.IN_PROGRESS: frozenset({Action.CANCEL, Action.REVERSE_RUN}),
    WoStatus.ON_HOLD: frozenset({Action.CANCEL, Action.RESUME, Action.REVERSE_RUN}),
}

# Fixed order for messages, following the flow of work.
_ORDER = list(Action)


def allowed_actions(status: WoStatus) -> list[Action]:
    allowed = _ALLOWED[status]
    return [a for a in _ORDER if a in allowed]


def is_allowed(status: WoStatus, action: Action) -> bool:
    return action in _ALLOWED[status]


def needs_supervisor(status: WoStatus, action: Action) -> bool:
    return action in _SUPERVISOR_ONLY.get(status, frozenset())


def check_allowed(number: str, status: WoStatus, action: Action) -> None:
    """Refuse ``action`` unless the status table allows it, naming what is allowed instead."""
    if is_allowed(status, action):
        return
    allowed = allowed_actions(status)
    if allowed:
        instead = "Allowed now: " + ", ".join(a.label for a in allowed) + "."
    else:
        instead = "It is read-only."
    raise InvalidTransition(
        f"Cannot {action.label} {number}: it is {status.label.lower()}. {instead}",
        status=status.value,
        action=action.value,
        allowed=[a.value for a in allowed],
    )
