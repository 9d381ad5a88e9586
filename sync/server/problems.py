"""Every error as ``application/problem+json``: ``{type, title, status, detail, code}``."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.domain.errors import DomainError, NotFound

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://shopfloor-kiosk.invalid/problems/"

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "too_many_attempts",
    501: "not_implemented",
    503: "unavailable",
}


class Problem(BaseModel):
    """An RFC 9457 problem; ``code`` is the stable machine name, ``detail`` is for people."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    #: The finer stable name a client decides on (``needs_supervisor`` for a
    #: ``forbidden``); the same as ``code`` where there is none finer.
    reason: str | None = None
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Exception):
    """Raised by the server itself (auth, scoping, limits) to answer with a problem."""

    def __init__(self, status: int, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or _CODES_BY_STATUS.get(status, "error")


def problem_response(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    code = code or _CODES_BY_STATUS.get(status, "error")
    body = {
        "type": TYPE_BASE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        "reason": extra.pop("reason", None) or code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def http_status(request: Request, err: DomainError) -> int:
    """404 means the resource the URL names is missing, and nothing else (RFC 9110).

    The core raises one NotFound for any missing thing. When a body names it (a BOM's
    component, a line of the order, the workstation to move to) the URL's resource is
    there and the request conflicts with the plant as it is now: 409, code ``not_found``.
    """
    if not isinstance(err, NotFound) or request.method not in ("POST", "PUT", "PATCH"):
        return err.http_status
    targets = {str(value) for value in request.path_params.values()}
    if any(str(value) in targets for value in err.context.values()):
        return err.http_status
    return 409


def _problem_content() -> dict[str, Any]:
    return {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


#: Declared on every router so the OpenAPI document says what errors look like.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": HTTPStatus(status).phrase}
    for status in (401, 403, 404, 409, 422)
}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a problem."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, err: DomainError) -> JSONResponse:
        return problem_response(
            http_status(request, err), err.message, code=err.code, reason=err.reason
        )

    @app.exception_handler(ApiProblem)
    async def _api(_: Request, err: ApiProblem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
        return problem_response(err.status, err.detail, code=err.code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, err: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in err.errors()
        ]
        loc: list[str] = errors[0]["loc"] if errors else []  # type: ignore[assignment]
        msg = str(errors[0]["msg"]) if errors else "invalid request"
        where = ".".join(loc[1:] or loc)
        detail = f"{where}: {msg}" if where else msg
        return problem_response(422, detail, code="validation", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, err: StarletteHTTPException) -> JSONResponse:
        detail = err.detail if isinstance(err.detail, str) else HTTPStatus(err.status_code).phrase
        headers = dict(err.headers) if err.headers else None
        return problem_response(err.status_code, detail, headers=headers)

    @app.exception_handler(DataError)
    async def _data(_: Request, err: DataError) -> JSONResponse:
        # A value the database cannot hold (too long, a NUL byte): bad input, not a crash.
        log.info("refused by the database: %s", err.orig)
        return problem_response(422, "A value is too long or not valid text.", code="validation")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, err: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem_response(500, "Something went wrong on the server.", code="internal")
