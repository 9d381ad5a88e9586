"""Domain errors: a stable machine code plus a sentence an operator can read."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused command. ``code`` is stable for machines; ``message`` is for people.

    ``code`` is the broad name API.md lists (``forbidden``, ``conflict``, …);
    ``reason`` is the finer stable name a client decides on (``needs_supervisor``,
    ``not_clocked_in``), the same as ``code`` where there is none finer. Nobody
    decides on the message's words.
    """

    code = "domain_error"
    #: A finer stable name than ``code``, declared by the subclasses that have one.
    reason_code: str | None = None
    http_status = 409

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        reason: str | None = None,
        **context: object,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if reason is not None:
            self.reason_code = reason
        self.context = context

    def __str__(self) -> str:
        return self.message

    @property
    def reason(self) -> str:
        return self.reason_code or self.code

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


class NeedsSupervisor(Forbidden):
    """Only a supervisor (or the office) may do this; a kiosk asks for one and retries."""

    reason_code = "needs_supervisor"


class NotClockedIn(Forbidden):
    """The action names an operator, and nobody (or not this person) is clocked in."""

    reason_code = "not_clocked_in"


class Unauthorized(DomainError):
    code = "unauthorized"
    http_status = 401


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class Deactivated(Conflict):
    """The site, workstation or product named was deactivated: nothing new goes to it."""

    reason_code = "deactivated"


class BadgeDeactivated(Forbidden):
    """The person's badge was deactivated at the office (a leaver): it identifies nobody."""

    reason_code = "badge_deactivated"


class NotFinished(Conflict):
    """Completion refused because work is left; a supervisor may close it short."""

    code = "not_finished"


class BomCycle(ValidationError):
    code = "bom_cycle"
