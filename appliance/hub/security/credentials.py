"""High-entropy credentials and their stored form.

Agent secrets, enrolment tokens, session cookies, CSRF tokens and API tokens are all
random values of :data:`SECRET_BYTES` bytes. The hub stores only their SHA-256
(:func:`secret_hash`): with 256 bits of entropy no salt or slow hash is needed (nothing
to brute-force), and a lookup stays one indexed equality — O(1) per link upgrade or
request, where an argon2 hash would cost ~50 ms of CPU each. Passwords, which people
choose, get argon2 instead (:mod:`appliance.hub.security.passwords`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

SECRET_BYTES: Final = 32
# Anything shorter than this cannot be one of ours; refused before hashing.
MIN_SECRET_LEN: Final = 32
MAX_SECRET_LEN: Final = 256


def new_secret() -> str:
    """A fresh URL-safe random credential (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """The stored form of a credential: SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def plausible_secret(secret: str | None) -> bool:
    """Cheap sanity check before a lookup: a value of the right size."""
    return secret is not None and MIN_SECRET_LEN <= len(secret) <= MAX_SECRET_LEN


def same_secret(stored_hash: str, given: str | None) -> bool:
    """Constant-time check of ``given`` against a stored hash; False when missing."""
    if given is None or not plausible_secret(given):
        return False
    return hmac.compare_digest(stored_hash, secret_hash(given))
