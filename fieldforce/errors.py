"""The one error hierarchy of the domain. ``api`` maps each class to an HTTP status once."""

from __future__ import annotations

from typing import Any, Self

from pydantic import ValidationError


class FieldforceError(Exception):
    code = "error"
    # Whether the request's transaction is committed before the error is answered. Only a
    # refusal that must be remembered is (``kept()``): a failed sign-in is recorded so that
    # the next guesses wait. Whatever else a failing request did is rolled back.
    keeps_work = False

    def kept(self) -> Self:
        self.keeps_work = True
        return self

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class Invalid(FieldforceError):
    code = "invalid"

    @classmethod
    def from_validation(cls, message: str, code: str, exc: ValidationError) -> Invalid:
        """Pydantic's errors as details: where and why, never the input (it may be a
        secret)."""
        details = exc.errors(include_url=False, include_context=False, include_input=False)
        return cls(message, code=code, details=details)


class TooLarge(Invalid):
    """A body or file over its size limit (413)."""

    code = "payload_too_large"


class UnsupportedMediaType(Invalid):
    """Content of a type the endpoint does not take (415)."""

    code = "unsupported_media_type"


class BadRequest(FieldforceError):
    """A request a protocol peer sent that cannot be understood at all."""

    code = "bad_request"


class NotFound(FieldforceError):
    code = "not_found"


class Unauthorized(FieldforceError):
    code = "unauthorized"
    challenge = "Bearer"  # the WWW-Authenticate scheme the client should answer with

    def with_challenge(self, challenge: str) -> Unauthorized:
        self.challenge = challenge
        return self


class Forbidden(FieldforceError):
    code = "forbidden"


class ModuleDisabled(Forbidden):
    code = "module_disabled"

    def __init__(self, module: str) -> None:
        super().__init__(
            f"the '{module}' module is not enabled for this tenant", details={"module": module}
        )


class Conflict(FieldforceError):
    code = "conflict"


class RateLimited(FieldforceError):
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


class Unavailable(FieldforceError):
    code = "unavailable"
