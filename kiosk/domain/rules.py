"""Derived quantities, each computed in one function that the commands, the read side
(kiosk screens, the server's views) and the UI all call.

Plain decimals in, a decimal or a flag out: no session, no ORM rows.
"""

from __future__ import annotations

from decimal import Decimal

from kiosk.domain.enums import RESERVING_STATUSES, WoStatus

ZERO = Decimal(0)


def left_to_build(planned: Decimal, built: Decimal, scrapped: Decimal) -> Decimal:
    """Units of an item still to build. Scrapped units never become done, so building
    their replacements is not over plan; negative once more was built than planned."""
    return planned - (built - scrapped)


def outstanding_need(required: Decimal, reserved: Decimal, consumed: Decimal) -> Decimal:
    """What a material line still needs beyond what it used and what is held for it."""
    return max(required - consumed - reserved, ZERO)


#: Statuses whose "short" follows the site's free stock (no reservation held yet).
SHORT_FOLLOWS_STOCK = frozenset(
    s for s in WoStatus if not s.is_terminal and s not in RESERVING_STATUSES
)


def material_short(
    status: WoStatus,
    required: Decimal,
    reserved: Decimal,
    consumed: Decimal,
    available: Decimal,
) -> Decimal:
    """How much of a material a work order is short of now (zero: it is covered).

    A finished or cancelled order needs nothing. Where the status holds a reservation
    (ready and later), whatever is not reserved is short; before that (draft, blocked)
    only what the site's free stock cannot cover is.
    """
    if status.is_terminal:
        return ZERO
    need = outstanding_need(required, reserved, consumed)
    if status not in SHORT_FOLLOWS_STOCK:
        return need
    return max(need - max(available, ZERO), ZERO)
