"""No 500 for malformed input: every operation of the OpenAPI document, fed garbage."""

from __future__ import annotations

import re

from tests.server.conftest import ADMIN, Server

BODIES = [b"", b"null", b"[]", b'{"unexpected": 1}', b"\xff\xfe", b'{"sku": "a\\u0000b"}']
PATH_VALUES = ["%00", "x" * 300, "%C3%A9"]


def test_no_operation_answers_500_to_garbage(server: Server) -> None:
    client = server.client
    spec = client.get("/openapi.json").json()
    tried = 0
    for path, operations in spec["paths"].items():
        for method in operations:
            for value in PATH_VALUES:
                url = re.sub(r"\{[^}]+\}", value, path)
                for body in BODIES if method in ("post", "put", "patch") else [b""]:
                    answer = client.request(
                        method.upper(),
                        url + "?limit=x&status=%00&offset=99999999999999999999",
                        content=body,
                        headers={**ADMIN, "Content-Type": "application/json"},
                    )
                    tried += 1
                    assert answer.status_code < 500, (method, url, body, answer.text)
                    if answer.status_code >= 400:
                        assert answer.headers["content-type"] == "application/problem+json"
    assert tried > 100
