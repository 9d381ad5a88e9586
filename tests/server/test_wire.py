"""The wire types say in their schema exactly what the server and the core accept.

Schemathesis checks the whole API against the document; these pin the pieces: each
pattern accepts only what the core accepts (soundness), every quantity the server
itself writes is valid input again (completeness for canonical forms), and the
pydantic validator and the pattern agree on the edge cases that differ between regex
engines (a trailing newline, Unicode digits and spaces).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from kiosk.domain.errors import ValidationError as DomainValidationError
from kiosk.domain.pins import check_pin_format
from kiosk.domain.quantities import MAX_QTY, fmt_qty, parse_qty
from sync.server import wire

POSITIVE = TypeAdapter(wire.PositiveQty)
WHOLE = TypeAdapter(wire.WholeQty)
SIGNED = TypeAdapter(wire.SignedQty)
PIN = TypeAdapter(wire.Pin)
REASON = TypeAdapter(wire.text(500))


def accepts(adapter: TypeAdapter[Any], value: object) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def core_accepts(value: str, *, whole: bool = False, allow_negative: bool = False) -> bool:
    try:
        parse_qty(value, whole=whole, allow_negative=allow_negative)
    except DomainValidationError:
        return False
    return True


@given(st.from_regex(wire.POSITIVE, fullmatch=True))
def test_every_positive_quantity_the_schema_allows_the_core_takes(text: str) -> None:
    assert accepts(POSITIVE, text)
    assert core_accepts(text)


@given(st.from_regex(wire.WHOLE, fullmatch=True))
def test_every_whole_quantity_the_schema_allows_the_core_takes(text: str) -> None:
    assert accepts(WHOLE, text)
    assert core_accepts(text, whole=True)


@given(st.from_regex(wire.SIGNED, fullmatch=True))
def test_every_stock_change_the_schema_allows_the_core_takes(text: str) -> None:
    assert accepts(SIGNED, text)
    assert core_accepts(text, allow_negative=True)


@given(st.decimals(min_value=Decimal("0.0001"), max_value=MAX_QTY, places=4))
def test_what_the_server_writes_it_reads_back(qty: Decimal) -> None:
    text = fmt_qty(qty)
    assert re.fullmatch(wire.POSITIVE, text), text
    assert re.fullmatch(wire.SIGNED, "-" + text), text
    if qty == qty.to_integral_value():
        assert re.fullmatch(wire.WHOLE, text), text


@pytest.mark.parametrize(
    "value",
    ["0", "0.0", "00", "-1", "1000000.0001", "1000001", "0.00001", "1e3", " 5", "5\n", "", "٣"],
)
def test_quantities_the_core_refuses_the_schema_refuses_too(value: str) -> None:
    assert not accepts(POSITIVE, value)
    # Python's re lets $ match before a final newline; ECMAScript and the validator do not.
    assert re.search(wire.POSITIVE, value) is None or value.endswith("\n")
    assert not accepts(WHOLE, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2, "2"), (2.5, "2.5"), (0.1, "0.1"), (0.00015, "0.0002"), (1_000_000, "1000000")],
)
def test_json_numbers_arrive_at_the_stores_precision(value: float, expected: str) -> None:
    assert POSITIVE.validate_python(value) == expected


@pytest.mark.parametrize("value", [0, 0.0, 0.00004, -1, True, 1_000_001, "2.5"])
def test_whole_counts_refuse_what_is_not_a_count(value: object) -> None:
    assert not accepts(WHOLE, value)


def test_a_whole_float_is_a_count() -> None:
    assert WHOLE.validate_python(3.0) == 3


def test_stock_changes_are_never_zero() -> None:
    for zero in (0, 0.0, "0", "-0", "+0.0000", -0.00004):
        assert not accepts(SIGNED, zero), zero
    assert SIGNED.validate_python(-2.5) == "-2.5"


@pytest.mark.parametrize("pin", ["4711", "12345678"])
def test_pins_of_ascii_digits_pass_both(pin: str) -> None:
    assert accepts(PIN, pin)
    check_pin_format(pin)


@pytest.mark.parametrize("pin", ["", "123", "123456789", "12a4", "１２３４", "١٢٣٤", "4711\n"])
def test_pins_that_are_not_4_to_8_ascii_digits_fail_both(pin: str) -> None:
    assert not accepts(PIN, pin)
    with pytest.raises(DomainValidationError):
        check_pin_format(pin)


@given(st.text(max_size=20))
def test_not_blank_means_what_the_core_strips_to(text: str) -> None:
    # The core strips with Python's notion of space; the pattern must share it.
    expected = bool(text.strip()) and "\x00" not in text
    assert (re.search(wire.NOT_BLANK, text) is not None) == expected
    assert accepts(REASON, text) == expected


def test_text_is_trimmed_once_valid() -> None:
    assert REASON.validate_python("  jammed feeder  ") == "jammed feeder"
    for blank in (" ", "\xa0", "\x1c", "\u3000\t", "a\x00b"):
        assert not accepts(REASON, blank), repr(blank)


def test_a_query_boolean_is_true_or_false_only() -> None:
    flag = TypeAdapter(wire.QueryBool)
    assert flag.validate_python("true") is True
    assert flag.validate_python("false") is False
    for other in ("1", "yes", "on", "True", 0):
        assert not accepts(flag, other), other
