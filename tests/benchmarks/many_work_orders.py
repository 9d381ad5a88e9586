"""A demo plant with thousands of work orders, made fast by cloning the demo's own rows.

Only for reading benchmarks (board, filters, memory): the clones copy the demo work
orders' items, materials and steps with new ids and numbers, written in one
transaction instead of thousands of commands.
"""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select

from kiosk.store.models import WoItem, WoMaterial, WorkOrder, WoStep


def _rows(conn: Any, model: type) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(model.__table__))]


def add_work_orders(engine: Engine, count: int) -> None:
    with engine.begin() as conn:
        orders = _rows(conn, WorkOrder)
        items = _rows(conn, WoItem)
        materials = _rows(conn, WoMaterial)
        steps = _rows(conn, WoStep)
        new_orders, new_items, new_materials, new_steps = [], [], [], []
        templates = itertools.cycle(orders)
        for n in range(count):
            template = next(templates)
            wo_id = str(uuid.uuid4())
            new_orders.append(
                template
                | {"id": wo_id, "number": f"WO-{100000 + n:06d}", "name": f"{template['name']} {n}"}
            )
            item_ids = {}
            for item in (i for i in items if i["work_order_id"] == template["id"]):
                item_ids[item["id"]] = str(uuid.uuid4())
                new_items.append(item | {"id": item_ids[item["id"]], "work_order_id": wo_id})
            for line in (m for m in materials if m["work_order_id"] == template["id"]):
                new_materials.append(
                    line
                    | {
                        "id": str(uuid.uuid4()),
                        "work_order_id": wo_id,
                        "item_id": item_ids[line["item_id"]],
                        "qty_reserved": Decimal(0),
                    }
                )
            for step in (s for s in steps if s["work_order_id"] == template["id"]):
                new_steps.append(step | {"id": str(uuid.uuid4()), "work_order_id": wo_id})
        for model, rows in (
            (WorkOrder, new_orders),
            (WoItem, new_items),
            (WoMaterial, new_materials),
            (WoStep, new_steps),
        ):
            if rows:
                conn.execute(insert(model.__table__), rows)
