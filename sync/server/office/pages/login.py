"""Sign in and sign out."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from sync.server import audit_log
from sync.server.office import accounts, sessions, web
from sync.server.state import State

router = APIRouter()


def _safe_next(value: str) -> str:
    """Only a path of this console: never an address elsewhere (open redirect)."""
    if value.startswith("/office/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/office/"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request, next_url: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    token = sessions.new_login_token()
    response = web.render(
        request,
        "login.html",
        {"next": next_url, "error": error, "username": username, "login_token": token},
        status_code=status,
    )
    response.set_cookie(
        sessions.LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/office/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/office/") -> Response:
    return _login_page(request, _safe_next(next))


@router.post("/login")
async def login(request: Request, state: State) -> Response:
    form = await request.form()
    username = web.field(form, "username")
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    next_url = _safe_next(web.field(form, "next", "/office/"))
    cookie = request.cookies.get(sessions.LOGIN_COOKIE, "")
    given = web.field(form, sessions.CSRF_FIELD)
    if not cookie or not hmac.compare_digest(cookie, given):
        return _login_page(
            request, next_url, "The sign-in form expired. Please try again.", username, 403
        )
    if not username or not password:
        return _login_page(request, next_url, "Enter your user name and password.", username, 422)
    try:
        with state.write() as session:
            try:
                person = accounts.sign_in(session, username, password)
            except accounts.SignInRefused as refused:
                error = str(refused)
            else:
                secret = sessions.start(session, person)
                error = ""
    except IntegrityError:  # two first failures for one new name at once: one is counted
        error = "The user name or the password is wrong."
    if error:
        return _login_page(request, next_url, error, username, 401)
    response = web.see_other(next_url)
    response.set_cookie(
        sessions.COOKIE,
        secret,
        path="/office",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(sessions.LOGIN_COOKIE, path="/office/login")
    return response


@router.post("/logout")
def logout(request: Request, live: web.Live, _: web.Form, state: State) -> Response:
    with state.write() as session:
        sessions.end(session, live.session_id)
        audit_log.record(session, "office_sign_out", "applied", principal=live.person.principal)
    response = web.see_other("/office/login")
    response.delete_cookie(sessions.COOKIE, path="/office")
    return response
