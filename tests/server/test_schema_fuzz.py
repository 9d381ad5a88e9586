"""Schema-driven fuzzing: Schemathesis generates requests from our own OpenAPI document,
valid and invalid, for every operation, with an admin token, on SQLite and PostgreSQL.

What must hold for every one of them: no 5xx, and every error is problem+json. The
garbage in test_malformed_input.py is hand-picked; this covers what nobody thought of.
(``schemathesis.pytest.from_fixture`` does not work with pytest 9, hence the loop over
the operations with one Hypothesis run each.)
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.server.conftest import ADMIN, Server

#: Enough to reach each field's edge cases, few enough for the suite. Raise it to hunt:
#: ``KIOSK_FUZZ_EXAMPLES=500 pytest tests/server/test_schema_fuzz.py``.
EXAMPLES = int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "15"))

_calls: list[str] = []


def _check(case: Any) -> None:
    _calls.append(case.method)
    response = case.call(headers=ADMIN)
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        # Schemathesis keeps every header as a list of its values.
        assert response.headers["content-type"] == ["application/problem+json"], (
            case.method,
            case.formatted_path,
            response.status_code,
            response.text[:300],
        )


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_no_operation_answers_5xx_to_generated_input(server: Server, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", server.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30  # the whole API, not a schema that failed to load

    _calls.clear()
    fuzzed = 0
    for operation in operations:
        run = given(case=operation.as_strategy(generation_mode=mode))(_check)
        run = settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,  # the same cases on every run: a red CI is reproducible
            database=None,
            suppress_health_check=list(HealthCheck),
        )(run)
        try:
            run()
        except Unsatisfiable:
            # Nothing to make invalid: no parameters and no body (negative mode only).
            assert mode is GenerationMode.NEGATIVE, operation.label
            continue
        fuzzed += 1
    # Every operation in positive mode; in negative mode, those with inputs to break.
    assert fuzzed > (len(operations) if mode is GenerationMode.POSITIVE else 20) - 1
    assert len(_calls) > 5 * fuzzed
