"""What the operator reads about an action the server flagged or refused: names, counts."""

from __future__ import annotations

from datetime import UTC, datetime

from sync.messages import plain_message
from sync.protocol import PushResult, WorkOrderNote

AT = datetime(2026, 12, 1, 10, 42, tzinfo=UTC)


def note(status: str, by: str) -> WorkOrderNote:
    return WorkOrderNote(id="wo", number="WO-000123", status=status, changed_at=AT, changed_by=by)


def test_a_person_who_changed_the_order_is_named_not_numbered() -> None:
    result = PushResult(
        id="c",
        seq=1,
        status="refused",
        code="invalid_transition",
        work_order=note("cancelled", "badge:9001"),
    )
    text = plain_message("start", {}, result, {"9001": "Grace Hopper"})
    assert "cancelled by Grace Hopper" in text
    assert "9001" not in text


def test_one_unit_is_one_unit() -> None:
    result = PushResult(id="c", seq=1, status="flagged", work_order=note("completed", "office"))
    assert "your 1 unit was recorded" in plain_message("log_output", {"qty": "1"}, result)
    assert "your 5 units were recorded" in plain_message("log_output", {"qty": "5"}, result)
