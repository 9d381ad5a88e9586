"""Opening the server's database for a command: migrate it, but never make one by accident.

An admin command pointed at the wrong place (no ``--database``, the environment
not read) used to create an empty SQLite file and print a token nobody's server
knew. Now a database without the plant schema (a SQLite file that does not
exist, or an empty PostgreSQL database) is only set up when the caller says so:
``serve`` does (a fresh install is one command), ``admin`` commands only with
``--create``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DBAPIError

from kiosk.exits import STORE_TOO_NEW
from kiosk.store.engine import make_engine
from kiosk.store.migrate import StoreTooNew, current_revisions, head_revisions, upgrade

log = logging.getLogger("sync.server")


class DatabaseError(Exception):
    """The database cannot be used as asked; ``str()`` is one line for the person."""

    #: ``kiosk-server``'s exit status for it.
    exit_code = 2


class DatabaseTooNew(DatabaseError):
    """A newer kiosk-server migrated it (an upgrade rolled back without its backup).

    Exit 78, which the unit does not restart on: starting again cannot help, and
    Alembic must not be let at a schema it does not know."""

    exit_code = STORE_TOO_NEW


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _missing_sqlite_file(url: str) -> bool:
    target = make_url(url)
    if target.get_backend_name() != "sqlite":
        return False
    name = target.database or ""
    return name not in ("", ":memory:") and not name.startswith("file:") and not Path(name).exists()


def open_database(url: str, *, create: bool, hint: str = "--create") -> Engine:
    """An engine on ``url`` at the newest schema.

    ``create``: set up a database that has no plant schema yet; otherwise refuse
    it with :class:`DatabaseError` (saying ``hint`` would create it).
    """
    refusal = (
        f"{shown(url)} has no plant database yet; check --database / KIOSK_DATABASE_URL "
        f"(kiosk-server --print-config shows what is used), or pass {hint} to create one"
    )
    if not create and _missing_sqlite_file(url):
        raise DatabaseError(refusal)
    engine = make_engine(url)
    try:
        before = current_revisions(engine)
        if not before and not create:
            raise DatabaseError(refusal)
        if before != head_revisions():
            upgrade(engine)
            if before:
                log.info(
                    "database %s migrated from %s to %s",
                    shown(url),
                    ",".join(sorted(before)),
                    ",".join(sorted(head_revisions())),
                )
            else:
                log.warning("database %s was empty: created the plant schema", shown(url))
    except StoreTooNew as err:
        engine.dispose()
        raise DatabaseTooNew(
            f"the database {shown(url)} was migrated by a newer kiosk-server (schema "
            f"{', '.join(sorted(err.found))}; this version knows up to "
            f"{', '.join(sorted(head_revisions()))}): install that version again, or restore "
            "the backup taken before the upgrade (README, Upgrading the server); nothing "
            "was changed"
        ) from None
    except DBAPIError as err:
        engine.dispose()
        first = str(err.orig or err).strip().splitlines()[0]
        raise DatabaseError(f"cannot use the database {shown(url)}: {first}") from None
    except DatabaseError:
        engine.dispose()
        raise
    return engine
