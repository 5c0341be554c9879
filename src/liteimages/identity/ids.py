"""Identifiers and secrets in the shapes Huawei Cloud uses."""

from __future__ import annotations

import re
import secrets
import string

PROJECT_ID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,64}$")
ACCESS_KEY_ALPHABET = string.ascii_uppercase + string.digits
SECRET_KEY_ALPHABET = string.ascii_letters + string.digits


def new_hex_id() -> str:
    """Return a random 32-character lower-case hex id, the form of account, project and user ids."""
    return secrets.token_hex(16)


def new_access_key() -> str:
    """Return a random 20-character access key id."""
    return "".join(secrets.choice(ACCESS_KEY_ALPHABET) for _ in range(20))


def new_secret_key() -> str:
    """Return a random 40-character secret access key."""
    return "".join(secrets.choice(SECRET_KEY_ALPHABET) for _ in range(40))


def new_token() -> str:
    """Return a new opaque token value with 384 bits of randomness."""
    return secrets.token_urlsafe(48)


def is_project_id(value: str) -> bool:
    """Return whether `value` is a valid project id: 1 to 64 letters, digits and hyphens."""
    return PROJECT_ID_PATTERN.fullmatch(value) is not None
