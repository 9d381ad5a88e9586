"""Checks shared by the sync tests: replicated state on both ends, a response-dropping proxy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from sqlalchemy import Engine, select

from kiosk.store.models import Site
from kiosk.store.replication import key_of, site_rows, tables_in_order, to_json

State = dict[str, dict[str, dict[str, Any]]]


def server_state(engine: Engine, site_code: str = "MAIN") -> State:
    """The server's rows of one site, table by table, as a kiosk would hold them."""
    with engine.connect() as conn:
        site_id = conn.execute(select(Site.id).where(Site.code == site_code)).scalar_one()
        return {
            t.name: {
                key_of(t, dict(r)): to_json(t, dict(r))
                for r in conn.execute(site_rows(t, site_id)).mappings()
            }
            for t in tables_in_order()
        }


def kiosk_state(engine: Engine) -> State:
    with engine.connect() as conn:
        return {
            t.name: {
                key_of(t, dict(r)): to_json(t, dict(r)) for r in conn.execute(select(t)).mappings()
            }
            for t in tables_in_order()
        }


def differences(a: State, b: State) -> list[str]:
    out = []
    for name in a:
        for key in a[name].keys() | b[name].keys():
            if a[name].get(key) != b[name].get(key):
                out.append(f"{name} {key}: {a[name].get(key)} != {b[name].get(key)}")
    return out


class DroppingProxy:
    """Forwards HTTP to ``upstream``; while ``drop_pushes`` > 0 it lets a push reach the
    server and commit, then closes the connection instead of answering. While ``down``
    (the network is out) it answers nothing at all."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.down = False
        self.drop_pushes = 0
        self.dropped = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                if proxy.down:  # the cable is out: the connection just drops
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.request(
                    self.command, proxy.upstream + self.path, data=body, headers=headers, timeout=30
                )
                if self.path.endswith("/sync/push") and proxy.drop_pushes > 0:
                    proxy.drop_pushes -= 1
                    proxy.dropped += 1
                    self.close_connection = True
                    return  # the server committed; the kiosk never hears of it
                self.send_response(answer.status_code)
                for k, v in answer.headers.items():
                    if k.lower() not in (
                        "content-length",
                        "transfer-encoding",
                        "connection",
                        "content-encoding",
                    ):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = _forward  # noqa: N815 (http.server's names)
            do_POST = _forward  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[DroppingProxy]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
