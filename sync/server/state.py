"""What every request handler needs from the app: the engine, the command bus, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.commands import Command, CommandBus, CommandResult
from kiosk.store.capture import enable_change_feed
from sync.server.settings import Settings
from sync.server.shopify_stock import enable_stock_queue


@dataclass
class ServerState:
    engine: Engine
    settings: Settings
    bus: CommandBus
    sessions: sessionmaker[Session]

    @classmethod
    def build(cls, engine: Engine, settings: Settings) -> ServerState:
        # Every replicated change made through this engine lands in the change feed.
        enable_change_feed(engine)
        # And, with stock sync on, every stock change queues a push to Shopify (in every
        # process that changes stock: web workers, inbox processes, admin commands).
        if settings.shopify_shop and settings.shopify_admin_token:
            enable_stock_queue(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        return cls(engine, settings, CommandBus(engine), sessions)

    def run(self, command: Command) -> CommandResult:
        return self.bus.execute(command)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.bus.read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short transaction for the server's own records (tokens, devices, inbox)."""
        with self.sessions() as session, session.begin():
            yield session


def server_state(request: Request) -> ServerState:
    return request.app.state.server  # type: ignore[no-any-return]


#: The server state, as a FastAPI dependency.
State = Annotated[ServerState, Depends(server_state)]
