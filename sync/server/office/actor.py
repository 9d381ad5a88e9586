"""The actor the office's commands name: the signed-in person, as an office principal."""

from __future__ import annotations

from kiosk.commands import Actor
from sync.server.office.accounts import OfficePerson


def actor_of(person: OfficePerson) -> Actor:
    """Office principals have a supervisor's rights (holds, close short, reversals)."""
    return Actor(principal=person.principal)
