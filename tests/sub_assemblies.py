"""The issue's table for tests: a top that is a sub-assembly with a step at a cutting
station, built into a table at an assembly station (through the real commands)."""

from __future__ import annotations

from kiosk.commands import BomLineSpec, SetBom, StepSpec
from tests.builders import OFFICE, Plant

CUT_INSTRUCTIONS = "Cut two boards to 1200 mm, glue edge to edge, clamp 30 min."


def bom(plant: Plant, sku: str, lines: list[tuple[str, int]], *steps: StepSpec) -> None:
    """A BOM with (sku, qty) lines — the same sku may be on two lines — and steps."""
    plant.run(
        SetBom(
            sku=sku,
            lines=[BomLineSpec(s, q) for s, q in lines],
            steps=list(steps),
            actor=OFFICE,
        )
    )


def table_plant(plant: Plant) -> None:
    """The issue's table: a top (2 boards, glue; cut and glue at a cutting station),
    4 legs and 8 screws, assembled at an assembly station."""
    for sku, name in [
        ("TABLE", "Table"),
        ("TOP", "Top"),
        ("BOARD", "Board"),
        ("GLUE", "Glue"),
        ("LEG", "Leg"),
        ("SCREW", "Screw"),
    ]:
        plant.product(sku, name=name)
    plant.workstation("ASM-1", type="assembly")
    plant.workstation("CUT-1", type="cutting")
    plant.workstation("PAINT-1", type="painting")
    bom(
        plant,
        "TOP",
        [("BOARD", 2), ("GLUE", 1)],
        StepSpec("Cut and glue", CUT_INSTRUCTIONS, workstation_type="cutting"),
    )
    bom(
        plant,
        "TABLE",
        [("TOP", 1), ("LEG", 4), ("SCREW", 8)],
        StepSpec("Assemble", "Screw the legs to the top.", workstation_type="assembly"),
    )
    for sku in ("BOARD", "GLUE", "LEG", "SCREW"):
        plant.receive(sku, 100)
