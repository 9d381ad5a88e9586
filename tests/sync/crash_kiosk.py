"""A kiosk process for the kill -9 test: logs output one unit at a time and syncs now and
then, printing ``ACK <command id>`` once each command is acknowledged (committed)."""

from __future__ import annotations

import contextlib
import sys

from kiosk.commands import LogOutput
from kiosk.station import Station
from kiosk.store.engine import make_engine
from sync.client import Offline, SyncClient
from sync.outbox import OutboxHook


def main(db: str, url: str, token: str, device_id: str, wo: str, badge: str, count: int) -> None:
    engine = make_engine(f"sqlite:///{db}")
    station = Station(engine, "W-1", device_id)
    station.use_outbox(OutboxHook())
    client = SyncClient(engine, url, token, device_id, timeout=(2.0, 10.0))
    print("READY", flush=True)
    for i in range(count):
        command = LogOutput(work_order_id=wo, qty=1, actor=station.actor(badge))
        station.execute(command)
        print("ACK", command.command_id, flush=True)
        if i % 25 == 24:
            with contextlib.suppress(Offline):
                client.sync_once()


if __name__ == "__main__":
    main(*sys.argv[1:7], int(sys.argv[7]))
