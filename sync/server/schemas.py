"""The wire shapes of request bodies: bounded, typed, and strict about unknown fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StringConstraints,
)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _as_text_id(value: object) -> object:
    # Line ids arrive as numbers from some shops; they are names, not quantities.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _text(max_length: int, min_length: int = 1) -> object:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


Code = _text(40)
Sku = _text(100)
Name = _text(200)
Badge = _text(64)
Reason = _text(500, 0)
LongText = _text(5000, 0)
LineId = Annotated[_text(100), BeforeValidator(_as_text_id)]  # type: ignore[misc]
UtcTime = Annotated[datetime, AfterValidator(_utc)]
#: A decimal quantity as a JSON string (``"2.5"``) or number; parsed exactly by the core.
Qty = Annotated[
    Annotated[str, StringConstraints(max_length=40)] | StrictInt | StrictFloat,
    Field(examples=["2.5"]),
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- master data --------------------------------------------------------------------


class ProductIn(Body):
    sku: Sku  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]
    unit: _text(20) | None = None  # type: ignore[valid-type]
    qc_required: bool = False


class BomLineIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty: Qty


class StepIn(Body):
    name: Name  # type: ignore[valid-type]
    instructions: LongText = ""  # type: ignore[valid-type]
    workstation_type: _text(60) | None = None  # type: ignore[valid-type]
    standard_minutes: Qty | None = None


class BomIn(Body):
    output_qty: Qty = 1
    lines: list[BomLineIn] = Field(max_length=500)
    steps: list[StepIn] = Field(default_factory=list, max_length=200)


IdentifyBy = Literal["badge_scan", "badge_and_pin"]


class SiteIn(Body):
    code: Code  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]
    #: How people identify at this site's kiosks: a badge scan alone, or a PIN with it.
    identify_by: IdentifyBy = "badge_scan"


class SitePatch(Body):
    name: Name | None = None  # type: ignore[valid-type]
    identify_by: IdentifyBy | None = None


class WorkstationIn(Body):
    code: Code  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]
    type: _text(60) | None = None  # type: ignore[valid-type]
    site: Code | None = None  # type: ignore[valid-type]


class OperatorIn(Body):
    badge: Badge  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]
    pin: Annotated[str, StringConstraints(max_length=8)]
    role: Literal["operator", "supervisor"] = "operator"
    #: The site's code; left out: the person works at every site. Kiosks get the PIN
    #: hashes of their own site's people only.
    site: Code | None = None  # type: ignore[valid-type]


class ReceiptIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty: Qty
    site: Code | None = None  # type: ignore[valid-type]
    reason: Reason = ""  # type: ignore[valid-type]


class AdjustmentIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty_delta: Qty
    reason: Reason  # type: ignore[valid-type]
    site: Code | None = None  # type: ignore[valid-type]


# -- work orders ----------------------------------------------------------------------


class ItemIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty: Qty


class WorkOrderIn(Body):
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    name: Name | None = None  # type: ignore[valid-type]
    scheduled_at: UtcTime | None = None
    workstation: Code | None = None  # type: ignore[valid-type]
    priority: int = Field(3, ge=1, le=5)
    site: Code | None = None  # type: ignore[valid-type]
    notes: LongText = ""  # type: ignore[valid-type]


class WorkOrderPatch(Body):
    name: Name | None = None  # type: ignore[valid-type]
    notes: LongText | None = None  # type: ignore[valid-type]
    workstation: Code | None = None  # type: ignore[valid-type]
    scheduled_at: UtcTime | None = None
    priority: int | None = Field(None, ge=1, le=5)
    #: New planned quantities of the items the work order already builds.
    items: list[ItemIn] | None = Field(None, max_length=50)


class CancelIn(Body):
    reason: Reason = ""  # type: ignore[valid-type]


# -- sales orders -----------------------------------------------------------------------


class SalesLineIn(Body):
    line_id: LineId
    sku: _text(100, 0)  # type: ignore[valid-type]
    qty: Qty


class SalesOrderIn(Body):
    external_id: LineId
    source: Literal["shopify", "api", "manual"] = "api"
    site: Code | None = None  # type: ignore[valid-type]
    lines: list[SalesLineIn] = Field(min_length=1, max_length=500)


class SalesLinePatch(Body):
    line_id: LineId
    qty: Qty


class SalesOrderPatch(Body):
    lines: list[SalesLinePatch] = Field(min_length=1, max_length=500)


# -- devices and the rest -------------------------------------------------------------------


class EnrolmentCodeIn(Body):
    workstation: Code  # type: ignore[valid-type]


class EnrolIn(Body):
    code: _text(100)  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]


class AcknowledgeIn(Body):
    #: A device acknowledges in the name of a supervisor (badge); an admin needs none.
    supervisor_badge: Badge | None = None  # type: ignore[valid-type]
