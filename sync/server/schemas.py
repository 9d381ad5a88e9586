"""The wire shapes of request bodies: bounded, typed, and strict about unknown fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
)

from sync.server.wire import Pin, PositiveQty, SignedQty, WholeQty, WholeQtyOrZero, text, whole


def _as_text_id(value: int) -> str:
    # Line ids arrive as numbers from some shops; they are names, not quantities.
    return str(value)


def _iso_text(value: object) -> object:
    # Lax datetimes take Unix numbers too; on the wire a time is ISO 8601 text.
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time, as text")
    return value


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Code = text(40, example="MAIN")
Sku = text(100, example="WIDGET")
Name = text(200)
Badge = text(64, example="7001")
Reason = text(500, blank=True)
LongText = text(5000, blank=True)
if TYPE_CHECKING:
    LineId = str
else:
    LineId = text(100) | Annotated[int, Strict(), AfterValidator(_as_text_id)]
#: An ISO 8601 date and time; without a zone it is UTC. Not a Unix number.
UtcTime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_utc)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- master data --------------------------------------------------------------------


class ProductIn(Body):
    sku: Sku  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]
    unit: text(20) | None = None  # type: ignore[valid-type]
    qc_required: StrictBool = False


class ProductPatch(Body):
    """What to change; a field left out (or null) stays as it is. The SKU stays."""

    name: Name | None = None  # type: ignore[valid-type]
    unit: text(20) | None = None  # type: ignore[valid-type]
    qc_required: StrictBool | None = Field(
        None,
        description="Applies from the next unit logged; not turned off while units of the "
        "product still await QC.",
    )


class BomLineIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty: PositiveQty


class StepIn(Body):
    name: Name  # type: ignore[valid-type]
    instructions: LongText = ""  # type: ignore[valid-type]
    workstation_type: text(60) | None = None  # type: ignore[valid-type]
    standard_minutes: PositiveQty | None = None


class BomIn(Body):
    output_qty: PositiveQty = "1"
    lines: list[BomLineIn] = Field(min_length=1, max_length=500)
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
    #: A new code: devices, stock, orders and routes refer to the site by id and follow.
    code: Code | None = None  # type: ignore[valid-type]
    #: true makes this the default site (the one a request naming no site means); the
    #: default moves, so false is never needed (and not accepted).
    is_default: Literal[True] | None = None


class WorkstationIn(Body):
    code: Code  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]
    type: text(60) | None = None  # type: ignore[valid-type]
    site: Code | None = None  # type: ignore[valid-type]


class WorkstationPatch(Body):
    """What to change; a field left out stays as it is. The code and site stay."""

    name: Name | None = None  # type: ignore[valid-type]
    type: text(60) | None = Field(  # type: ignore[valid-type]
        None, description="The workstation's type (steps name it); null clears it."
    )


class OperatorIn(Body):
    badge: Badge  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]
    pin: Pin
    role: Literal["operator", "supervisor"] = "operator"
    #: The site's code; left out: the person works at every site. Kiosks get the PIN
    #: hashes of their own site's people only.
    site: Code | None = None  # type: ignore[valid-type]


class OperatorPatch(Body):
    """What to change; a field left out stays as it is. The badge stays (it is printed)."""

    name: Name | None = None  # type: ignore[valid-type]
    role: Literal["operator", "supervisor"] | None = None
    site: Code | None = Field(  # type: ignore[valid-type]
        None, description="The site's code; null: the person works at every site."
    )
    pin: Pin | None = Field(
        None,
        description="A new PIN (reset): never stored or shown, only its hash; it also "
        "lifts a lockout of the badge.",
    )


class ReceiptIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty: PositiveQty
    site: Code | None = None  # type: ignore[valid-type]
    reason: Reason = ""  # type: ignore[valid-type]


class AdjustmentIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty_delta: SignedQty
    reason: text(500)  # type: ignore[valid-type]
    site: Code | None = None  # type: ignore[valid-type]


# -- work orders ----------------------------------------------------------------------


class ItemIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty: WholeQty


class MaterialIn(Body):
    sku: Sku  # type: ignore[valid-type]
    qty: PositiveQty
    for_sku: Sku | None = Field(  # type: ignore[valid-type]
        None,
        description="The item (by SKU) it is for; may be left out when there is one item.",
    )


class WorkOrderIn(Body):
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    materials: list[MaterialIn] = Field(
        default_factory=list,
        max_length=100,
        description="Materials planned by hand, replacing the spread of the items' BOMs "
        "(an item may then build a product without a BOM). Re-spreads keep them; a new "
        "item quantity scales them.",
    )
    name: Name | None = None  # type: ignore[valid-type]
    scheduled_at: UtcTime | None = None
    workstation: Code | None = None  # type: ignore[valid-type]
    priority: whole(1, 5) = 3  # type: ignore[valid-type]
    site: Code | None = None  # type: ignore[valid-type]
    notes: LongText = ""  # type: ignore[valid-type]


class WorkOrderPatch(Body):
    name: Name | None = None  # type: ignore[valid-type]
    notes: LongText | None = None  # type: ignore[valid-type]
    workstation: Code | None = None  # type: ignore[valid-type]
    scheduled_at: UtcTime | None = None
    priority: whole(1, 5) | None = None  # type: ignore[valid-type]
    #: New planned quantities of the items the work order already builds.
    items: list[ItemIn] | None = Field(None, max_length=50)


class CancelIn(Body):
    reason: Reason = ""  # type: ignore[valid-type]


# -- sales orders -----------------------------------------------------------------------


class SalesLineIn(Body):
    line_id: LineId
    sku: text(100)  # type: ignore[valid-type]
    qty: WholeQty


class SalesOrderIn(Body):
    external_id: LineId
    source: Literal["shopify", "api", "manual"] = "api"
    site: Code | None = None  # type: ignore[valid-type]
    lines: list[SalesLineIn] = Field(min_length=1, max_length=500)


class SalesLinePatch(Body):
    line_id: LineId
    #: Zero removes the line.
    qty: WholeQtyOrZero


class SalesOrderPatch(Body):
    # At least one line to change or to add: the command refuses an empty patch.
    lines: list[SalesLinePatch] = Field(
        default_factory=list, max_length=500, description="New quantities of existing lines."
    )
    added: list[SalesLineIn] = Field(
        default_factory=list,
        max_length=500,
        description="Lines added after the order was placed: covered from stock or by work "
        "orders like any other line. A patch names at least one line or one added line.",
    )


# -- devices and the rest -------------------------------------------------------------------


class EnrolmentCodeIn(Body):
    workstation: Code  # type: ignore[valid-type]


class EnrolIn(Body):
    code: text(100)  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]


class AcknowledgeIn(Body):
    #: A device acknowledges in the name of a supervisor (badge); an admin needs none.
    supervisor_badge: Badge | None = None  # type: ignore[valid-type]
