"""Spreading BOMs into flat material lists, and finding cycles before they are saved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from kiosk.domain.errors import BomCycle

_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class BomDef:
    """A BOM as the spread needs it: output per set and (component, qty per set) lines."""

    product_id: str
    output_qty: Decimal
    lines: tuple[tuple[str, Decimal], ...]


def find_cycle(root: str, boms: Mapping[str, BomDef]) -> list[str] | None:
    """The path of products that leads from ``root`` back to itself, if any."""
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(product_id: str) -> list[str] | None:
        if product_id in on_path:
            return [*path[path.index(product_id) :], product_id]
        if product_id in done or product_id not in boms:
            return None
        path.append(product_id)
        on_path.add(product_id)
        for component, _qty in boms[product_id].lines:
            cycle = visit(component)
            if cycle:
                return cycle
        path.pop()
        on_path.discard(product_id)
        done.add(product_id)
        return None

    return visit(root)


def check_no_cycle(root: str, boms: Mapping[str, BomDef], names: Mapping[str, str]) -> None:
    cycle = find_cycle(root, boms)
    if cycle:
        shown = " → ".join(names.get(p, p) for p in cycle)
        raise BomCycle(
            f"This BOM would contain itself: {shown}.", cycle=[names.get(p, p) for p in cycle]
        )


@dataclass(frozen=True)
class Spread:
    """What building a product takes: its materials and the products actually built.

    ``builds`` is the routing order: every sub-assembly that is built (not drawn
    from pre-assembled stock) before the product it goes into, depth first in BOM
    line order, each once, ending with the product itself.
    """

    needs: dict[str, Decimal]
    builds: tuple[str, ...]


def spread(
    product_id: str,
    qty: Decimal,
    boms: Mapping[str, BomDef],
    pre_assembled: dict[str, Decimal],
) -> dict[str, Decimal]:
    """Materials to build ``qty`` of a product, merged by product, in first-seen order."""
    return spread_with_routing(product_id, qty, boms, pre_assembled).needs


def spread_with_routing(
    product_id: str,
    qty: Decimal,
    boms: Mapping[str, BomDef],
    pre_assembled: dict[str, Decimal],
) -> Spread:
    """Materials to build ``qty`` of a product, and which (sub-)assemblies get built.

    A component that has its own BOM is a sub-assembly: it is drawn first from
    ``pre_assembled`` (what is available of it; this dict is decremented so
    several items of one work order share it) and only the shortfall is spread
    into its components — and only then is it built, so only then do its steps
    join the routing. Quantities are rounded up to 1/10,000 so a fractional set
    never under-reserves.
    """
    needs: dict[str, Decimal] = {}
    builds: list[str] = []
    _spread_into(needs, builds, product_id, qty, boms, pre_assembled, depth=0)
    return Spread(needs, tuple(builds))


def _spread_into(
    needs: dict[str, Decimal],
    builds: list[str],
    product_id: str,
    qty: Decimal,
    boms: Mapping[str, BomDef],
    pre_assembled: dict[str, Decimal],
    depth: int,
) -> None:
    if depth > 50:  # a cycle slipped past the save-time check; never recurse forever
        raise BomCycle(f"BOM nesting is too deep below {product_id}.")
    bom = boms[product_id]
    sets = qty / bom.output_qty
    for component, per_set in bom.lines:
        need = (per_set * sets).quantize(_PLACES, rounding=ROUND_UP)
        if component in boms:
            take = min(need, max(pre_assembled.get(component, Decimal(0)), Decimal(0)))
            if take > 0:
                pre_assembled[component] = pre_assembled.get(component, Decimal(0)) - take
                needs[component] = needs.get(component, Decimal(0)) + take
            if need - take > 0:
                _spread_into(needs, builds, component, need - take, boms, pre_assembled, depth + 1)
        else:
            needs[component] = needs.get(component, Decimal(0)) + need
    if product_id not in builds:  # used on two lines: one batch, its steps once
        builds.append(product_id)
