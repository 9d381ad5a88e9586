"""Things a transaction may remember about itself (rows it holds locked, BOMs it read),
forgotten when it ends.

A cache lives in ``session.info`` under its own key. It is dropped when the session's
transaction commits or rolls back, and when a savepoint ends: a savepoint rolled back
releases the locks taken inside it and expires its rows. (A flush's own inner
transaction, neither of those, keeps it.)
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


@event.listens_for(Session, "after_transaction_end")
def _forget_all(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None or transaction.nested:
        for key in [k for k in session.info if isinstance(k, str) and k.startswith(_PREFIX)]:
            del session.info[key]
