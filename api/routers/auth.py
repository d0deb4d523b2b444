from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from api.deps import ActorDep, SessionDep, SettingsDep
from api.errors import error_response
from api.schemas.misc import TokenOut
from api.schemas.org import PasswordChange, ProfilePatch, StaffOut
from fieldforce.auth.service import LoginRequest, login
from fieldforce.errors import Unauthorized
from fieldforce.org import staff as staff_service

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses={
        401: {"description": "wrong credentials, disabled account or revoked device"},
        429: {"description": "too many failed attempts; see Retry-After"},
    },
)
def issue_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=256)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form()] = "",
    tenant: Annotated[str | None, Form(max_length=63, description="tenant slug")] = None,
    client_id: Annotated[str | None, Form(max_length=64, description="device identifier")] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
) -> TokenOut | JSONResponse:
    """OAuth2 password flow. The tenant is the `tenant` field, or `tenant/login` as the
    user name, or implied when the login exists in one tenant only. A phone app may add
    its device credentials (`client_id`, `client_secret`) to bind the token to the device,
    so that revoking the device ends the session."""
    req = LoginRequest(
        username=username,
        password=password,
        tenant=tenant,
        client_id=client_id,
        client_secret=client_secret,
        ip=request.client.host if request.client else None,
    )
    try:
        issued = login(session, settings, req)
    except Unauthorized as exc:
        # Returned, not raised, so that the session still commits the failed attempt.
        return error_response(exc)
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.get("/me", response_model=StaffOut)
def me(actor: ActorDep, session: SessionDep) -> object:
    return actor.visible_staff(session, actor.staff_id)


@router.patch("/me", response_model=StaffOut)
def update_me(body: ProfilePatch, actor: ActorDep, session: SessionDep) -> object:
    return staff_service.update_own_profile(session, actor, body.changes())


@router.post("/me/password", status_code=204)
def change_password(body: PasswordChange, actor: ActorDep, session: SessionDep) -> None:
    staff_service.change_own_password(session, actor, body.current_password, body.new_password)
