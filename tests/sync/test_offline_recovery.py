"""Back within seconds of the network: a probe while offline, not the end of a backoff;
a restarted kiosk knows when it last synced; anyone may ask it to try now."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from kiosk.commands import LogOutput
from kiosk.store.models import OutboxEntry
from sync.client import Offline, SyncReport
from sync.enrolment import Credentials
from sync.runtime import start_sync
from sync.scheduler import SyncScheduler, SyncState
from tests.sync.conftest import SyncWorld
from tests.sync.helpers import DroppingProxy


def _report() -> SyncReport:
    from kiosk.store.base import utcnow

    return SyncReport(0, 0, 0, 0, None, utcnow())


def _wait(condition, timeout: float = 10.0) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.01)
    return time.monotonic() - start


def test_a_probe_while_offline_brings_the_next_round_forward() -> None:
    network = {"up": False}
    states: list[SyncState] = []

    def run() -> SyncReport:
        if not network["up"]:
            raise Offline("no route to host")
        return _report()

    scheduler = SyncScheduler(
        run,
        states.append,
        min_backoff=120,  # a long outage: the next full round is minutes away
        max_backoff=180,
        tick=0.02,
        probe=lambda: network["up"],
        probe_interval=0.1,
    )
    scheduler.start()
    try:
        _wait(lambda: states and states[-1].online is False)
        assert scheduler.next_in.total_seconds() > 30
        network["up"] = True
        took = _wait(lambda: states[-1].online is True)
        assert took < 2.0
    finally:
        scheduler.stop()


def test_anyone_can_ask_for_a_round_now_whatever_the_backoff() -> None:
    rounds: list[float] = []
    fail = {"on": True}

    def run() -> SyncReport:
        rounds.append(time.monotonic())
        if fail["on"]:
            raise Offline("down")
        return _report()

    scheduler = SyncScheduler(run, lambda s: None, min_backoff=120, max_backoff=180, tick=0.02)
    scheduler.start()
    try:
        _wait(lambda: len(rounds) == 1)
        fail["on"] = False
        threading.Thread(target=scheduler.retry_now).start()  # from the GUI, say
        _wait(lambda: len(rounds) == 2, timeout=2.0)
    finally:
        scheduler.stop()


def test_a_restarted_kiosk_tells_its_last_sync_before_the_first_round() -> None:
    from kiosk.store.base import utcnow

    last = utcnow()
    states: list[SyncState] = []
    gate = threading.Event()

    def run() -> SyncReport:
        gate.wait(5)
        raise Offline("down")

    scheduler = SyncScheduler(
        run, states.append, tick=0.02, initial=lambda: SyncState(None, last, None, 4, 0)
    )
    scheduler.start()
    try:
        _wait(lambda: states)
        assert (states[0].online, states[0].last_sync, states[0].waiting) == (None, last, 4)
    finally:
        gate.set()
        scheduler.stop()


def test_a_kiosk_is_back_within_seconds_of_the_server_after_a_long_outage(
    world: SyncWorld,
) -> None:
    """Real client, real server, a cable that goes out and comes back."""
    proxy = DroppingProxy(world.url)
    badge = world.operator("R1")
    wo = world.plant.started_work_order("WIDGET", 5, world.plant.operator(workstation="W-1"))
    with proxy.running():
        kiosk = world.kiosk("W-1", url=proxy.url)
        token = kiosk.client.http.headers["Authorization"].removeprefix("Bearer ")
        kiosk.client.close()  # the running sync below has a client of its own
        creds = Credentials(
            server=proxy.url, device_id=kiosk.device_id, token=token, workstation="W-1"
        )
        states: list[SyncState] = []
        sync = start_sync(kiosk.station, creds, states.append, interval=0.5)
        try:
            _wait(lambda: states and states[-1].online is True)
            world.clock_in(kiosk, badge)
            proxy.down = True
            kiosk.run(LogOutput(work_order_id=wo, qty=1, actor=kiosk.actor(badge)))
            _wait(lambda: states[-1].online is False)
            sync.scheduler._failures = 12  # hours of outage: backoff at its 3-minute cap
            with sync.scheduler._lock:
                sync.scheduler._due = time.monotonic() + 180
            proxy.down = False
            took = _wait(lambda: states[-1].online is True and states[-1].waiting == 0)
            print(f"\nback online and synced {took:.2f} s after the network returned")
            assert took < 6.0
            with kiosk.station.bus.read() as session:
                statuses = set(session.scalars(select(OutboxEntry.status)))
            assert statuses == {"applied"}
        finally:
            sync.stop()
