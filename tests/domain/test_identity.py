"""Who is acting: clocking in moves a person, the site's identification policy, lockouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from kiosk.commands import (
    Actor,
    ClearPinLockout,
    ClockIn,
    CommandBus,
    CreateOperator,
    EditSite,
    PinLockout,
    StartWorkOrder,
    VerifyPin,
)
from kiosk.domain.errors import DomainError
from kiosk.services import identity
from kiosk.store.base import utcnow
from kiosk.store.models import (
    AuditEntry,
    ClockSession,
    LabourSegment,
    Notification,
    Operator,
    Workstation,
)
from tests.builders import OFFICE, Plant, simple_plant

pytestmark = pytest.mark.usefixtures("cheap_pins")


class Clock:
    """The bus's clock, moved by hand to see a lock lift."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bus(engine: Engine, clock: Clock) -> CommandBus:
    return CommandBus(engine, clock=clock)


@pytest.fixture
def floor(plant: Plant) -> Plant:
    """Two workstations, an operator (B1, PIN 1234) and a supervisor (S1, PIN 9999)."""
    simple_plant(plant)
    plant.workstation("ASSY-1")
    plant.workstation("WELD-1")
    for badge, pin, role in (("B1", "1234", "operator"), ("B2", "1234", "operator")):
        plant.run(CreateOperator(badge=badge, name=f"Op {badge}", pin=pin, role=role, actor=OFFICE))
    plant.run(CreateOperator(badge="S1", name="Sup", pin="9999", role="supervisor", actor=OFFICE))
    return plant


def at(workstation: str, device: str | None = None) -> Actor:
    return Actor(workstation=workstation, device_id=device or f"kiosk-{workstation}")


def open_sessions(plant: Plant, badge: str) -> list[str | None]:
    """The workstation codes where ``badge`` is clocked in now."""
    with plant.bus.read() as session:
        rows = session.execute(
            select(ClockSession.workstation_id)
            .join(Operator, ClockSession.operator_id == Operator.id)
            .where(Operator.badge == badge, ClockSession.clocked_out_at.is_(None))
        ).all()
        return sorted(session.get(Workstation, r[0]).code for r in rows)  # type: ignore[union-attr]


def refused(run: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        run()
    return caught.value


def audit_codes(plant: Plant, command_type: str) -> list[str | None]:
    with plant.bus.read() as session:
        return list(
            session.scalars(
                select(AuditEntry.code)
                .where(AuditEntry.command_type == command_type)
                .order_by(AuditEntry.recorded_at)
            )
        )


# -- clocking in where you stand --------------------------------------------------


def test_clocking_in_here_moves_a_person_from_another_workstation(floor: Plant) -> None:
    floor.run(ClockIn(badge="B1", actor=at("WELD-1")))
    result = floor.run(ClockIn(badge="B1", actor=at("ASSY-1")))
    assert result.data["already"] is False
    assert result.data["moved_from"] == ["WELD-1"]
    assert open_sessions(floor, "B1") == ["ASSY-1"]


def test_moving_closes_the_labour_left_at_the_other_workstation(floor: Plant) -> None:
    floor.receive("BOLT", 10)
    floor.receive("PLATE", 10)
    weld = at("WELD-1")
    floor.run(ClockIn(badge="B1", actor=weld))
    wo = floor.ready_work_order("WIDGET", 2)
    floor.run(StartWorkOrder(work_order_id=wo, actor=Actor(badge="B1", workstation="WELD-1")))
    floor.run(ClockIn(badge="B1", actor=at("ASSY-1")))
    assert floor.count(LabourSegment) == 1
    with floor.bus.read() as session:
        assert session.scalar(select(LabourSegment.ended_at)) is not None


def test_clocking_in_again_here_changes_nothing(floor: Plant) -> None:
    floor.run(ClockIn(badge="B1", actor=at("ASSY-1")))
    result = floor.run(ClockIn(badge="B1", actor=at("ASSY-1")))
    assert result.data["already"] is True
    assert result.data["moved_from"] == []
    assert floor.count(ClockSession) == 1


# -- the site's identification policy --------------------------------------------


def test_a_badge_keyed_in_without_its_pin_is_refused(floor: Plant) -> None:
    err = refused(lambda: floor.run(ClockIn(badge="B1", method="keypad", actor=at("ASSY-1"))))
    assert err.code == "pin_required"
    assert floor.count(ClockSession) == 0


def test_a_scan_alone_identifies_where_the_site_allows_it(floor: Plant) -> None:
    floor.run(ClockIn(badge="B1", method="scan", actor=at("ASSY-1")))
    assert open_sessions(floor, "B1") == ["ASSY-1"]


def test_a_site_that_asks_for_the_pin_asks_for_it_with_a_scan_too(floor: Plant) -> None:
    floor.run(EditSite(identify_by="badge_and_pin", actor=OFFICE))
    err = refused(lambda: floor.run(ClockIn(badge="B1", method="scan", actor=at("ASSY-1"))))
    assert err.code == "pin_required"
    assert floor.count(ClockSession) == 0
    floor.run(ClockIn(badge="B1", pin="1234", method="scan", actor=at("ASSY-1")))
    assert open_sessions(floor, "B1") == ["ASSY-1"]


def test_the_server_replaying_a_kiosks_clock_in_trusts_the_device(floor: Plant) -> None:
    # The PIN never leaves the kiosk; the kiosk checked it.
    floor.run(EditSite(identify_by="badge_and_pin", actor=OFFICE))
    floor.run(ClockIn(badge="B1", method="scan", replayed=True, actor=at("ASSY-1")))
    assert open_sessions(floor, "B1") == ["ASSY-1"]


def test_an_unknown_identification_setting_is_refused(floor: Plant) -> None:
    err = refused(lambda: floor.run(EditSite(identify_by="face", actor=OFFICE)))
    assert err.code == "validation"
    assert identity.IdentifyBy.BADGE_SCAN.value in err.message


# -- lockouts ----------------------------------------------------------------------


def wrong(bus: CommandBus, badge: str, device: str = "kiosk-ASSY-1") -> DomainError:
    return refused(
        lambda: bus.execute(
            ClockIn(badge=badge, pin="0000", method="keypad", actor=at("ASSY-1", device))
        )
    )


def right(bus: CommandBus, badge: str, pin: str = "1234", device: str = "kiosk-ASSY-1") -> None:
    bus.execute(ClockIn(badge=badge, pin=pin, method="keypad", actor=at("ASSY-1", device)))


def test_five_wrong_pins_lock_that_badge_only(floor: Plant, bus: CommandBus) -> None:
    codes = [wrong(bus, "B1").code for _ in range(5)]
    assert codes == ["wrong_pin"] * 4 + ["badge_locked"]
    err = refused(lambda: right(bus, "B1"))
    assert err.code == "badge_locked"
    assert "supervisor can unlock" in err.message
    assert floor.count(ClockSession) == 0
    right(bus, "B2")  # the kiosk is not locked: someone else clocks in
    bus.execute(VerifyPin(badge="S1", pin="9999", supervisor=True, actor=at("ASSY-1")))
    assert open_sessions(floor, "B2") == ["ASSY-1"]
    # Every refusal, and the lockout itself, is in the audit log.
    assert audit_codes(floor, "clock_in") == ["wrong_pin"] * 4 + ["badge_locked"] * 2 + [None]


def test_a_lock_lifts_by_itself_after_a_quarter_of_an_hour(
    floor: Plant, bus: CommandBus, clock: Clock
) -> None:
    for _ in range(5):
        wrong(bus, "B1")
    clock.now += identity.BADGE_LOCK - timedelta(seconds=30)
    assert refused(lambda: right(bus, "B1")).code == "badge_locked"
    clock.now += timedelta(minutes=1)
    right(bus, "B1")
    assert open_sessions(floor, "B1") == ["ASSY-1"]


def test_a_right_pin_starts_the_count_again(floor: Plant, bus: CommandBus) -> None:
    for _ in range(4):
        wrong(bus, "B1")
    right(bus, "B1")
    assert [wrong(bus, "B1").code for _ in range(4)] == ["wrong_pin"] * 4


def test_a_supervisor_unlocks_a_badge_and_an_operator_cannot(floor: Plant, bus: CommandBus) -> None:
    for _ in range(5):
        wrong(bus, "B1")
    err = refused(lambda: bus.execute(ClearPinLockout(badge="B1", actor=Actor(badge="B2"))))
    assert err.code == "forbidden"
    bus.execute(ClearPinLockout(badge="B1", actor=Actor(badge="B2", supervisor_badge="S1")))
    right(bus, "B1")
    assert open_sessions(floor, "B1") == ["ASSY-1"]
    assert audit_codes(floor, "clear_pin_lockout") == ["forbidden", None]


def test_a_burst_of_wrong_pins_pauses_the_kiosk_but_not_its_supervisors(
    floor: Plant, bus: CommandBus, clock: Clock
) -> None:
    # Guessing across many badges: the per-badge limit alone would allow 4 per badge.
    for n in range(identity.DEVICE_LIMIT):
        floor.run(CreateOperator(badge=f"X{n}", name=f"X{n}", pin="1234", actor=OFFICE))
        wrong(bus, f"X{n}")
    err = refused(lambda: right(bus, "B1"))
    assert err.code == "too_many_attempts"
    assert "supervisor can still sign in" in err.message
    right(bus, "B1", device="kiosk-other")  # another kiosk is not paused
    bus.execute(VerifyPin(badge="S1", pin="9999", supervisor=True, actor=at("ASSY-1")))
    clock.now += identity.DEVICE_WINDOW + timedelta(seconds=1)
    right(bus, "B2")
    assert open_sessions(floor, "B2") == ["ASSY-1"]


def test_unknown_badges_are_refused_like_wrong_pins_and_count(
    floor: Plant, bus: CommandBus
) -> None:
    # The same words as a wrong PIN: the kiosk does not tell which badges exist.
    err = wrong(bus, "NOBODY")
    assert err.code == "wrong_pin"
    assert err.message == wrong(bus, "B1").message
    assert [wrong(bus, "NOBODY").code for _ in range(4)][-1] == "badge_locked"


def test_a_reported_lockout_tells_the_supervisors(floor: Plant) -> None:
    floor.run(PinLockout(badge="B1", actor=at("ASSY-1")))
    assert floor.notifications("pin_lockout") == [
        "Op B1 (badge B1) was locked at ASSY-1 after 5 wrong PINs."
    ]
    with floor.bus.read() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
