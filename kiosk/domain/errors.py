"""Domain errors: a stable machine code plus a sentence an operator can read."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused command. ``code`` is stable for machines; ``message`` is for people."""

    code = "domain_error"
    http_status = 409

    def __init__(self, message: str, *, code: str | None = None, **context: object) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.context = context

    def __str__(self) -> str:
        return self.message

    def on_refused(self, ctx: Any) -> None:
        """Records to keep even though the command rolled back (e.g. a failed PIN)."""


class ValidationError(DomainError):
    code = "validation"
    http_status = 422


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409


class InsufficientStock(DomainError):
    code = "insufficient_stock"
    http_status = 409


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class Unauthorized(DomainError):
    code = "unauthorized"
    http_status = 401


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class BomCycle(ValidationError):
    code = "bom_cycle"
