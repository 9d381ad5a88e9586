"""``Allow`` that names every method of a resource, and ``OPTIONS`` that answers it.

FastAPI makes one route per path *and* method, so when a method does not match,
Starlette's 405 names only the methods of the first route it tried (``Allow: GET`` on
a path that also takes ``PATCH``). RFC 9110 wants the resource's full list, and an
integrator probing with ``OPTIONS`` should get it without an error. The list comes from
the OpenAPI document, so what ``Allow`` says and what the document says cannot drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PARAM = re.compile(r"\{[^}]+\}")


class MethodTable:
    """The methods of each documented path, found by matching a request path."""

    def __init__(self, paths: dict[str, dict[str, Any]]) -> None:
        self._entries: list[tuple[int, re.Pattern[str], frozenset[str]]] = []
        for template, operations in paths.items():
            pieces = list(_split(template))
            pattern = "".join(
                re.escape(piece) if i % 2 == 0 else "[^/]+" for i, piece in enumerate(pieces)
            )
            methods = frozenset(m.upper() for m in operations if m != "parameters")
            self._entries.append((len(pieces) // 2, re.compile(f"^{pattern}$"), methods))
        # The router tries literal paths first (``/stock/receipts`` before ``/stock/{sku}``).
        self._entries.sort(key=lambda entry: entry[0])

    def allowed(self, path: str) -> list[str] | None:
        """The methods of the resource at ``path`` (the most literal match), or None."""
        for _, pattern, methods in self._entries:
            if pattern.match(path):
                found = set(methods)
                if "GET" in found:
                    found.add("HEAD")
                return sorted(found | {"OPTIONS"})
        return None


def _split(template: str) -> Iterable[str]:
    # Literal text and parameters, alternating: "/a/{id}/b" -> "/a/", "{id}", "/b".
    last = 0
    for match in _PARAM.finditer(template):
        yield template[last : match.start()]
        yield match.group()
        last = match.end()
    yield template[last:]


class AllowMiddleware:
    """Answers ``OPTIONS`` with 204 and ``Allow``; puts the full list on every 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._table: MethodTable | None = None

    def _methods(self, scope: Scope) -> list[str] | None:
        if self._table is None:
            self._table = MethodTable(scope["app"].openapi().get("paths", {}))
        return self._table.allowed(scope["path"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = self._methods(scope)
        if methods is None:
            await self.app(scope, receive, send)
            return
        allow = ", ".join(methods).encode()
        if scope["method"] == "OPTIONS":
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [(b"allow", allow)],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", allow)]
            await send(message)

        await self.app(scope, receive, send_with_allow)
