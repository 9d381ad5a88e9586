"""Things a transaction may remember about itself (rows it holds locked, BOMs it read),
forgotten when it ends.

A cache lives in ``session.info`` under its own key. It is dropped when the session's
transaction ends, and on every rollback to a savepoint: that releases the locks taken
inside it and expires its rows. A savepoint released (a pushed batch's command that
went through) keeps it: its locks and rows now belong to the transaction around it,
so the batch's next command does not lock and read the same stock rows again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_PREFIX = "kiosk.transaction_cache."


def transaction_cache(session: Session, name: str) -> dict[Any, Any]:
    """The cache ``name`` of the session's current transaction (empty at first)."""
    cache: dict[Any, Any] = session.info.setdefault(_PREFIX + name, {})
    return cache


def forget(session: Session, name: str) -> None:
    """Drop one cache now (what it remembered changed)."""
    session.info.pop(_PREFIX + name, None)


def _forget_all(session: Session) -> None:
    for key in [k for k in session.info if isinstance(k, str) and k.startswith(_PREFIX)]:
        del session.info[key]


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        _forget_all(session)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    """A real rollback, of the transaction or to a savepoint (a flush's included)."""
    _forget_all(session)
