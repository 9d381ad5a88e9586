"""The office console as an app mounted at ``/office`` on the plant server.

A sub-app so that its failures are pages, not problem documents: a refusal names the
reason in plain words, a missing page is a page, and nothing shows a stack trace.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from kiosk.domain.errors import DomainError
from sync.server.inbox import Inbox
from sync.server.office import web
from sync.server.office.pages import (
    floor,
    login,
    materials,
    notifications,
    products,
    sales_orders,
    shopify,
    stock,
    work_orders,
)
from sync.server.shopify_stock import StockPusher
from sync.server.state import ServerState

log = logging.getLogger(__name__)

PREFIX = "/office"


def create_office(
    state: ServerState, inbox: Inbox, stock_pusher: StockPusher | None = None
) -> FastAPI:
    office = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    office.state.server = state
    office.state.inbox = inbox  # the console's replay applies a delivery as the API's does
    office.state.stock_pusher = stock_pusher
    office.mount("/static", StaticFiles(directory=web.HERE / "static"), name="static")
    for module in (
        login,
        work_orders,
        materials,
        stock,
        sales_orders,
        products,
        notifications,
        floor,
        shopify,
    ):
        office.include_router(module.router)
    _install_errors(office)
    return office


def _error(request: Request, status: int, title: str, detail: str) -> Response:
    return web.render(request, "error.html", {"title": title, "detail": detail}, status_code=status)


def _install_errors(office: FastAPI) -> None:
    @office.exception_handler(web.SignInNeeded)
    async def _sign_in(request: Request, err: web.SignInNeeded) -> Response:
        return web.see_other(web.sign_in_url(err.next_url), request)

    @office.exception_handler(web.RoleRefused)
    async def _role(request: Request, _: web.RoleRefused) -> Response:
        return _error(
            request, 403, "Admins only", "This page is for admins. Ask an admin to do it."
        )

    @office.exception_handler(web.CsrfRefused)
    async def _csrf(request: Request, _: web.CsrfRefused) -> Response:
        return _error(
            request,
            403,
            "Form expired",
            "This form was not sent from your current session (it may be old, or from "
            "another site). Nothing was changed. Go back, reload the page and try again.",
        )

    @office.exception_handler(DomainError)
    async def _domain(request: Request, err: DomainError) -> Response:
        return _error(request, err.http_status, "Not done", err.message)

    @office.exception_handler(RequestValidationError)
    async def _validation(request: Request, _: RequestValidationError) -> Response:
        return _error(request, 422, "Not understood", "That address or form is not valid.")

    @office.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Response:
        if err.status_code == 404:
            return _error(request, 404, "Not found", "There is no such page here.")
        return _error(request, err.status_code, "Not done", str(err.detail))

    @office.exception_handler(Exception)
    async def _unexpected(request: Request, _: Exception) -> Response:
        log.exception("office page failed: %s %s", request.method, request.url.path)
        return _error(
            request,
            500,
            "Something went wrong",
            "The server could not show this page. Nothing was changed; it has been logged.",
        )
