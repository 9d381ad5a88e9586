"""Domain tests run on SQLite and PostgreSQL alike, through the real command bus."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.builders import Plant


@pytest.fixture
def plant(engine: Engine) -> Plant:
    return Plant(engine)
