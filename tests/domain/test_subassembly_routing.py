"""A sub-assembly's routing joins the work order (DOMAIN.md, "Sub-assemblies and routing").

A table whose top is a sub-assembly with its own BOM and a "Cut and glue" step at a
cutting station: the top's components are spread into the table's work order, the
top's step comes first, at the cutting station, and that station's board lists the
work order until its step is done.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from kiosk.commands import (
    CancelWorkOrder,
    CompleteStep,
    CompleteWorkOrder,
    ConfirmWorkOrder,
    IngestSalesOrder,
    LineSpec,
    LogOutput,
    StartWorkOrder,
    StepSpec,
)
from kiosk.domain.enums import WoStatus
from kiosk.queries import WorkOrderView
from kiosk.station import BoardRow, Station
from tests.builders import OFFICE, Plant
from tests.sub_assemblies import CUT_INSTRUCTIONS, bom, table_plant

D = Decimal

pytestmark = pytest.mark.usefixtures("cheap_pins")


def order_tables(plant: Plant, qty: int) -> str:
    """A sales order for tables; returns the work order the orchestrator made."""
    result = plant.run(
        IngestSalesOrder(external_id="SO-1", lines=[LineSpec("1", "TABLE", qty)], actor=OFFICE)
    )
    so = plant.sales_order(str(result.data["sales_order_id"]))
    (wo_id,) = so.lines[0].work_order_ids
    return wo_id


def board_at(engine: Engine, workstation: str) -> list[BoardRow]:
    """The rows the board at ``workstation`` shows in its own (not whole-plant) scope."""
    return [r for r in Station(engine, workstation, "test-kiosk").board() if r.is_at(workstation)]


def steps(wo: WorkOrderView) -> list[tuple[str, str | None, bool]]:
    return [(s.name, s.workstation, s.done) for s in wo.steps]


def test_the_tops_step_comes_first_at_the_cutting_station_end_to_end(
    plant: Plant, engine: Engine
) -> None:
    table_plant(plant)
    wo_id = order_tables(plant, 2)
    wo = plant.wo(wo_id)

    assert wo.status == WoStatus.READY
    assert wo.workstation == "ASM-1"  # the table is assembled there
    # The top is built, not taken from stock: its components are on the WO, not the top.
    assert {m.sku: m.required for m in wo.materials} == {
        "BOARD": D(4),
        "GLUE": D(2),
        "LEG": D(8),
        "SCREW": D(16),
    }
    assert steps(wo) == [("Top: Cut and glue", "CUT-1", False), ("Assemble", "ASM-1", False)]
    assert wo.steps[0].instructions == CUT_INSTRUCTIONS
    assert wo.steps[0].workstation_type == "cutting"

    # The cutting station has work: this WO, until its step there is done.
    assert [r.id for r in board_at(engine, "CUT-1")] == [wo_id]
    assert [r.id for r in board_at(engine, "ASM-1")] == [wo_id]
    assert board_at(engine, "PAINT-1") == []

    cutter = plant.operator(workstation="CUT-1")
    plant.run(StartWorkOrder(work_order_id=wo_id, actor=cutter))
    plant.run(CompleteStep(work_order_id=wo_id, step_id=wo.steps[0].id, actor=cutter))
    assert board_at(engine, "CUT-1") == []
    assert [r.id for r in board_at(engine, "ASM-1")] == [wo_id]

    assembler = plant.operator(workstation="ASM-1")
    plant.run(CompleteStep(work_order_id=wo_id, step_id=wo.steps[1].id, actor=assembler))
    plant.run(LogOutput(work_order_id=wo_id, qty=2, actor=assembler))
    plant.run(CompleteWorkOrder(work_order_id=wo_id, actor=assembler))

    done = plant.wo(wo_id)
    assert done.status == WoStatus.COMPLETED
    assert [(s.name, s.workstation, s.done_by) for s in done.steps] == [
        ("Top: Cut and glue", "CUT-1", cutter.badge),
        ("Assemble", "ASM-1", assembler.badge),
    ]
    assert plant.stock("BOARD").on_hand == 96
    assert plant.stock("TABLE").on_hand == 2


def test_nested_sub_assemblies_depth_first_and_one_used_on_two_lines(
    plant: Plant, engine: Engine
) -> None:
    """Table → top → panel (two levels), a shelf made of a panel too, and the top on
    two lines of the table's BOM."""
    table_plant(plant)
    plant.product("PANEL", name="Panel")
    plant.product("SHELF", name="Shelf")
    plant.workstation("PLANE-1", type="planing")
    bom(
        plant,
        "PANEL",
        [("BOARD", 1)],
        StepSpec("Plane", "Plane to 18 mm.", workstation_type="planing"),
    )
    bom(
        plant,
        "TOP",
        [("PANEL", 2), ("GLUE", 1)],
        StepSpec("Cut and glue", CUT_INSTRUCTIONS, workstation_type="cutting"),
    )
    bom(plant, "SHELF", [("PANEL", 1)], StepSpec("Drill", workstation_type="cutting"))
    bom(
        plant,
        "TABLE",
        [("TOP", 1), ("LEG", 4), ("SHELF", 1), ("TOP", 1)],
        StepSpec("Assemble", workstation_type="assembly"),
    )
    wo_id = plant.work_order("TABLE", 1)
    wo = plant.wo(wo_id)

    # Depth first, in BOM line order; each sub-assembly's steps once, however many lines.
    assert steps(wo) == [
        ("Panel: Plane", "PLANE-1", False),
        ("Top: Cut and glue", "CUT-1", False),
        ("Shelf: Drill", "CUT-1", False),  # one WO's cutting steps at one cutting station
        ("Assemble", "ASM-1", False),  # the WO has no station yet: one of its type
    ]
    # Two tops (4 panels) and a shelf (1 panel): 5 boards, all spread.
    assert {m.sku: m.required for m in wo.materials} == {
        "BOARD": D(5),
        "GLUE": D(2),
        "LEG": D(4),
    }
    for station in ("PLANE-1", "CUT-1"):
        assert [r.id for r in board_at(engine, station)] == [wo_id]


def test_a_sub_assembly_on_the_shelf_is_not_built_again(plant: Plant, engine: Engine) -> None:
    """Pre-assembled tops are drawn first: only the shortfall brings the cutting step."""
    table_plant(plant)
    plant.receive("TOP", 2)
    wo_id = order_tables(plant, 2)
    wo = plant.wo(wo_id)
    assert steps(wo) == [("Assemble", "ASM-1", False)]
    assert {m.sku: m.required for m in wo.materials}["TOP"] == 2
    assert board_at(engine, "CUT-1") == []


def test_the_routing_follows_a_re_spread_before_the_work_order_starts(
    plant: Plant, engine: Engine
) -> None:
    """Drafted while no top is on the shelf; confirmed after tops arrived: no cutting."""
    table_plant(plant)
    wo_id = plant.work_order("TABLE", 1, workstation="ASM-1")
    assert [s.name for s in plant.wo(wo_id).steps] == ["Top: Cut and glue", "Assemble"]
    plant.receive("TOP", 1)
    plant.run(ConfirmWorkOrder(work_order_id=wo_id, actor=OFFICE))
    assert steps(plant.wo(wo_id)) == [("Assemble", "ASM-1", False)]
    assert board_at(engine, "CUT-1") == []


def test_a_phantom_sub_assembly_without_steps_behaves_as_before(
    plant: Plant, engine: Engine
) -> None:
    table_plant(plant)
    bom(plant, "TOP", [("BOARD", 2), ("GLUE", 1)])  # a kit: no steps of its own
    wo_id = order_tables(plant, 1)
    wo = plant.wo(wo_id)
    assert steps(wo) == [("Assemble", "ASM-1", False)]
    assert {m.sku for m in wo.materials} == {"BOARD", "GLUE", "LEG", "SCREW"}
    assert board_at(engine, "CUT-1") == []


def test_a_step_whose_station_type_the_site_lacks_stays_at_the_work_orders_station(
    plant: Plant, engine: Engine
) -> None:
    table_plant(plant)
    bom(
        plant,
        "TOP",
        [("BOARD", 2)],
        StepSpec("Veneer", workstation_type="veneering"),  # no veneering station here
    )
    wo_id = order_tables(plant, 1)
    assert steps(plant.wo(wo_id)) == [("Top: Veneer", "ASM-1", False), ("Assemble", "ASM-1", False)]
    assert [r.id for r in board_at(engine, "ASM-1")] == [wo_id]


def test_a_cancelled_work_order_leaves_the_cutting_board(plant: Plant, engine: Engine) -> None:
    table_plant(plant)
    wo_id = order_tables(plant, 1)
    assert [r.id for r in board_at(engine, "CUT-1")] == [wo_id]
    plant.run(CancelWorkOrder(work_order_id=wo_id, actor=OFFICE))
    assert board_at(engine, "CUT-1") == []
