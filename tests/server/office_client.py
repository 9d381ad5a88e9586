"""Signing in to the office console from a TestClient, as a browser would."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sync.server.office.accounts import create_user

OFFICE = "/office"
_HIDDEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_user(
    engine: Engine, username: str, role: str = "admin", password: str = "correct horse"
) -> None:
    with Session(engine) as session, session.begin():
        create_user(session, username, role, password, by="test")


def token_in(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _HIDDEN.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = "correct horse") -> Response:
    form = client.get(f"{OFFICE}/login")
    assert form.status_code == 200
    return client.post(
        f"{OFFICE}/login",
        data={"username": username, "password": password, "csrf_token": token_in(form.text)},
        follow_redirects=False,
    )


def signed_in(
    client: TestClient, engine: Engine, username: str = "olga", role: str = "admin"
) -> str:
    """Sign ``username`` in (made first); the session's CSRF token."""
    add_user(engine, username, role)
    answer = sign_in(client, username)
    assert answer.status_code == 303, answer.text
    return token_in(client.get(f"{OFFICE}/").text)


def post(client: TestClient, path: str, csrf: str, **fields: str | list[str]) -> Response:
    return client.post(
        f"{OFFICE}{path}", data={**fields, "csrf_token": csrf}, follow_redirects=False
    )
