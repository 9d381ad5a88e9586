"""The floor: workstations, operators and kiosks (enrolment codes, revocation, health).

Admins only: these change who can record work and where. Every change goes through
the same commands (and, for kiosks, the same device functions) as the API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from kiosk.commands import (
    Command,
    CreateOperator,
    CreateWorkstation,
    EditOperator,
    EditWorkstation,
    SetOperatorActive,
    SetWorkstationActive,
)
from kiosk.domain.errors import DomainError, NotFound
from kiosk.queries import master_data
from sync.server import devices
from sync.server.office import web
from sync.server.office.accounts import OfficePerson
from sync.server.office.actor import actor_of
from sync.server.office.qrcode import qr_svg
from sync.server.state import ServerState, State

router = APIRouter()


def _floor(state: ServerState) -> dict[str, Any]:
    with state.read() as session:
        stations = master_data.workstations(session)
        people = master_data.operators(session)
        sites = master_data.sites(session, active=True)
    now = datetime.now(UTC)
    kiosks = [
        {
            "device": d,
            "lag": (now - d.last_seen_at).total_seconds() if d.last_seen_at else None,
        }
        for d in devices.list_devices(state)
    ]
    return {"stations": stations, "people": people, "sites": sites, "kiosks": kiosks}


def _page(request: Request, state: ServerState, status: int = 200, **extra: Any) -> Response:
    return web.render(request, "floor.html", {**_floor(state), **extra}, status_code=status)


@router.get("/floor")
def floor(request: Request, _: web.AdminPerson, state: State) -> Response:
    return _page(request, state)


def _command(kind: str, key: str, action: str, form: FormData, who: OfficePerson) -> Command:
    actor = actor_of(who)
    text = web.field
    match kind, action:
        case "workstations", "new":
            return CreateWorkstation(
                code=text(form, "code"),
                name=text(form, "name"),
                type=text(form, "type") or None,
                site=text(form, "site") or None,
                actor=actor,
            )
        case "workstations", "edit":
            return EditWorkstation(
                code=key, name=text(form, "name"), type=text(form, "type"), actor=actor
            )
        case "workstations", "deactivate" | "reactivate":
            return SetWorkstationActive(code=key, active=action == "reactivate", actor=actor)
        case "operators", "new":
            return CreateOperator(
                badge=text(form, "badge"),
                name=text(form, "name"),
                pin=text(form, "pin"),
                role=text(form, "role") or "operator",
                site=text(form, "site") or None,
                actor=actor,
            )
        case "operators", "edit":
            return EditOperator(
                badge=key,
                name=text(form, "name") or None,
                role=text(form, "role") or None,
                pin=text(form, "pin") or None,
                actor=actor,
            )
        case "operators", "deactivate" | "reactivate":
            return SetOperatorActive(badge=key, active=action == "reactivate", actor=actor)
    raise NotFound("There is no such action.", action=action)


@router.post("/floor/{kind}/new")
def create(
    request: Request, kind: str, who: web.AdminPerson, form: web.Form, state: State
) -> Response:
    return _run(request, state, kind, _command(kind, "", "new", form, who), form)


def _run(
    request: Request, state: ServerState, kind: str, command: Command, form: FormData
) -> Response:
    try:
        state.run(command)
    except DomainError as err:
        echo = {k: v for k, v in form.items() if isinstance(v, str) and k != "pin"}
        status = err.http_status if err.http_status != 404 else 422
        return _page(request, state, status, error=err, error_kind=kind, form=echo)
    return web.see_other(f"/office/floor#{kind}", request)


@router.post("/floor/kiosks/code")
def enrolment_code(
    request: Request, who: web.AdminPerson, form: web.Form, state: State
) -> Response:
    """A new enrolment code, shown once as text and as a QR code with its expiry."""
    try:
        made = devices.new_enrolment_code(state, web.field(form, "workstation"), who)
    except DomainError as err:
        return _page(request, state, 409, error=err, error_kind="kiosks", form={})
    return _page(request, state, code=made, code_qr=qr_svg(made.code))


@router.post("/floor/kiosks/{device_id}/revoke")
def revoke(
    request: Request, device_id: str, who: web.AdminPerson, _: web.Form, state: State
) -> Response:
    devices.revoke(state, device_id[:36], who)
    return web.see_other("/office/floor#kiosks", request)


# After the kiosk routes: /floor/kiosks/{id}/revoke must not be taken for an action.
@router.post("/floor/{kind}/{key}/{action}")
def act(
    request: Request,
    kind: str,
    key: str,
    action: str,
    who: web.AdminPerson,
    form: web.Form,
    state: State,
) -> Response:
    return _run(request, state, kind, _command(kind, key[:64], action, form, who), form)
