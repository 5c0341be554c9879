"""Verified-credential caches, so that the hot path does not query the database.

Entries are dropped as a whole when the identity revision changes (a key is
disabled, a token revoked, a grant changed), which every worker notices within
one polling interval.
"""

from __future__ import annotations

import enum
from typing import Literal, TypeVar

import anyio.to_thread

from liteimages.db.engine import Database
from liteimages.identity.credentials import load_key, load_token
from liteimages.identity.principal import KeyCredential, TokenCredential
from liteimages.identity.secretbox import SecretBox

MAX_ENTRIES = 50_000

V = TypeVar("V")


class _Unknown(enum.Enum):
    UNKNOWN = "unknown"


UNKNOWN: Literal[_Unknown.UNKNOWN] = _Unknown.UNKNOWN
"""The marker that `CredentialCache.known_key` returns for an access key not in the cache."""


class CredentialCache:
    """Access keys and tokens by id, including misses, loaded on first use."""

    def __init__(self, database: Database, box: SecretBox, max_entries: int = MAX_ENTRIES) -> None:
        self._database = database
        self._box = box
        self._max_entries = max_entries
        self._keys: dict[str, KeyCredential | None] = {}
        self._tokens: dict[str, TokenCredential | None] = {}
        # Bumped by every invalidation, so a load that started before one is not kept.
        self._generation = 0

    def invalidate(self) -> None:
        """Forget every cached credential."""
        self._generation += 1
        self._keys.clear()
        self._tokens.clear()

    def known_key(self, access_key: str) -> KeyCredential | None | Literal[_Unknown.UNKNOWN]:
        """Return the cached access key, None if it is known not to exist, or UNKNOWN."""
        return self._keys.get(access_key, UNKNOWN)

    async def key(self, access_key: str) -> KeyCredential | None:
        """Return the access key, or None if it does not exist."""
        if access_key in self._keys:
            return self._keys[access_key]
        generation = self._generation
        credential = await anyio.to_thread.run_sync(self._load_key, access_key)
        self._remember(self._keys, access_key, credential, generation)
        return credential

    async def token(self, token_hash: str) -> TokenCredential | None:
        """Return the token with this hash, or None if no such token was issued."""
        if token_hash in self._tokens:
            return self._tokens[token_hash]
        generation = self._generation
        credential = await anyio.to_thread.run_sync(self._load_token, token_hash)
        self._remember(self._tokens, token_hash, credential, generation)
        return credential

    def _load_key(self, access_key: str) -> KeyCredential | None:
        with self._database.read() as session:
            return load_key(session, self._box, access_key)

    def _load_token(self, token_hash: str) -> TokenCredential | None:
        with self._database.read() as session:
            return load_token(session, token_hash)

    def _remember(self, entries: dict[str, V], name: str, value: V, generation: int) -> None:
        if generation != self._generation:
            return
        if len(entries) >= self._max_entries:
            entries.clear()
        entries[name] = value
