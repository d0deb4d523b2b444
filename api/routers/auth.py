from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from api.deps import ActorDep, SessionDep, SettingsDep, no_store
from api.schemas.misc import TokenOut
from api.schemas.org import PasswordChange, ProfilePatch, StaffOut
from api.schemas.types import Line
from fieldforce.auth.service import (
    IssuedToken,
    LoginRequest,
    login,
    token_for,
    verify_own_password,
)
from fieldforce.devices.service import app_device
from fieldforce.org import staff as staff_service

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _token_answer(issued: IssuedToken, response: Response) -> TokenOut:
    no_store(response)
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses={
        401: {"description": "wrong credentials, disabled account or revoked device"},
        422: {"description": "the login exists in several tenants with this password"},
        429: {"description": "too many failed attempts from this address; see Retry-After"},
    },
)
def issue_token(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[Line, Form(max_length=200)],
    password: Annotated[Line, Form(max_length=256)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[Line, Form()] = "",
    tenant: Annotated[Line | None, Form(max_length=63, description="tenant slug")] = None,
    client_id: Annotated[Line | None, Form(max_length=64, description="device identifier")] = None,
    client_secret: Annotated[Line | None, Form(max_length=256)] = None,
) -> TokenOut:
    """OAuth2 password flow. The tenant is the `tenant` field, or `tenant/login` as the
    user name, or implied when the login exists in one tenant only. A phone app may add
    its device credentials (`client_id`, `client_secret`) to bind the token to the device,
    so that revoking the device ends the session. After a few failed attempts for one
    account from one address, that address waits (429 with Retry-After) before trying that
    account again."""
    req = LoginRequest(
        username=username,
        password=password,
        tenant=tenant,
        client_id=client_id,
        client_secret=client_secret,
        ip=_client_ip(request),
    )
    return _token_answer(login(session, settings, req, app_device), response)


@router.get("/me", response_model=StaffOut)
def me(actor: ActorDep, session: SessionDep) -> object:
    return actor.visible_staff(session, actor.staff_id)


@router.patch("/me", response_model=StaffOut)
def update_me(body: ProfilePatch, actor: ActorDep, session: SessionDep) -> object:
    changes = staff_service.ProfileChanges(
        phone=body.sent("phone", body.phone), email=body.sent("email", body.email)
    )
    return staff_service.update_own_profile(session, actor, changes)


@router.post("/me/password", response_model=TokenOut)
def change_password(
    request: Request,
    body: PasswordChange,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> TokenOut:
    """Change one's password. Every token issued before stops working, the caller's too:
    the answer carries a fresh one (bound to the same device, if the old one was)."""
    staff = actor.visible_staff(session, actor.staff_id)
    verify_own_password(session, settings, staff, body.current_password, _client_ip(request))
    staff_service.change_own_password(session, actor, body.new_password)
    return _token_answer(token_for(settings, staff, device_id=actor.device_id), response)


@router.post("/me/sign-out-everywhere", status_code=204)
def sign_out_everywhere(actor: ActorDep, session: SessionDep) -> None:
    """End every session: all tokens issued to the caller so far, this one included."""
    staff_service.sign_out_own_sessions(session, actor)
