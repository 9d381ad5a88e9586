"""The cutting station's kiosk gets the table's work order by sync, shows the top's
step there, and its operator's "step done" reaches the server (a real server)."""

from __future__ import annotations

from kiosk.commands import (
    CompleteStep,
    ConfirmWorkOrder,
    CreateWorkOrder,
    ItemSpec,
    StartWorkOrder,
)
from tests.builders import OFFICE
from tests.sub_assemblies import CUT_INSTRUCTIONS, table_plant
from tests.sync.conftest import SyncWorld


def test_the_cutting_kiosk_pulls_the_tables_work_order_and_does_its_step(
    world: SyncWorld,
) -> None:
    table_plant(world.plant)
    result = world.plant.run(
        CreateWorkOrder(items=[ItemSpec("TABLE", 3)], workstation="ASM-1", actor=OFFICE)
    )
    wo_id = str(result.data["work_order_id"])
    world.plant.run(ConfirmWorkOrder(work_order_id=wo_id, actor=OFFICE))
    badge = world.operator("C001")

    cutting = world.kiosk("CUT-1")
    cutting.sync()
    mine = [r.number for r in cutting.station.board() if r.is_at("CUT-1")]
    assert mine == [world.plant.wo(wo_id).number]
    wo = cutting.station.work_order(wo_id)
    step = wo.steps[0]
    assert (step.name, step.workstation, step.instructions) == (
        "Top: Cut and glue",
        "CUT-1",
        CUT_INSTRUCTIONS,
    )

    world.clock_in(cutting, badge)
    cutting.run(StartWorkOrder(work_order_id=wo_id, actor=cutting.actor(badge)))
    cutting.run(CompleteStep(work_order_id=wo_id, step_id=step.id, actor=cutting.actor(badge)))
    cutting.sync()

    on_server = world.plant.wo(wo_id)
    assert [(s.name, s.done_by) for s in on_server.steps] == [
        ("Top: Cut and glue", badge),
        ("Assemble", None),
    ]
    assert not [r for r in cutting.station.board() if r.is_at("CUT-1")]
