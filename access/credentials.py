"""Secrets at rest: passwords through Argon2id, random secrets (client secrets, codes, refresh tokens) by SHA-256.

A password is low-entropy and needs a slow, memory-hard KDF; a 256-bit random secret cannot be guessed, so a
fast hash is enough and keeps the token endpoint quick.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # Argon2id with the library's RFC 9106 "low memory" profile
# Verified against when the user does not exist, so an unknown name costs as long as a wrong password.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """An Argon2id hash of `password` (salted, parameters in the string)."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches; constant work whether or not there is a stored hash."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_secret(nbytes: int = 32) -> str:
    """A URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """The SHA-256 hex digest a random secret is stored as."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(stored_digest: str | None, secret: str) -> bool:
    """Constant-time comparison of `secret` with a stored digest."""
    return stored_digest is not None and hmac.compare_digest(stored_digest, digest(secret))


def new_id(prefix: str) -> str:
    """A public, unguessable object id such as `req-3kq9...`."""
    return f"{prefix}-{secrets.token_urlsafe(12).replace('_', 'x').replace('-', 'y')}"
