"""The office console's door: sign-in, the session cookie, CSRF, roles, throttle, idle.

On the real app (SQLite and PostgreSQL) through a TestClient that keeps cookies the
way a browser does.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from kiosk.store.base import utcnow
from kiosk.store.models import AuditEntry, OfficeSession, WorkOrder
from tests.server.conftest import ADMIN, API, Server, make_server
from tests.server.office_client import OFFICE, add_user, post, sign_in, signed_in, token_in


def test_nobody_signed_in_is_sent_to_the_sign_in_page_and_back(client: TestClient) -> None:
    bare = client.get(OFFICE, follow_redirects=False)
    assert bare.status_code == 308
    assert bare.headers["location"] == f"{OFFICE}/"
    grid = client.get(f"{OFFICE}/?status=ready", follow_redirects=False)
    assert grid.status_code == 303
    assert grid.headers["location"] == f"{OFFICE}/login?next=/office/%3Fstatus%3Dready"
    page = client.get(grid.headers["location"])
    assert '<label for="username">' in page.text
    assert '<label for="password">' in page.text
    assert 'name="username"' in page.text
    assert 'name="password"' in page.text
    htmx = client.get(f"{OFFICE}/work-orders/rows", headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"].startswith(f"{OFFICE}/login?next=")


def test_signing_in_sets_a_safe_cookie_and_names_the_person(server: Server) -> None:
    client = server.client
    add_user(server.engine, "olga")
    answer = sign_in(client, "olga")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{OFFICE}/"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("office_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/office" in cookie
    assert "Secure" not in cookie  # plain http here; behind TLS it is set
    grid = client.get(f"{OFFICE}/")
    assert grid.status_code == 200
    assert "olga" in grid.text
    assert grid.headers["Cache-Control"] == "no-store"
    with Session(server.engine) as session:
        said = session.scalars(
            select(AuditEntry.principal).where(AuditEntry.command_type == "office_sign_in")
        ).all()
    assert said == ["office:olga"]


def test_a_wrong_password_or_name_says_the_same_and_signs_nobody_in(server: Server) -> None:
    client = server.client
    add_user(server.engine, "olga")
    wrong = sign_in(client, "olga", "not it")
    nobody = sign_in(client, "nobody", "not it")
    assert wrong.status_code == nobody.status_code == 401
    assert "The user name or the password is wrong." in wrong.text
    assert "The user name or the password is wrong." in nobody.text
    assert client.get(f"{OFFICE}/", follow_redirects=False).status_code == 303


def test_a_login_form_from_elsewhere_is_refused(client: TestClient) -> None:
    # No login cookie: a cross-site form (login CSRF) cannot sign the browser in.
    forged = client.post(
        f"{OFFICE}/login",
        data={"username": "olga", "password": "x", "csrf_token": "guessed"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "expired" in forged.text


def test_five_failures_lock_the_name_even_for_the_right_password(server: Server) -> None:
    client = server.client
    add_user(server.engine, "olga")
    for _ in range(5):
        assert sign_in(client, "olga", "guess").status_code == 401
    locked = sign_in(client, "olga")
    assert locked.status_code == 401
    assert "Too many failed sign-ins" in locked.text
    add_user(server.engine, "petra")  # another name is not locked by olga's failures
    assert sign_in(client, "petra").status_code == 303


def test_a_form_without_the_session_token_changes_nothing(server: Server) -> None:
    client = server.client
    signed_in(client, server.engine)
    wo = server.plant.work_order("WIDGET", 2)
    for token in ("", "forged"):
        refused = post(client, f"/work-orders/{wo}/confirm", token)
        assert refused.status_code == 403
        assert "Nothing was changed" in refused.text
    assert server.plant.wo(wo).status.value == "draft"


def test_an_office_user_reads_but_admin_pages_are_refused(server: Server) -> None:
    client = server.client
    csrf = signed_in(client, server.engine, "otto", role="office")
    assert client.get(f"{OFFICE}/products").status_code == 200
    assert client.get(f"{OFFICE}/floor").status_code == 403
    assert client.get(f"{OFFICE}/shopify").status_code == 403
    assert ">Shopify<" not in client.get(f"{OFFICE}/").text  # not offered either
    refused = post(client, "/products", csrf, sku="NEW", name="New")
    assert refused.status_code == 403
    assert "admins" in refused.text.lower()
    assert client.get(f"{API}/products/NEW", headers=ADMIN).status_code == 404
    # The office role still runs orders: confirming a draft is theirs to do.
    wo = server.plant.work_order("WIDGET", 1)
    assert post(client, f"/work-orders/{wo}/confirm", csrf).status_code == 303


def test_signing_out_ends_the_session_for_good(server: Server) -> None:
    client = server.client
    csrf = signed_in(client, server.engine)
    cookie = client.cookies.get("office_session")
    assert post(client, "/logout", csrf).status_code == 303
    client.cookies.set("office_session", cookie or "", path="/office")
    assert client.get(f"{OFFICE}/", follow_redirects=False).status_code == 303


def test_an_idle_session_is_over(server: Server) -> None:
    client = server.client
    signed_in(client, server.engine)
    with Session(server.engine) as session, session.begin():
        session.execute(update(OfficeSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert client.get(f"{OFFICE}/", follow_redirects=False).status_code == 303


def test_the_idle_timeout_is_a_setting(engine: Engine) -> None:
    with make_server(engine, office_idle_timeout=timedelta(minutes=5)) as srv:
        signed_in(srv.client, engine)
        with Session(engine) as session, session.begin():
            session.execute(
                update(OfficeSession).values(last_seen_at=utcnow() - timedelta(minutes=6))
            )
        assert srv.client.get(f"{OFFICE}/", follow_redirects=False).status_code == 303


def test_api_tokens_keep_working_beside_the_console(server: Server) -> None:
    signed_in(server.client, server.engine)
    assert server.client.get(f"{API}/work-orders", headers=ADMIN).status_code == 200
    with Session(server.engine) as session:
        assert session.scalar(select(WorkOrder.id)) is None
    page = server.client.get(f"{OFFICE}/login")
    assert token_in(page.text)
