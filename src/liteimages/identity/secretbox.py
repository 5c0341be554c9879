"""Encryption at rest for secret access keys (Fernet: AES-128-CBC with HMAC-SHA256)."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class SecretBoxError(Exception):
    """The encryption key is missing, malformed, or does not open a stored secret."""


class SecretBox:
    """Encrypts and decrypts secrets with one key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as error:
            raise SecretBoxError(
                "invalid encryption key: expected 32 bytes in URL-safe base64 "
                "(generate one with `liteimages secret-key`)"
            ) from error

    def encrypt(self, secret: str) -> str:
        """Return `secret` encrypted, as ASCII text."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """Return the secret inside `ciphertext`."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except InvalidToken as error:
            raise SecretBoxError(
                "a stored secret key cannot be decrypted: the encryption key differs "
                "from the one it was stored with"
            ) from error


def generate_key() -> bytes:
    """Return a new random key."""
    return Fernet.generate_key()


def load_or_create_key(path: Path) -> bytes:
    """Read the key at `path`, creating it (readable by the owner only) if absent."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own per call, so that threads of one process do not share it.
        staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}")
        descriptor = os.open(
            staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR
        )
        with os.fdopen(descriptor, "wb") as file:
            file.write(generate_key() + b"\n")
        # A hard link never replaces an existing file, so processes starting at once
        # agree on the first key written and no one reads a half-written file.
        try:
            os.link(staging, path)
        except FileExistsError:
            pass
        finally:
            staging.unlink()
    return path.read_bytes().strip()
