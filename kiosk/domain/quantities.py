"""Parsing quantities from people and machines: exact decimals, never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kiosk.domain.errors import ValidationError

#: Anything above this is a typo, not a production quantity.
MAX_QTY = Decimal(1_000_000)
PLACES = 4


def parse_qty(
    value: object,
    *,
    what: str = "Quantity",
    whole: bool = False,
    allow_zero: bool = False,
    allow_negative: bool = False,
) -> Decimal:
    """Turn user or wire input into a Decimal, refusing what makes no sense on a shop floor."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{what} must be a number.", field=what)
    if isinstance(value, float):
        # JSON numbers arrive as floats; go through their shortest repr, never binary.
        value = repr(value)
    try:
        qty = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what} must be a number, not {value!r}.", field=what) from None
    if not qty.is_finite():
        raise ValidationError(f"{what} must be a number, not {value!r}.", field=what)
    if qty < 0 and not allow_negative:
        raise ValidationError(f"{what} cannot be negative ({qty}).", field=what)
    if qty == 0 and not allow_zero:
        raise ValidationError(f"{what} must be more than zero.", field=what)
    if abs(qty) > MAX_QTY:
        raise ValidationError(f"{what} {qty} is too large (at most {MAX_QTY}).", field=what)
    if whole and qty != qty.to_integral_value():
        raise ValidationError(f"{what} must be a whole number of units ({qty}).", field=what)
    if qty != qty.quantize(Decimal(1).scaleb(-PLACES), rounding="ROUND_DOWN"):
        raise ValidationError(f"{what} has more than {PLACES} decimal places.", field=what)
    return qty + Decimal(0)


def fmt_qty(qty: Decimal) -> str:
    """A quantity as people write it: 10, 2.5 (no exponent, no trailing zeros)."""
    if qty == qty.to_integral_value():
        return str(qty.quantize(Decimal(1)))
    return format(qty.normalize(), "f")


def units(qty: Decimal | int, unit: str = "unit") -> str:
    """A count as people say it: "1 unit", "3 units", "2.5 kg" (a measure is not plural)."""
    text = fmt_qty(Decimal(qty))
    if unit in ("unit", "pcs", "pc", "piece"):
        word = "unit" if unit == "unit" else "pc" if unit in ("pcs", "pc") else "piece"
        return f"{text} {word}" if Decimal(qty) == 1 else f"{text} {word}s"
    return f"{text} {unit}"


def units_said(raw: object) -> str:
    """Whatever a command carried as a count, in words for a message ("5 units"); never
    raises, because it names input that may still be refused."""
    try:
        qty = Decimal(str(raw).strip())
        if qty.is_finite() and abs(qty) <= MAX_QTY:
            return units(qty)
    except (InvalidOperation, ValueError):
        pass
    return f"{raw} units"
