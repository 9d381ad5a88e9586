"""Bring a database to the newest schema with Alembic, at start-up and in tests.

Alembic is imported only when there is something to migrate: a kiosk that is
already at the newest schema starts without paying for it.
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


def head_revisions() -> set[str]:
    """The newest revision ids, read from the migration files without importing Alembic."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(script.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            parents.add(found.get("down_revision", "None"))
    return revisions - parents


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and current_revisions(engine) == head_revisions():
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
