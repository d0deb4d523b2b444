from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from api.deps import ActorDep, CursorQ, LimitQ, SessionDep, no_store
from api.schemas.common import Page
from api.schemas.devices import DeviceCreate, DeviceIssued, DeviceOut, PushToken
from fieldforce.devices import service as devices
from fieldforce.devices.service import IssuedDevice

router = APIRouter(prefix="/api/v1", tags=["devices"])


def _issued(issued: IssuedDevice) -> DeviceIssued:
    return DeviceIssued.model_validate(
        {
            **DeviceOut.model_validate(issued.device).model_dump(),
            "identifier": issued.identifier,
            "secret": issued.secret,
        }
    )


# the answers that carry a device's credentials are kept by no cache
ISSUES_CREDENTIALS = [Depends(no_store)]


@router.post(
    "/devices", response_model=DeviceIssued, status_code=201, dependencies=ISSUES_CREDENTIALS
)
def register_device(body: DeviceCreate, actor: ActorDep, session: SessionDep) -> DeviceIssued:
    """Register a phone or tracker app. The answer carries its `identifier` and `secret`,
    shown only here (and on rotation): only their hashes are kept, and lists show the
    identifier's `fingerprint`."""
    issued = devices.register_device(
        session,
        actor,
        staff_id=body.staff_id,
        platform=body.platform.value,
        protocol=body.protocol.value,
        name=body.name,
    )
    return _issued(issued)


@router.get("/devices", response_model=Page[DeviceOut])
def list_devices(
    actor: ActorDep,
    session: SessionDep,
    staff_id: uuid.UUID | None = None,
    include_revoked: bool = False,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> object:
    return devices.list_devices(
        session,
        actor,
        staff_id=staff_id,
        include_revoked=include_revoked,
        limit=limit,
        cursor=cursor,
    )


@router.get("/devices/{device_id}", response_model=DeviceOut)
def get_device(device_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> object:
    return devices.visible_device(session, actor, device_id)


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut)
def revoke_device(device_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> object:
    """Revoked devices can no longer report, and tokens bound to them stop working."""
    return devices.revoke_device(session, actor, device_id)


@router.post(
    "/devices/{device_id}/secret", response_model=DeviceIssued, dependencies=ISSUES_CREDENTIALS
)
def rotate_device_credentials(
    device_id: uuid.UUID, actor: ActorDep, session: SessionDep
) -> DeviceIssued:
    """Issue a new identifier and secret (shown once); the old ones stop working at once,
    so the app must be set up again with the new ones."""
    return _issued(devices.rotate_credentials(session, actor, device_id))


@router.put("/devices/{device_id}/push-token", response_model=DeviceOut)
def set_push_token(
    device_id: uuid.UUID, body: PushToken, actor: ActorDep, session: SessionDep
) -> object:
    """The phone's own user registers (or clears, with null) its FCM token."""
    return devices.set_fcm_token(session, actor, device_id, body.fcm_token)
