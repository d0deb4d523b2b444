"""Password and device-secret hashing (argon2 through pwdlib)."""

from __future__ import annotations

import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from fieldforce.errors import Invalid

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the login does not exist, so that timing does not tell.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
            code="weak_password",
        )
    if password.isdigit() or password.isalpha():
        raise Invalid("the password must mix letters with digits or symbols", code="weak_password")
