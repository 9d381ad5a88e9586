"""Work orders whose materials the office planned by hand instead of spreading BOMs.

A one-off job (a repair, a prototype) has no BOM, or one that does not fit; the
office types the material lines. Every later step that would re-spread from BOMs
(confirm, retry, a stock receipt, a quantity change) must keep those lines.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.commands import (
    CompleteWorkOrder,
    ConfirmWorkOrder,
    CreateWorkOrder,
    EditWorkOrder,
    ItemSpec,
    LogOutput,
    MaterialSpec,
    SetProductActive,
    StartWorkOrder,
)
from kiosk.commands.work_orders import MAX_HAND_MATERIALS
from kiosk.domain import pins
from kiosk.domain.errors import Conflict, ValidationError
from kiosk.store.models import WorkOrder
from tests.builders import OFFICE, Plant, simple_plant


@pytest.fixture(autouse=True)
def _fast_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pins, "_N", 2**4)


def by_hand(plant: Plant, items: list[ItemSpec], materials: list[MaterialSpec]) -> str:
    result = plant.run(CreateWorkOrder(items=items, materials=materials, actor=OFFICE))
    return str(result.data["work_order_id"])


def lines(plant: Plant, wo: str) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {m.sku: (m.required, m.reserved, m.consumed) for m in plant.wo(wo).materials}


def test_a_product_without_a_bom_is_built_from_the_typed_materials(plant: Plant) -> None:
    simple_plant(plant)
    plant.product("BRACKET")  # a one-off: no BOM
    plant.receive("BOLT", 10)
    wo = by_hand(
        plant,
        [ItemSpec("BRACKET", 4)],
        [MaterialSpec("BOLT", 12), MaterialSpec("plate", "2.5")],
    )
    view = plant.wo(wo)
    assert view.materials_by_hand
    assert view.status == "draft"
    assert view.steps == ()  # no BOM, no routing
    assert lines(plant, wo) == {"BOLT": (12, 0, 0), "PLATE": (Decimal("2.5"), 0, 0)}

    # Confirm re-spreads: the typed lines stay, and are short of what is there.
    result = plant.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
    assert result.data["status"] == "blocked"
    assert lines(plant, wo) == {"BOLT": (12, 0, 0), "PLATE": (Decimal("2.5"), 0, 0)}

    # The receipt retries it; the lines are still the typed ones, now all reserved.
    plant.receive("PLATE", 3)
    plant.receive("BOLT", 2)
    assert plant.wo(wo).status == "ready"
    assert lines(plant, wo) == {
        "BOLT": (12, 12, 0),
        "PLATE": (Decimal("2.5"), Decimal("2.5"), 0),
    }
    assert plant.stock("BOLT").reserved == 12

    # Building consumes in proportion, as for a spread line.
    operator = plant.operator()
    plant.run(StartWorkOrder(work_order_id=wo, actor=operator))
    plant.run(LogOutput(work_order_id=wo, qty=2, actor=operator))
    assert lines(plant, wo)["BOLT"][2] == 6
    assert lines(plant, wo)["PLATE"][2] == Decimal("1.25")
    plant.run(LogOutput(work_order_id=wo, qty=2, actor=operator))
    plant.run(CompleteWorkOrder(work_order_id=wo, actor=operator))
    assert plant.wo(wo).status == "completed"
    assert plant.stock("BOLT").on_hand == 0
    assert plant.stock("PLATE").on_hand == Decimal("0.5")
    assert plant.stock("BRACKET").on_hand == 4


def test_typed_materials_replace_the_bom_but_its_steps_stay(plant: Plant) -> None:
    simple_plant(plant)  # WIDGET's BOM: 2 BOLT + 1 PLATE, steps Cut and Weld
    plant.receive("BOLT", 50)
    wo = by_hand(plant, [ItemSpec("WIDGET", 5)], [MaterialSpec("BOLT", 15)])
    plant.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
    view = plant.wo(wo)
    assert view.status == "ready"
    assert lines(plant, wo) == {"BOLT": (15, 15, 0)}  # no PLATE: the office said so
    assert [s.name for s in view.steps] == ["Cut", "Weld"]


def test_a_new_quantity_scales_the_typed_lines(plant: Plant) -> None:
    simple_plant(plant)
    plant.product("BRACKET")
    plant.receive("BOLT", 30)
    wo = by_hand(plant, [ItemSpec("BRACKET", 4)], [MaterialSpec("BOLT", 12)])
    plant.run(EditWorkOrder(work_order_id=wo, quantities={"BRACKET": 6}, actor=OFFICE))
    assert lines(plant, wo) == {"BOLT": (18, 0, 0)}  # draft: nothing reserved yet
    plant.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
    plant.run(EditWorkOrder(work_order_id=wo, quantities={"BRACKET": 2}, actor=OFFICE))
    assert lines(plant, wo) == {"BOLT": (6, 6, 0)}  # ready: the excess is released
    assert plant.stock("BOLT").reserved == 6
    assert plant.wo(wo).materials_by_hand


def test_several_items_each_get_their_own_typed_lines(plant: Plant) -> None:
    simple_plant(plant)
    plant.product("BRACKET")
    plant.product("HINGE")
    plant.receive("BOLT", 100)
    wo = by_hand(
        plant,
        [ItemSpec("BRACKET", 2), ItemSpec("HINGE", 10)],
        [MaterialSpec("BOLT", 4, for_sku="bracket"), MaterialSpec("BOLT", 20, for_sku="HINGE")],
    )
    plant.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
    view = plant.wo(wo)
    assert view.status == "ready"
    # The work order's list merges an item's lines by product.
    assert {m.sku: m.required for m in view.materials} == {"BOLT": 24}
    assert plant.stock("BOLT").reserved == 24


@pytest.mark.parametrize(
    ("items", "materials", "error", "says"),
    [
        ([ItemSpec("BRACKET", 1)], [MaterialSpec("BOLT", 0)], ValidationError, "more than zero"),
        ([ItemSpec("BRACKET", 1)], [MaterialSpec("BOLT", -3)], ValidationError, "negative"),
        ([ItemSpec("BRACKET", 1)], [MaterialSpec("BOLT", "NaN")], ValidationError, "number"),
        ([ItemSpec("BRACKET", 1)], [MaterialSpec("BOLT", "1e30")], ValidationError, "too large"),
        ([ItemSpec("BRACKET", 1)], [MaterialSpec("NOPE", 1)], Exception, "NOPE"),
        ([ItemSpec("BRACKET", 1)], [MaterialSpec("OLD", 1)], Conflict, "OLD"),
        ([ItemSpec("BRACKET", 1)], [MaterialSpec("BRACKET", 1)], ValidationError, "itself"),
        (
            [ItemSpec("BRACKET", 1)],
            [MaterialSpec("BOLT", 1), MaterialSpec("bolt", 2)],
            ValidationError,
            "twice",
        ),
        (
            [ItemSpec("BRACKET", 1), ItemSpec("WIDGET", 1)],
            [MaterialSpec("BOLT", 1)],
            ValidationError,
            "which item",
        ),
        (
            [ItemSpec("BRACKET", 1)],
            [MaterialSpec("BOLT", 1, for_sku="GADGET")],
            ValidationError,
            "does not build",
        ),
        ([ItemSpec("BRACKET", 1)], [], Conflict, "has no BOM"),
    ],
    ids=[
        "zero",
        "negative",
        "nan",
        "huge",
        "unknown",
        "inactive",
        "itself",
        "twice",
        "which item",
        "not an item",
        "no bom and none typed",
    ],
)
def test_bad_typed_materials_are_refused_and_nothing_is_made(
    plant: Plant,
    items: list[ItemSpec],
    materials: list[MaterialSpec],
    error: type[Exception],
    says: str,
) -> None:
    simple_plant(plant)
    plant.product("BRACKET")
    plant.product("OLD")
    plant.run(SetProductActive(sku="OLD", active=False, actor=OFFICE))
    before = plant.count(WorkOrder)
    with pytest.raises(error) as caught:
        plant.run(CreateWorkOrder(items=items, materials=materials, actor=OFFICE))
    assert says in str(caught.value)
    assert plant.count(WorkOrder) == before


def test_more_lines_than_a_person_types_are_refused(plant: Plant) -> None:
    simple_plant(plant)
    plant.product("BRACKET")
    too_many = [MaterialSpec("BOLT", 1, for_sku="BRACKET")] * (MAX_HAND_MATERIALS + 1)
    with pytest.raises(ValidationError, match="at most"):
        plant.run(CreateWorkOrder(items=[ItemSpec("BRACKET", 1)], materials=too_many, actor=OFFICE))
    assert plant.count(WorkOrder) == 0
