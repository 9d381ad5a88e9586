"""Screens and API clients decide on stable codes, never on a refusal's words."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kiosk.domain.errors import (
    DomainError,
    Forbidden,
    NeedsSupervisor,
    NotClockedIn,
    ValidationError,
)

ROOT = Path(__file__).resolve().parents[2]


def _attr(node: ast.AST) -> str | None:
    return node.attr if isinstance(node, ast.Attribute) else None


def test_no_screen_compares_a_refusal_to_words_or_to_a_literal_code() -> None:
    """``failure.code == "forbidden"`` once sent an operator who was not clocked in to
    the supervisor prompt; the codes come from the error classes instead."""
    found = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            names = {_attr(side) for side in sides}
            literal = any(
                isinstance(side, ast.Constant) and isinstance(side.value, str) for side in sides
            )
            if "message" in names or ({"code", "reason"} & names and literal):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


@pytest.mark.parametrize(
    ("error", "code", "reason", "status"),
    [
        (NeedsSupervisor("x"), "forbidden", "needs_supervisor", 403),
        (NotClockedIn("x"), "forbidden", "not_clocked_in", 403),
        (Forbidden("x"), "forbidden", "forbidden", 403),
        (ValidationError("x", reason="incomplete"), "validation", "incomplete", 422),
        (DomainError("x", code="not_on_work_order"), "not_on_work_order", "not_on_work_order", 409),
    ],
)
def test_code_is_the_broad_name_and_reason_the_finer_one(
    error: DomainError, code: str, reason: str, status: int
) -> None:
    assert (error.code, error.reason, error.http_status) == (code, reason, status)
