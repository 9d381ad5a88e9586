"""What a transaction changed, in the terms screens reload by (as Anki's ``OpChanges``).

A command's result carries one; so does each batch of changes the kiosk takes from
the server. A screen reloads only what a summary names.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    #: Work orders whose own rows changed (the order, its items, materials, steps,
    #: holds, runs, QC, links, messages, labour).
    work_orders: frozenset[str] = field(default_factory=frozenset)
    #: Products whose stock moved (a board line's "short" depends on free stock).
    products: frozenset[str] = field(default_factory=frozenset)
    #: Operators or their clock sessions.
    people: bool = False
    notifications: bool = False
    #: Something no finer field names (products, BOMs, sites, a snapshot): reload all.
    everything: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.work_orders | other.work_orders,
            self.products | other.products,
            self.people or other.people,
            self.notifications or other.notifications,
            self.everything or other.everything,
        )

    def __bool__(self) -> bool:
        return bool(
            self.work_orders
            or self.products
            or self.people
            or self.notifications
            or self.everything
        )

    def touches(self, work_order_id: str) -> bool:
        """Does a screen showing this work order need to read it again?"""
        return self.everything or work_order_id in self.work_orders or bool(self.products)


EVERYTHING = Changes(everything=True)
NOTHING = Changes()
