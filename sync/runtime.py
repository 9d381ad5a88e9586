"""Wiring sync into a running kiosk: outbox on the Station, client, scheduler (Qt-free)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from kiosk.station import Station
from sync.client import SyncClient, counts
from sync.enrolment import Credentials
from sync.outbox import OutboxHook
from sync.scheduler import SyncScheduler, SyncState


@dataclass
class KioskSync:
    client: SyncClient
    scheduler: SyncScheduler

    def stop(self) -> None:
        self.scheduler.stop()
        self.client.close()


def attach_outbox(station: Station, on_queued: Callable[[], None] | None = None) -> OutboxHook:
    """Every command the Station runs is queued for the server in its own transaction."""
    hook = OutboxHook(on_queued)
    station.use_outbox(hook)
    return hook


def start_sync(
    station: Station,
    creds: Credentials,
    on_state: Callable[[SyncState], None],
    *,
    interval: float = 5.0,
) -> KioskSync:
    """Sync ``station``'s store with the server in ``creds`` from now on."""
    client = SyncClient(
        station.engine, creds.server, creds.token, creds.device_id, verify=creds.verify
    )
    sessions = sessionmaker(station.engine)

    def initial() -> SyncState:
        """What the store knows before the first round: when it last synced, what waits."""
        last_sync, _ = client.last_sync()
        waiting, unseen = counts(sessions)
        return SyncState(None, last_sync, None, waiting, unseen)

    scheduler = SyncScheduler(
        client.sync_once,
        on_state,
        waiting=lambda: counts(sessions),
        interval=interval,
        probe=client.reachable,
        initial=initial,
    )
    hook = attach_outbox(station, scheduler.kick)
    hook.on_queued = scheduler.kick
    scheduler.start()
    return KioskSync(client, scheduler)
