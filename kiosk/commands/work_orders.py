"""Office commands on work orders: create, edit, confirm, retry allocation, cancel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from kiosk.commands.base import Command, Policy, Supervisor, Sync, handles
from kiosk.domain.enums import WoStatus, WoType
from kiosk.domain.errors import Conflict, InvalidTransition, ValidationError
from kiosk.domain.quantities import parse_qty
from kiosk.domain.status import Action
from kiosk.services import stock
from kiosk.services.context import Context
from kiosk.services.lookup import active_product, active_site, active_workstation
from kiosk.services.materials import rescale_item
from kiosk.services.planning import (
    HandMaterial,
    PlannedItem,
    allocate_or_block,
    cancel_work_order,
    new_work_order,
    replan,
)
from kiosk.store.models import WorkOrder


@dataclass(frozen=True)
class ItemSpec:
    sku: str
    qty: Decimal | str | int


@dataclass(frozen=True)
class MaterialSpec:
    """A material planned by hand: ``qty`` of ``sku`` for the whole of the item that
    builds ``for_sku`` (which may be left out when the work order has one item)."""

    sku: str
    qty: Decimal | str | int
    for_sku: str | None = None


#: More material lines than a person plans by hand on one work order.
MAX_HAND_MATERIALS = 100


def parse_priority(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError("Priority is a whole number from 1 (most urgent) to 5.")
    return value


@dataclass(frozen=True, kw_only=True)
class CreateWorkOrder(Command):
    type_name = "create_work_order"
    policy = Policy(sync=Sync.OFFICE)
    items: list[ItemSpec]
    name: str | None = None
    site: str | None = None
    workstation: str | None = None
    scheduled_at: datetime | None = None
    priority: int = 3
    notes: str = ""
    #: Materials planned by hand instead of spread from the items' BOMs.
    materials: list[MaterialSpec] = field(default_factory=list)


@handles(CreateWorkOrder)
def create_work_order(ctx: Context, cmd: CreateWorkOrder) -> dict[str, Any]:
    site = active_site(ctx.session, cmd.site, purpose="take new work orders")
    items = [
        PlannedItem(
            active_product(ctx.session, spec.sku, purpose="go on a new work order"),
            parse_qty(spec.qty, what=f"Quantity of {spec.sku}", whole=True),
        )
        for spec in cmd.items
    ]
    workstation = (
        active_workstation(ctx.session, cmd.workstation, purpose="be given new work orders")
        if cmd.workstation
        else None
    )
    wo = new_work_order(
        ctx,
        site,
        items,
        wo_type=WoType.MTS,
        name=cmd.name,
        workstation=workstation,
        scheduled_at=cmd.scheduled_at,
        priority=parse_priority(cmd.priority),
        notes=cmd.notes or "",
        materials=hand_materials(ctx, items, cmd.materials),
    )
    return {"work_order_id": wo.id, "number": wo.number}


def hand_materials(
    ctx: Context, items: list[PlannedItem], specs: list[MaterialSpec]
) -> list[HandMaterial]:
    """Check the hand-planned lines: each names an active product, a quantity above
    zero and the item it is for; none is the product it goes into or listed twice."""
    if len(specs) > MAX_HAND_MATERIALS:
        raise ValidationError(
            f"A work order takes at most {MAX_HAND_MATERIALS} materials planned by hand.",
            field="materials",
        )
    position = {item.product.sku_key: n for n, item in enumerate(items)}
    lines: list[HandMaterial] = []
    seen: set[tuple[int, str]] = set()
    for spec in specs:
        product = active_product(ctx.session, spec.sku, purpose="be planned as a material")
        qty = parse_qty(spec.qty, what=f"Quantity of {product.sku}")
        if spec.for_sku:
            item = position.get(spec.for_sku.strip().lower())
            if item is None:
                raise ValidationError(
                    f"{product.sku} is planned for {spec.for_sku}, which this work order "
                    "does not build.",
                    reason="material_item_unknown",
                    field="materials",
                )
        elif len(items) == 1:
            item = 0
        else:
            raise ValidationError(
                f"Say which item {product.sku} is for: this work order builds several.",
                reason="material_item_unknown",
                field="materials",
            )
        builds = items[item].product
        if product.id == builds.id:
            raise ValidationError(
                f"{product.sku} cannot be a material of itself.",
                reason="material_of_itself",
                field="materials",
            )
        if (item, product.id) in seen:
            raise ValidationError(
                f"{product.sku} is listed twice for {builds.sku}: give it once, with the "
                "whole quantity.",
                reason="material_listed_twice",
                field="materials",
            )
        seen.add((item, product.id))
        lines.append(HandMaterial(item, product, qty))
    return lines


@dataclass(frozen=True, kw_only=True)
class EditWorkOrder(Command):
    """Change what the status allows; ``None`` leaves a field as it is."""

    type_name = "edit_work_order"
    policy = Policy(sync=Sync.OFFICE, action=Action.EDIT)
    work_order_id: str
    name: str | None = None
    notes: str | None = None
    workstation: str | None = None
    scheduled_at: datetime | None = None
    priority: int | None = None
    #: New planned quantity per SKU of the existing items.
    quantities: dict[str, Decimal | str | int] | None = None


@handles(EditWorkOrder)
def edit_work_order(ctx: Context, cmd: EditWorkOrder) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    status = WoStatus(wo.status)
    started = status == WoStatus.IN_PROGRESS
    if started and any(
        v is not None for v in (cmd.name, cmd.workstation, cmd.scheduled_at, cmd.priority)
    ):
        raise InvalidTransition(
            f"{wo.number} is in progress: only its quantities and notes can change."
        )
    if cmd.name is not None:
        if not cmd.name.strip():
            raise ValidationError("The name cannot be empty.", field="name")
        wo.name = cmd.name.strip()
    if cmd.notes is not None:
        wo.notes = cmd.notes
    if cmd.workstation is not None and (
        wo.workstation is None or wo.workstation.code != cmd.workstation
    ):
        wo.workstation = active_workstation(
            ctx.session, cmd.workstation, purpose="be given new work orders"
        )
    if cmd.scheduled_at is not None:
        wo.scheduled_at = cmd.scheduled_at
    if cmd.priority is not None:
        wo.priority = parse_priority(cmd.priority)
    if cmd.quantities:
        _change_quantities(ctx, wo, cmd.quantities, started=started)
    return {}


def _change_quantities(
    ctx: Context, wo: WorkOrder, quantities: dict[str, Decimal | str | int], *, started: bool
) -> None:
    by_sku = {item.product.sku_key: item for item in wo.items}
    for sku, raw in quantities.items():
        item = by_sku.get(sku.strip().lower())
        if item is None:
            raise Conflict(f"{wo.number} does not build {sku}.", code="not_on_work_order", sku=sku)
        qty = parse_qty(raw, what=f"Quantity of {sku}", whole=True)
        if started:
            if qty < item.qty_done:
                raise Conflict(
                    f"{qty} is less than the {item.qty_done} already done on {wo.number}."
                )
            rescale_item(wo, item, qty)
        elif wo.materials_by_hand:  # no BOM to spread again: the typed lines scale
            rescale_item(wo, item, qty)
        else:
            item.qty_planned = qty
    if started:
        stock.release_excess(ctx, wo)
        stock.reserve_available(ctx, wo)
    else:
        replan(ctx, wo)


@dataclass(frozen=True, kw_only=True)
class ConfirmWorkOrder(Command):
    type_name = "confirm"
    policy = Policy(sync=Sync.OFFICE, action=Action.CONFIRM)
    work_order_id: str


@handles(ConfirmWorkOrder)
def confirm(ctx: Context, cmd: ConfirmWorkOrder) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    shortages = allocate_or_block(ctx, wo)
    return {"status": wo.status, "short": [s.describe() for s in shortages]}


@dataclass(frozen=True, kw_only=True)
class RetryAllocation(Command):
    type_name = "retry_allocation"
    policy = Policy(sync=Sync.OFFICE, action=Action.RETRY_ALLOCATION)
    work_order_id: str


@handles(RetryAllocation)
def retry_allocation(ctx: Context, cmd: RetryAllocation) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    shortages = allocate_or_block(ctx, wo)
    return {"status": wo.status, "short": [s.describe() for s in shortages]}


@dataclass(frozen=True, kw_only=True)
class CancelWorkOrder(Command):
    type_name = "cancel"
    policy = Policy(
        sync=Sync.PUSHED,
        action=Action.CANCEL,
        supervisor=Supervisor.BY_STATUS,
        supervisor_for="cancel {number} once it has started",
    )
    work_order_id: str
    reason: str = ""


@handles(CancelWorkOrder)
def cancel(ctx: Context, cmd: CancelWorkOrder) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    cancel_work_order(ctx, wo, cmd.reason or "cancelled")
    return {}
