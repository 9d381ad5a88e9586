"""Bring a database to the newest schema with Alembic, at start-up and in tests.

Alembic is imported only when there is something to migrate: a kiosk that is
already at the newest schema starts without paying for it.

A store stamped with a revision this version does not know was written by a
newer kiosk: it is refused with :class:`StoreTooNew` (one line, the store left
untouched) before Alembic would fail with a traceback on it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([\w-]+|None)", re.M)


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


class StoreTooNew(RuntimeError):
    """The store's schema is newer than this version knows; ``str()`` is the one line."""

    def __init__(self, store: str, found: set[str], heads: set[str]) -> None:
        super().__init__(
            f"the store {store} was written by a newer version of the kiosk "
            f"(schema {', '.join(sorted(found))}; this version knows up to "
            f"{', '.join(sorted(heads))}): install that version or newer; the store was not touched"
        )
        self.found = found


def _revisions() -> tuple[set[str], set[str]]:
    """(every revision id, every parent id), read from the migration files."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(script.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            parents.add(found.get("down_revision", "None"))
    return revisions, parents


def known_revisions() -> set[str]:
    """Every revision id this version has a migration for."""
    return _revisions()[0]


def head_revisions() -> set[str]:
    """The newest revision ids, read from the migration files without importing Alembic."""
    revisions, parents = _revisions()
    return revisions - parents


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}


def check_not_newer(engine: Engine, current: set[str] | None = None) -> None:
    """Raise :class:`StoreTooNew` when the store names a revision no migration here has."""
    current = current_revisions(engine) if current is None else current
    unknown = current - known_revisions()
    if unknown:
        raise StoreTooNew(
            engine.url.render_as_string(hide_password=True), unknown, head_revisions()
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    current = current_revisions(engine)
    if revision == "head" and current == head_revisions():
        return
    check_not_newer(engine, current)
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
