"""Who is acting, across kiosks and the server: the site's PIN policy reaches the kiosks,
a person moved to another workstation leaves the first one's list, lockouts are told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.commands import EditSite
from kiosk.domain.enums import IdentifyBy, IdentifyMethod
from kiosk.domain.errors import DomainError
from kiosk.store.models import ClockSession, Operator, Workstation
from tests.builders import OFFICE
from tests.sync.conftest import SyncWorld

pytestmark = pytest.mark.usefixtures("cheap_pins")


@pytest.fixture
def cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.domain import pins

    monkeypatch.setattr(pins, "_N", 2**4)


def test_the_sites_pin_policy_reaches_the_kiosks(world: SyncWorld) -> None:
    kiosk = world.kiosk("W-1")
    kiosk.sync()
    assert kiosk.station.identify_by() == IdentifyBy.BADGE_SCAN
    world.plant.run(EditSite(identify_by="badge_and_pin", actor=OFFICE))
    kiosk.sync()
    assert kiosk.station.identify_by() == IdentifyBy.BADGE_AND_PIN
    badge = world.operator("P1")
    kiosk.sync()
    with pytest.raises(DomainError) as refused:
        kiosk.station.identify(badge, None, IdentifyMethod.SCAN)
    assert refused.value.code == "pin_required"
    kiosk.station.identify(badge, "1234", IdentifyMethod.SCAN)
    kiosk.sync()  # the server replays it without the PIN, trusting the kiosk
    assert [s.status for s in kiosk.outbox()] == ["applied"]


def test_a_person_moved_to_another_kiosk_leaves_the_first_ones_list(world: SyncWorld) -> None:
    badge = world.operator("M1")
    first, second = world.kiosk("W-1"), world.kiosk("W-2")
    for kiosk in (first, second):
        kiosk.sync()
    first.station.identify(badge, None, IdentifyMethod.SCAN)
    first.sync()
    assert [p.badge for p in first.station.clocked_in()] == [badge]
    second.sync()
    moved = second.station.identify(badge, None, IdentifyMethod.SCAN)
    assert moved.moved_from == ("W-1",)
    second.sync()
    first.sync()
    assert first.station.clocked_in() == []
    with world.plant.bus.read() as session:
        open_at = session.scalars(
            select(Workstation.code)
            .join(ClockSession, ClockSession.workstation_id == Workstation.id)
            .join(Operator, ClockSession.operator_id == Operator.id)
            .where(Operator.badge == badge, ClockSession.clocked_out_at.is_(None))
        ).all()
    assert open_at == ["W-2"]


def test_a_lockout_at_a_kiosk_reaches_the_supervisors_through_the_server(
    world: SyncWorld,
) -> None:
    badge = world.operator("L1")
    kiosk = world.kiosk("W-1")
    kiosk.sync()
    codes = []
    for _ in range(5):
        with pytest.raises(DomainError) as refused:
            kiosk.station.identify(badge, "0000", IdentifyMethod.KEYPAD)
        codes.append(refused.value.code)
    assert codes[-1] == "badge_locked"
    kiosk.sync()
    assert world.plant.notifications("pin_lockout") == [
        f"Person {badge} (badge {badge}) was locked at W-1 after 5 wrong PINs."
    ]
