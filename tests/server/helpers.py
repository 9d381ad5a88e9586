"""Assertions shared by the server tests."""

from __future__ import annotations

from typing import Any

PROBLEM = "application/problem+json"


def problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    """Assert ``answer`` is a problem+json with this status and code; its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status
    return body
