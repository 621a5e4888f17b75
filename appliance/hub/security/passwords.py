"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile).

Hashing and verifying cost tens of milliseconds of CPU on purpose; callers on the event
loop run them in a thread (:func:`hash_password_async`, :func:`verify_password_async`).
Passwords are never logged, stored or echoed; only the hash is kept.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LEN: Final = 10
MAX_PASSWORD_LEN: Final = 1024  # argon2 takes any length; this bounds the CPU per attempt

_HASHER: Final = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash of a password nobody has: verifying against it when the user does not
    exist costs the same time as a real check, so timing does not tell which usernames
    exist. Made on first use (hashing at import would slow every CLI start)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class WeakPasswordError(ValueError):
    """The password is too short or too long (the message says which, not the password)."""


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LEN:
        raise WeakPasswordError(f"password shorter than {MIN_PASSWORD_LEN} characters")
    if len(password) > MAX_PASSWORD_LEN:
        raise WeakPasswordError(f"password longer than {MAX_PASSWORD_LEN} characters")


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing user (None) takes the same time."""
    if len(password) > MAX_PASSWORD_LEN:
        return False
    try:
        return (
            _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)
