"""What the operator reads about a pushed command the server flagged or refused."""

from __future__ import annotations

from typing import Any

from kiosk.commands import COMMAND_TYPES
from kiosk.domain.quantities import units_said
from sync.protocol import PushResult, WorkOrderNote


def what(command_type: str, payload: dict[str, Any]) -> str:
    cls = COMMAND_TYPES.get(command_type)
    template = cls.policy.subject if cls is not None else ""
    template = template or "your " + command_type.replace("_", " ")
    return template.format(qty=units_said(payload.get("qty", "?")))


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
            verb = "were" if subject.endswith(" units") else "was"
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
