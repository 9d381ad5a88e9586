"""Kiosk enrolment: one-time codes that expire, device tokens, revocation."""

from __future__ import annotations

import secrets
from typing import Protocol

from sqlalchemy import select, update

from kiosk.domain.errors import Deactivated, NotFound
from kiosk.services.lookup import active_workstation
from kiosk.store.base import new_id, utcnow
from kiosk.store.models import ApiToken, Device, EnrolmentCode, Site, Workstation
from sync.server import audit_log, views
from sync.server.auth import digest, new_secret
from sync.server.state import ServerState


class Labelled(Protocol):
    """Whoever makes a code or revokes a device: an API principal or an office person."""

    @property
    def label(self) -> str: ...


#: No 0/O or 1/I, so a code read aloud or typed on a tablet survives.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_CHARS = 16  # 80 bits; single use and one hour, so far beyond guessing


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_enrolment_code(
    state: ServerState, workstation: str, who: Labelled
) -> views.EnrolmentCodeOut:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_CHARS))
    now = utcnow()
    expires = now + state.settings.enrolment_code_ttl
    with state.write() as session:
        ws = active_workstation(session, workstation, purpose="enrol new kiosks")
        session.add(
            EnrolmentCode(
                id=new_id(),
                code_hash=digest(raw),
                workstation_id=ws.id,
                created_by=who.label,
                created_at=now,
                expires_at=expires,
            )
        )
        audit_log.record(
            session,
            "create_enrolment_code",
            "applied",
            principal=who.label,
            workstation=ws.code,
            payload={"workstation": ws.code, "expires_at": expires.isoformat()},
        )
    shown = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return views.EnrolmentCodeOut(code=shown, expires_at=expires, workstation=ws.code)


def enrol(state: ServerState, code: str, name: str) -> views.EnrolOut | None:
    """A device and its token for a valid code (used up at once); None if the code is not valid."""
    now = utcnow()
    secret = new_secret()
    with state.write() as session:
        row = session.scalars(
            select(EnrolmentCode)
            .where(EnrolmentCode.code_hash == digest(_normalise(code)))
            .with_for_update()
        ).first()
        if row is None or row.used_at is not None or row.expires_at <= now:
            return None
        ws = session.get(Workstation, row.workstation_id)
        assert ws is not None
        if not ws.active:  # deactivated since the code was made; the code stays unused
            raise Deactivated(
                f"Workstation {ws.code} was deactivated: no kiosk can enrol there.",
                workstation=ws.code,
            )
        claimed = session.execute(
            update(EnrolmentCode)
            .where(EnrolmentCode.id == row.id, EnrolmentCode.used_at.is_(None))
            .values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        site = session.get(Site, ws.site_id)
        assert site is not None
        device = Device(
            id=new_id(),
            name=name,
            workstation_id=ws.id,
            site_id=ws.site_id,
            enrolled_at=now,
            last_seq=0,
        )
        session.add(device)
        session.flush()
        row.device_id = device.id
        session.add(
            ApiToken(
                id=new_id(),
                kind="device",
                name=name,
                token_hash=digest(secret),
                device_id=device.id,
                created_at=now,
            )
        )
        audit_log.record(
            session,
            "enrol_device",
            "applied",
            device_id=device.id,
            workstation=ws.code,
            payload={"name": name, "workstation": ws.code},
        )
        return views.EnrolOut(
            device_id=device.id, token=secret, workstation=ws.code, site=site.code
        )


def revoke(state: ServerState, device_id: str, who: Labelled) -> views.DeviceOut:
    now = utcnow()
    with state.write() as session:
        device = session.get(Device, device_id, with_for_update=True)
        if device is None:
            raise NotFound("That device does not exist.", id=device_id)
        if device.revoked_at is None:
            device.revoked_at = now
        session.execute(
            update(ApiToken)
            .where(ApiToken.device_id == device.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        audit_log.record(
            session, "revoke_device", "applied", principal=who.label, device_id=device.id
        )
    return list_devices(state, device_id)[0]


def list_devices(state: ServerState, device_id: str | None = None) -> list[views.DeviceOut]:
    with state.read() as session:
        query = (
            select(Device, Workstation.code, Site.code)
            .join(Workstation, Workstation.id == Device.workstation_id)
            .join(Site, Site.id == Device.site_id)
            .order_by(Device.enrolled_at)
        )
        if device_id is not None:
            query = query.where(Device.id == device_id)
        return [
            views.DeviceOut(
                id=d.id,
                name=d.name,
                workstation=ws,
                site=site,
                enrolled_at=d.enrolled_at,
                revoked_at=d.revoked_at,
                last_seen_at=d.last_seen_at,
                last_seen_address=d.last_seen_address,
                actions_waiting=d.outbox_depth,
                clock_drift_seconds=d.clock_drift_seconds,
            )
            for d, ws, site in session.execute(query).tuples()
        ]
