"""What every office page shares: the templates, who is signed in, CSRF, and rendering.

A page handler asks for :data:`Person` (signed in, any role) or :data:`AdminPerson`;
a form handler also for :data:`Form`, which refuses a request without the session's
CSRF token. Nobody signed in: the browser is sent to the sign-in page (htmx is told
with ``HX-Redirect``), and comes back where it was going afterwards.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.responses import Response

from kiosk.domain.quantities import fmt_qty
from sync.server.office import sessions
from sync.server.office.accounts import OfficePerson
from sync.server.state import ServerState, State

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def _qty(value: Decimal | int | str | None) -> str:
    return "" if value is None else fmt_qty(Decimal(value))


def _when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) if value else ""


templates.env.filters["qty"] = _qty
templates.env.filters["when"] = _when
templates.env.filters["day"] = lambda v: _when(v, "%Y-%m-%d")


class SignInNeeded(Exception):
    """No live session: go to the sign-in page (and come back to ``next``)."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class RoleRefused(Exception):
    """Signed in, but this page or action is for admins."""


class CsrfRefused(Exception):
    """A form or htmx request without this session's CSRF token."""


def sign_in_url(next_url: str) -> str:
    return "/office/login?next=" + quote(next_url, safe="/")


def signed_in(request: Request, state: State) -> sessions.SignedIn:
    secret = request.cookies.get(sessions.COOKIE)
    with state.write() as session:
        live = sessions.resolve(session, secret, state.settings.office_idle_timeout)
    if live is None:
        path = request.url.path
        if request.method != "GET" or request.headers.get("HX-Request"):
            path = request.headers.get("HX-Current-URL") or "/office/"
        elif request.url.query:
            path += "?" + request.url.query
        raise SignInNeeded(path)
    request.state.office = live
    return live


Live = Annotated[sessions.SignedIn, Depends(signed_in)]


def person(live: Live) -> OfficePerson:
    return live.person


def admin_person(live: Live) -> OfficePerson:
    if not live.person.is_admin:
        raise RoleRefused
    return live.person


Person = Annotated[OfficePerson, Depends(person)]
AdminPerson = Annotated[OfficePerson, Depends(admin_person)]


async def checked_form(request: Request, live: Live) -> FormData:
    """The submitted form, if it carries this session's CSRF token (field or header)."""
    form = await request.form()
    token = form.get(sessions.CSRF_FIELD)
    given = token if isinstance(token, str) else request.headers.get(sessions.CSRF_HEADER)
    if not live.csrf_ok(given):
        raise CsrfRefused
    return form


Form = Annotated[FormData, Depends(checked_form)]


def field(form: FormData, name: str, default: str = "") -> str:
    """A text field of ``form``, trimmed ("" when missing or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    live: sessions.SignedIn | None = getattr(request.state, "office", None)
    values: dict[str, Any] = {
        "person": live.person if live else None,
        "csrf_token": live.csrf_token if live else "",
        "path": request.url.path,
    }
    values.update(context or {})
    response = templates.TemplateResponse(
        request, template, values, status_code=status_code, headers=headers
    )
    _no_store(response)
    return response


def _no_store(response: Response) -> None:
    # Pages name people, stock and orders: no shared cache keeps them; nobody frames them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"


def see_other(url: str, request: Request | None = None) -> Response:
    """After a form: go to ``url`` (an htmx request is told with ``HX-Redirect``)."""
    if request is not None and request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return Response(status_code=303, headers={"Location": url})


def server(request: Request) -> ServerState:
    return request.app.state.server  # type: ignore[no-any-return]
