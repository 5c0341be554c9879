"""Password hashing with Argon2id, a memory-hard algorithm."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_LENGTH = 8
MAX_LENGTH = 128


def hash_password(password: str) -> str:
    """Return the Argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether `password` matches `password_hash`; None or "" checks a dummy hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rule(password: str) -> str | None:
    """Return why `password` is not acceptable, or None if it is."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"must be {MIN_LENGTH} to {MAX_LENGTH} characters"
    return None


@functools.cache
def _dummy_hash() -> str:
    # Verifying against this hash when a user does not exist costs the same time as
    # a real check, so response times do not reveal which user names exist. It is
    # made on first use because hashing takes tens of milliseconds at start-up.
    return _hasher.hash("liteimages-no-such-user")
