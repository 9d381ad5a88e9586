"""Bearer tokens: who is calling (an admin or an enrolled device) and what they may reach."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.commands import Actor
from kiosk.store.base import new_id, utcnow
from kiosk.store.models import ApiToken, Device, Workstation
from sync.server import audit_log, last_seen
from sync.server.problems import ApiProblem
from sync.server.state import ServerState, State

log = logging.getLogger(__name__)

#: 32 random bytes = 256 bits; the prefix makes a leaked token easy to recognise.
TOKEN_BYTES = 32
TOKEN_PREFIX = "kst_"

bearer = HTTPBearer(auto_error=False, description="An admin token or a device token.")


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def digest(secret: str) -> str:
    """Tokens are long random secrets, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Principal:
    kind: Literal["admin", "device"]
    name: str
    token_id: str | None = None
    device_id: str | None = None
    site_id: str | None = None
    workstation: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    def actor(self, **extra: str | None) -> Actor:
        """The actor named on commands: an admin is an office principal (supervisor rights)."""
        if self.is_admin:
            return Actor(principal=f"admin:{self.name}", **extra)
        return Actor(device_id=self.device_id, workstation=self.workstation, **extra)

    @property
    def label(self) -> str:
        return f"admin:{self.name}" if self.is_admin else f"device:{self.device_id}"


def create_admin_token(state: ServerState, name: str) -> str:
    """A new admin token; the secret is returned once and only its hash is stored."""
    secret = new_secret()
    with state.write() as session:
        session.add(
            ApiToken(
                id=new_id(), kind="admin", name=name, token_hash=digest(secret), created_at=utcnow()
            )
        )
        audit_log.record(session, "create_admin_token", "applied", principal=f"admin:{name}")
    return secret


def resolve(session: Session, secret: str, bootstrap: str | None) -> Principal | None:
    hashed = digest(secret)
    if bootstrap and hmac.compare_digest(hashed, digest(bootstrap)):
        return Principal("admin", "bootstrap")
    row = session.execute(
        select(ApiToken, Device, Workstation.code)
        .outerjoin(Device, Device.id == ApiToken.device_id)
        .outerjoin(Workstation, Workstation.id == Device.workstation_id)
        .where(ApiToken.token_hash == hashed, ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    token, device, workstation = row
    if token.kind == "admin":
        return Principal("admin", token.name, token.id)
    if device is None or device.revoked_at is not None:
        return None
    return Principal("device", device.name, token.id, device.id, device.site_id, workstation)


def refuse(
    state: ServerState,
    request: Request,
    status: int,
    detail: str,
    principal: Principal | None = None,
) -> ApiProblem:
    """Audit a refused request and build the problem to raise."""
    problem = ApiProblem(status, detail)
    with state.write() as session:
        audit_log.record(
            session,
            "authorize",
            "refused",
            code=problem.code,
            detail=f"{request.method} {request.url.path}: {detail}",
            principal=principal.label if principal and principal.is_admin else None,
            device_id=principal.device_id if principal else None,
            workstation=principal.workstation if principal else None,
            payload={"method": request.method, "path": request.url.path},
        )
    log.info("refused %s %s: %s", request.method, request.url.path, detail)
    return problem


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    state: State,
) -> Principal:
    """Any valid token: an admin or a device."""
    if credentials is None or not credentials.credentials:
        raise refuse(state, request, 401, "A bearer token is required.")
    with state.read() as session:
        principal = resolve(session, credentials.credentials, state.settings.admin_token)
    if principal is None:
        raise refuse(state, request, 401, "The token is not valid (unknown or revoked).")
    if principal.device_id is not None:
        last_seen.note_seen(state, request, principal.device_id)
    request.state.principal = principal
    return principal


def admin_only(
    request: Request,
    principal: Annotated[Principal, Depends(authenticated)],
    state: State,
) -> Principal:
    """An admin token; a device token is the wrong scope (403)."""
    if not principal.is_admin:
        raise refuse(state, request, 403, "This needs an admin token.", principal)
    return principal


def forbid_other_site(
    state: ServerState, request: Request, principal: Principal, site_id: str | None
) -> None:
    """A device may name only its own site."""
    if not principal.is_admin and site_id != principal.site_id:
        raise refuse(state, request, 403, "This kiosk may only see its own site.", principal)


#: Any valid token (an admin or a device), as a FastAPI dependency.
Caller = Annotated[Principal, Depends(authenticated)]
#: An admin token only.
Admin = Annotated[Principal, Depends(admin_only)]
