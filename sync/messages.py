"""What the operator reads about a pushed command the server flagged or refused."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk.domain.quantities import units
from sync.protocol import PushResult, WorkOrderNote

_WHAT = {
    "log_output": "your {qty}",
    "qc_disposition": "your QC verdict",
    "complete_step": "the finished step",
    "hold": "your hold",
    "start": "your start",
    "resume": "the release of the hold",
    "complete": "your completion",
    "reverse_run": "the reversed run",
    "clock_in": "the clock-in",
    "clock_out": "the clock-out",
}


def _count(qty: Any) -> str:
    try:
        return units(Decimal(str(qty)))
    except (InvalidOperation, ValueError):
        return f"{qty} units"


def what(command_type: str, payload: dict[str, Any]) -> str:
    template = _WHAT.get(command_type, "your " + command_type.replace("_", " "))
    return template.format(qty=_count(payload.get("qty", "?")))


def _who(changed_by: str | None, names: dict[str, str]) -> str:
    if not changed_by:
        return "someone"
    if changed_by == "office":
        return "the office"
    if changed_by == "system":
        return "the system"
    badge = changed_by.removeprefix("badge:")
    return names.get(badge, "badge " + badge)


def _situation(note: WorkOrderNote, names: dict[str, str]) -> str:
    status = note.status.replace("_", " ")
    text = f"{note.number} was {status} by {_who(note.changed_by, names)}"
    if note.changed_at is not None:
        text += " at " + note.changed_at.astimezone().strftime("%H:%M")
    return text


def plain_message(
    command_type: str,
    payload: dict[str, Any],
    result: PushResult,
    names: dict[str, str] | None = None,
) -> str:
    """E.g. "WO-000123 was cancelled by the office at 10:42; your 5 units were recorded
    and a supervisor was told." Empty for a command applied as intended."""
    if result.status == "applied":
        return ""
    names = names or {}
    subject = what(command_type, payload)
    if result.status == "flagged":
        if result.work_order is not None:
            verb = "were" if subject.endswith("s") and command_type == "log_output" else "was"
            return (
                f"{_situation(result.work_order, names)}; {subject} {verb} recorded "
                "and a supervisor was told."
            )
        return f"Recorded, but a supervisor will check it: {result.detail or ''}".strip()
    if result.work_order is not None and result.work_order.status in ("cancelled", "completed"):
        return (
            f"{_situation(result.work_order, names)}; {subject} was not applied. "
            "A supervisor was told."
        )
    return f"The server refused {subject}: {result.detail or result.code}. A supervisor was told."
