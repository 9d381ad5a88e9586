"""Devices: enrolment codes (admin), enrolment (the code is the credential), revocation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from sync.server import devices, schemas, views
from sync.server.auth import Admin, refuse
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import State

router = APIRouter(prefix="/devices", tags=["devices"], responses=PROBLEM_RESPONSES)


@router.post("/enrolment-codes", status_code=status.HTTP_201_CREATED)
def create_enrolment_code(
    body: schemas.EnrolmentCodeIn,
    who: Admin,
    state: State,
) -> views.EnrolmentCodeOut:
    """A one-time code for one workstation's kiosk, valid for an hour."""
    return devices.new_enrolment_code(state, body.workstation, who)


@router.post("/enrol", status_code=status.HTTP_201_CREATED)
def enrol_device(
    body: schemas.EnrolIn,
    request: Request,
    state: State,
) -> views.EnrolOut:
    """No token needed: the code is the credential. The device token is shown only here."""
    enrolled = devices.enrol(state, body.code, body.name)
    if enrolled is None:
        raise refuse(state, request, 401, "The enrolment code is not valid, used or expired.")
    return enrolled


@router.get("")
def list_devices(
    _: Admin,
    state: State,
) -> list[views.DeviceOut]:
    return devices.list_devices(state)


@router.post("/{device_id}/revoke")
def revoke_device(
    device_id: Annotated[str, Path(max_length=36)],
    who: Admin,
    state: State,
) -> views.DeviceOut:
    """The device's tokens stop working at once."""
    return devices.revoke(state, device_id, who)
