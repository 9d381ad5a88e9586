"""Materials: on hand, reserved and available per product, and whom the reservations serve."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kiosk.queries.office import materials as material_rows
from sync.server.office import web
from sync.server.office.sites import chosen_site
from sync.server.state import State

router = APIRouter()


@router.get("/materials")
def materials(request: Request, _: web.Person, state: State) -> Response:
    with state.read() as session:
        site, sites = chosen_site(session, request.query_params.get("site"))
        rows = material_rows(session, site.id)
    return web.render(request, "materials.html", {"rows": rows, "site": site, "sites": sites})
