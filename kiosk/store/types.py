"""Column types that keep quantities exact and timestamps in UTC on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator

#: Quantities are stored as integers of 1/10,000 of a unit: exact on SQLite
#: (whose NUMERIC is a binary float) and PostgreSQL alike, and still comparable
#: in SQL, so CHECK constraints and conditional updates work on both.
QTY_SCALE = 10_000
QTY_PLACES = 4


class Quantity(TypeDecorator[Decimal]):
    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * QTY_SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"quantity {value} has more than {QTY_PLACES} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return plain(Decimal(int(value)).scaleb(-QTY_PLACES))


def plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (10, not 1E+1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes; SQLite hands back naive values, so re-attach UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the store keeps UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
