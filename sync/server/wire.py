r"""The scalar types of request bodies, each exactly as strict as its JSON Schema says.

The OpenAPI document is a contract: a request it allows must not be refused as invalid,
and one it forbids must not be accepted. So every rule the core would enforce on a
field's *shape* (a PIN is 4 to 8 digits, a quantity is more than zero, a reason is not
blank, no NUL byte) is written here as a pattern or bound that appears in the schema,
and the validator checks the raw value against that same pattern before any cleaning.
Rules that need the database (does the SKU exist, is there stock) stay in the core.

Patterns mean what ECMAScript (JSON Schema's dialect) means, and pydantic's Rust engine
agrees: ``$`` is the end of the text, so ``"5\n"`` is refused. (Python's ``re`` alone
would let ``$`` match before a final newline.) Character classes are spelled out rather
than ``\s``, which each engine defines differently.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StrictBool, StringConstraints

from kiosk.domain.quantities import MAX_QTY, PLACES, fmt_qty

#: What Python's ``str.strip()`` (used by the core) removes: a value made only of these
#: is blank. Spelled out because ``\s`` differs between Python, Rust and ECMAScript.
_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Any text without NUL (databases cannot store it).
NO_NUL = r"^[^\x00]*$"
#: Text with at least one character that is neither space nor NUL.
NOT_BLANK = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"
#: A PIN as the core checks it: ASCII digits only.
PIN = r"^[0-9]{4,8}$"

_MAX = int(MAX_QTY)
_STEP = Decimal(1).scaleb(-PLACES)
#: A positive whole number up to MAX_QTY, as text.
WHOLE = r"^0*(?:[1-9][0-9]{0,5}|1000000)$"
#: The same or zero.
WHOLE_OR_ZERO = r"^0*(?:[0-9]{1,6}|1000000)$"
#: A positive decimal up to MAX_QTY with at most PLACES decimals, as text.
_POSITIVE = (
    r"0*(?:[1-9][0-9]{0,5}(?:\.[0-9]{1,4})?|1000000(?:\.0{1,4})?"
    r"|0?\.(?:[1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9]))"
)
POSITIVE = rf"^{_POSITIVE}$"
#: The same with a sign: a non-zero change.
SIGNED = rf"^[-+]?{_POSITIVE}$"


def _strip(value: str) -> str:
    return value.strip()


def text(max_length: int, *, blank: bool = False, example: str | None = None) -> Any:
    """A text field: bounded, no NUL, not blank unless ``blank``; stripped once valid.

    The bounds apply to the text as sent (what the schema describes); the server then
    trims surrounding space, as the core would.
    """
    return Annotated[
        str,
        StringConstraints(
            min_length=0 if blank else 1,
            max_length=max_length,
            pattern=NO_NUL if blank else NOT_BLANK,
        ),
        AfterValidator(_strip),
        Field(examples=[example] if example is not None else None),
    ]


def _integral(value: object) -> object:
    # 2.0 is a whole number in JSON (and in JSON Schema); true is not a number at all.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole(ge: int, le: int) -> Any:
    """A JSON integer in [ge, le]: 2.0 counts (JSON Schema says so), "2" and true do not."""
    return Annotated[int, Strict(), Field(ge=ge, le=le), BeforeValidator(_integral)]


def _decimal_text(value: float) -> str:
    # A JSON number is binary: take it at the store's precision (0.1 means 0.1).
    return fmt_qty(Decimal(repr(value)).quantize(_STEP, rounding=ROUND_HALF_EVEN))


def _int_text(value: int) -> str:
    return str(value)


_NUMBER_NOTE = (
    "A JSON number is rounded to 4 decimal places; a string is taken exactly and refused with more."
)

if TYPE_CHECKING:
    # What a handler receives once validated: text, or a count as a Python int.
    WholeQty = int | str
    WholeQtyOrZero = int | str
    PositiveQty = str
    SignedQty = str
else:
    #: A count of units: a whole number more than zero, as a JSON integer or a string.
    WholeQty = Annotated[
        Annotated[int, Strict(), Field(ge=1, le=_MAX), BeforeValidator(_integral)]
        | Annotated[str, StringConstraints(pattern=WHOLE)],
        Field(examples=["12"], description="Whole units, more than zero."),
    ]

    #: A count that may be zero (a sales order line cut to nothing).
    WholeQtyOrZero = Annotated[
        Annotated[int, Strict(), Field(ge=0, le=_MAX), BeforeValidator(_integral)]
        | Annotated[str, StringConstraints(pattern=WHOLE_OR_ZERO)],
        Field(examples=["0"], description="Whole units; zero removes the line."),
    ]

    #: An amount of material: more than zero, at most 4 decimals, as a number or a string.
    PositiveQty = Annotated[
        Annotated[int, Strict(), Field(ge=1, le=_MAX), AfterValidator(_int_text)]
        | Annotated[float, Strict(), Field(ge=float(_STEP), le=_MAX), AfterValidator(_decimal_text)]
        | Annotated[str, StringConstraints(pattern=POSITIVE)],
        Field(examples=["2.5"], description="More than zero. " + _NUMBER_NOTE),
    ]

    #: A change of stock: not zero, either sign, at most 4 decimals.
    SignedQty = Annotated[
        Annotated[int, Strict(), Field(ge=1, le=_MAX), AfterValidator(_int_text)]
        | Annotated[int, Strict(), Field(ge=-_MAX, le=-1), AfterValidator(_int_text)]
        | Annotated[float, Strict(), Field(ge=float(_STEP), le=_MAX), AfterValidator(_decimal_text)]
        | Annotated[
            float, Strict(), Field(ge=-_MAX, le=-float(_STEP)), AfterValidator(_decimal_text)
        ]
        | Annotated[str, StringConstraints(pattern=SIGNED)],
        Field(
            examples=["-2.5"], description="Not zero; negative takes stock away. " + _NUMBER_NOTE
        ),
    ]

Pin = Annotated[str, StringConstraints(pattern=PIN), Field(examples=["4711"])]


def _query_bool(value: object) -> object:
    # A query string carries text: exactly "true" or "false", as the schema's boolean
    # is serialised; "1", "yes" or "on" are not booleans to the document.
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


#: A boolean query parameter, as strict as its schema.
QueryBool = Annotated[StrictBool, BeforeValidator(_query_bool)]
